package net.taskcluster.proxy.server;

import java.net.InetSocketAddress;
import java.util.Map;
import net.taskcluster.proxy.auth.Certificate;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.auth.InvalidCredentialsException;
import net.taskcluster.proxy.json.Json;
import net.taskcluster.proxy.json.JsonSyntaxException;
import net.taskcluster.proxy.peer.PeerCheck;
import net.taskcluster.proxy.proxy.PlainText;
import net.taskcluster.proxy.proxy.ProxyIdentity;
import net.taskcluster.proxy.proxy.Redact;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code PUT /credentials}: the launcher hands over renewed credentials as JSON
 * {@code {"clientId", "accessToken", "certificate"}} (the certificate as a JSON string, or absent or empty for
 * permanent credentials). Bad input is refused with 400 and the credentials stay as they were.
 */
final class CredentialsEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(CredentialsEndpoint.class);

    private final IdentityStore identities;
    private final PeerCheck peerCheck;

    /** @param peerCheck with --allowed-user, only root and the proxy's own user may update; null: anyone */
    CredentialsEndpoint(IdentityStore identities, PeerCheck peerCheck) {
        this.identities = identities;
        this.peerCheck = peerCheck;
    }

    void handle(Request request, Response response, Callback callback) {
        if (!HttpMethod.PUT.is(request.getMethod())) {
            response.setStatus(HttpStatus.METHOD_NOT_ALLOWED_405);
            response.getHeaders().put(HttpHeader.ALLOW, "PUT");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
            response.write(true, null, callback);
            return;
        }
        if (peerCheck != null
                && !peerCheck.mayUpdateCredentials((InetSocketAddress) request.getConnectionMetaData().getRemoteSocketAddress())) {
            PlainText.write(response, callback, HttpStatus.FORBIDDEN_403,
                    "taskcluster-proxy: only the proxy's own user and root may update the credentials");
            return;
        }
        SmallBody.read(request, response, callback, body -> {
            Credentials credentials;
            try {
                credentials = parse(body);
            } catch (InvalidCredentialsException e) {
                PlainText.write(response, callback, HttpStatus.BAD_REQUEST_400, "invalid credentials: " + e.getMessage());
                return;
            }
            try {
                identities.replace(credentials);
            } catch (ProxyIdentity.TooLargeException e) {
                PlainText.write(response, callback, HttpStatus.BAD_REQUEST_400,
                        "invalid credentials: " + e.getMessage() + "; the credentials stay as they were");
                return;
            }
            LOG.info("credentials updated: client id {}{}", Redact.escape(credentials.clientId()),
                    credentials.isTemporary() ? ", temporary, expires " + credentials.certificate().expiresAt() : ", permanent");
            response.setStatus(HttpStatus.OK_200);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
            response.write(true, null, callback);
        });
    }

    static Credentials parse(String body) throws InvalidCredentialsException {
        Map<?, ?> map;
        try {
            map = Json.parseObject(body);
        } catch (JsonSyntaxException e) {
            throw new InvalidCredentialsException("the body is " + e.getMessage());
        }
        String clientId = string(map, "clientId");
        String accessToken = string(map, "accessToken");
        Object certificate = map.get("certificate");
        if (certificate instanceof Map<?, ?> object) {
            return Credentials.of(clientId, accessToken, null).withCertificate(Certificate.fromJson(object));
        }
        if (certificate != null && !(certificate instanceof String)) {
            throw new InvalidCredentialsException("\"certificate\" must be a string (the certificate's JSON) or an object");
        }
        return Credentials.of(clientId, accessToken, (String) certificate);
    }

    private static String string(Map<?, ?> map, String field) throws InvalidCredentialsException {
        Object value = map.get(field);
        if (!(value instanceof String s) || s.isEmpty()) {
            throw new InvalidCredentialsException("\"" + field + "\" must be a non-empty string");
        }
        return s;
    }
}
