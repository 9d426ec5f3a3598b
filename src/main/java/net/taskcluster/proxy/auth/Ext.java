package net.taskcluster.proxy.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import net.taskcluster.proxy.json.Json;

/**
 * The Hawk {@code ext} value Taskcluster reads: base64 of {@code {"certificate":{…},"authorizedScopes":[…]}},
 * each key present only when it applies, or no ext at all when neither does.
 */
public final class Ext {
    private Ext() {}

    /** The ext for these credentials and scopes; the empty string when there is none. */
    public static String of(Credentials credentials, AuthorizedScopes scopes) {
        return of(credentials.certificate(), scopes);
    }

    /** The ext for a certificate (null for permanent credentials) and scopes; empty when there is none. */
    public static String of(Certificate certificate, AuthorizedScopes scopes) {
        if (certificate == null && !scopes.isRestricted()) {
            return "";
        }
        String json = Json.write(g -> {
            g.writeStartObject();
            if (certificate != null) {
                g.writeFieldName("certificate");
                certificate.writeTo(g);
            }
            if (scopes.isRestricted()) {
                g.writeFieldName("authorizedScopes");
                Json.writeStringArray(g, scopes.scopes());
            }
            g.writeEndObject();
        });
        return Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
