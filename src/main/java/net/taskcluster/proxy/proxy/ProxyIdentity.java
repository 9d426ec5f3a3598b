package net.taskcluster.proxy.proxy;

import net.taskcluster.proxy.Version;
import net.taskcluster.proxy.auth.Certificate;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.auth.Identity;
import net.taskcluster.proxy.json.Json;
import org.eclipse.jetty.http.HttpFields;

/**
 * The identity requests are signed with, and the {@code X-Taskcluster-*} headers that describe it on every
 * response of the proxy; computed once per credential change.
 */
public record ProxyIdentity(Identity identity, HttpFields responseHeaders) {
    public static final String VERSION = "X-Taskcluster-Proxy-Version";
    public static final String REVISION = "X-Taskcluster-Proxy-Revision";
    public static final String PERM_CLIENT_ID = "X-Taskcluster-Proxy-Perm-ClientId";
    public static final String TEMP_CLIENT_ID = "X-Taskcluster-Proxy-Temp-ClientId";
    public static final String TEMP_SCOPES = "X-Taskcluster-Proxy-Temp-Scopes";
    public static final String AUTHORIZED_SCOPES = "X-Taskcluster-Authorized-Scopes";
    public static final String ENDPOINT = "X-Taskcluster-Endpoint";

    public static ProxyIdentity of(Identity identity, Version version) {
        HttpFields.Mutable headers = HttpFields.build();
        headers.put(VERSION, version.version());
        if (version.hasRevision()) {
            headers.put(REVISION, version.revision());
        }
        Credentials credentials = identity.credentials();
        Certificate certificate = credentials.certificate();
        if (certificate == null) {
            headers.put(PERM_CLIENT_ID, credentials.clientId());
        } else {
            headers.put(TEMP_CLIENT_ID, credentials.clientId());
            headers.put(TEMP_SCOPES, Json.stringArray(certificate.scopes()));
        }
        if (identity.scopes().isRestricted()) {
            headers.put(AUTHORIZED_SCOPES, Json.stringArray(identity.scopes().scopes()));
        }
        return new ProxyIdentity(identity, headers.asImmutable());
    }

    /** Adds the headers to a response, except where the upstream already set one of the same name (it wins). */
    public void addTo(HttpFields.Mutable response) {
        for (var field : responseHeaders) {
            if (!response.contains(field.getName())) {
                response.add(field);
            }
        }
    }
}
