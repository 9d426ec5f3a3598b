package net.taskcluster.proxy.testing;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.auth.InvalidCredentialsException;
import net.taskcluster.proxy.auth.TemporaryCredentials;

/**
 * The clients the fake deployment knows, with fresh random tokens for every run (registered as secrets): an issuer
 * with every scope, and a client limited to artifact downloads.
 */
public final class TestClients {
    public final Credentials issuer = new Credentials("project/issuer", token(), null);
    public final Credentials limited = new Credentials("project/limited", token(), null);

    public static String token() {
        String token = UUID.randomUUID() + "-" + UUID.randomUUID();
        Secrets.register(token);
        return token;
    }

    /** The deployment's client table. */
    public Map<String, Object> table() {
        Map<String, Object> clients = new HashMap<>();
        clients.put(issuer.clientId(), Map.of("accessToken", issuer.accessToken(), "scopes", List.of("*")));
        clients.put(limited.clientId(), Map.of("accessToken", limited.accessToken(), "scopes", List.of("queue:get-artifact:*")));
        return clients;
    }

    /** Temporary credentials issued by {@link #issuer}, named when {@code name} is not null. */
    public Credentials temporary(String name, List<String> scopes) {
        try {
            Credentials temporary = TemporaryCredentials.create(issuer, name, scopes, Duration.ofHours(2));
            Secrets.register(temporary.accessToken());
            return temporary;
        } catch (InvalidCredentialsException e) {
            throw new IllegalStateException(e);
        }
    }
}
