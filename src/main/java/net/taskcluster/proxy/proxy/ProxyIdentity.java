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

    /**
     * The most the proxy's own headers may take. They go on every answer, beside the upstream's headers or a signed
     * URL; and the same scopes, base64-encoded in the Authorization header's ext, must fit the request head sent
     * upstream. Half of an answer head leaves room for both.
     */
    public static final int MAX_HEADERS = AnswerHead.MAX / 2;

    /** An identity whose headers would not fit an answer head. */
    public static final class TooLargeException extends Exception {
        TooLargeException(int size) {
            super("the proxy's X-Taskcluster-* headers for these credentials and scopes would take " + size
                    + " bytes, more than the " + MAX_HEADERS + " an answer can carry beside the upstream's headers");
        }
    }

    /** As {@link #of}, refused when its headers would not fit beside what every answer carries. */
    public static ProxyIdentity checked(Identity identity, Version version) throws TooLargeException {
        ProxyIdentity proxyIdentity = of(identity, version);
        int size = AnswerHead.size(proxyIdentity.responseHeaders());
        if (size > MAX_HEADERS) {
            throw new TooLargeException(size);
        }
        return proxyIdentity;
    }

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
