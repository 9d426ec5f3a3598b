package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.testing.NodeChecker;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.WithFakeDeployment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Who the proxy signs as: permanent, temporary and named temporary credentials; authorized scopes from the command
 * line and from --task-id; no restriction versus a restriction to nothing; and the official client as a task uses it.
 */
class IdentitiesIT extends WithFakeDeployment {

    @Override
    protected Map<String, Object> tasks() {
        Map<String, Object> tasks = new HashMap<>();
        tasks.put("TaskWithScopes0000000", Map.of("scopes", List.of("test:from-task", "queue:get-artifact:public/*")));
        tasks.put("TaskWithoutScopes0000", Map.of("scopes", List.of()));
        tasks.put("TaskWithNullScopes000", Map.of("metadata", Map.of("name", "no scopes key at all")));
        return tasks;
    }

    private Credentials credentials(String kind) {
        return switch (kind) {
            case "permanent" -> clients.issuer;
            case "temporary" -> clients.temporary(null, List.of("test:*", "queue:get-artifact:*"));
            case "named" -> clients.temporary("project/named-temp", List.of("test:*", "queue:get-artifact:*"));
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private ProxyProcess started(Credentials credentials, String... args) {
        return proxy(credentials).args(args).start();
    }

    @ParameterizedTest(name = "{0} credentials, arguments \"{1}\"")
    @CsvSource(delimiter = '|', value = {
        // kind | arguments | authorized scopes sent (or "none") | scopes the upstream grants
        "permanent |  | none | [*]",
        "permanent | test:a test:b | [test:a, test:b] | [test:a, test:b]",
        "permanent | --task-id TaskWithScopes0000000 test:a | [test:a, test:from-task, queue:get-artifact:public/*] | [test:a, test:from-task, queue:get-artifact:public/*]",
        "permanent | --task-id TaskWithoutScopes0000 | [] | []",
        "permanent | --task-id TaskWithNullScopes000 | [] | []",
        "temporary |  | none | [test:*, queue:get-artifact:*]",
        "temporary | queue:get-artifact:public/x | [queue:get-artifact:public/x] | [queue:get-artifact:public/x]",
        "temporary | --task-id TaskWithoutScopes0000 | [] | []",
        "named |  | none | [test:*, queue:get-artifact:*]",
        "named | test:a | [test:a] | [test:a]",
        "named | --task-id TaskWithoutScopes0000 | [] | []",
    })
    void requestsCarryTheIdentityAndItsScopes(String kind, String arguments, String authorized, String granted) throws Exception {
        Credentials credentials = credentials(kind.strip());
        String[] args = arguments == null ? new String[0] : arguments.strip().split(" ");
        try (ProxyProcess proxy = started(credentials, args)) {
            int port = proxy.port();
            RawResponse response = RawResponse.request(port, "GET", "/api/auth/v1/scopes/current");
            assertEquals(200, response.status(), response.body());
            Map<String, Object> answer = JSON.std.mapFrom(response.body());
            assertEquals(credentials.clientId(), answer.get("clientId"));
            assertEquals(granted.strip(), String.valueOf(answer.get("scopes")));

            List<Map<String, Object>> log = upstream.authLog();
            Map<String, Object> seen = log.get(log.size() - 1);
            if (authorized.strip().equals("none")) {
                assertEquals(false, seen.get("hasAuthorizedScopes"), "no restriction means no authorizedScopes at all");
                assertNull(response.header("X-Taskcluster-Authorized-Scopes"));
            } else {
                assertEquals(true, seen.get("hasAuthorizedScopes"));
                assertEquals(authorized.strip(), String.valueOf(seen.get("authorizedScopes")));
                assertEquals(JSON.std.asString(seen.get("authorizedScopes")), response.header("X-Taskcluster-Authorized-Scopes"));
            }
            if (credentials.isTemporary()) {
                assertEquals(credentials.clientId(), response.header("X-Taskcluster-Proxy-Temp-ClientId"));
                assertEquals("[\"test:*\",\"queue:get-artifact:*\"]", response.header("X-Taskcluster-Proxy-Temp-Scopes"));
                assertNull(response.header("X-Taskcluster-Proxy-Perm-ClientId"));
            } else {
                assertEquals(credentials.clientId(), response.header("X-Taskcluster-Proxy-Perm-ClientId"));
                assertNull(response.header("X-Taskcluster-Proxy-Temp-ClientId"));
            }
        }
    }

    @Test
    void scopesTheCredentialsDoNotHaveAreRefusedUpstream() throws Exception {
        // As the original's TestOversteppedScopes: the upstream answers 401 and the proxy passes it on.
        try (ProxyProcess proxy = started(clients.limited, "secrets:get:garbage/foo")) {
            int port = proxy.port();
            RawResponse response = RawResponse.request(port, "GET", "/secrets/v1/secret/garbage/foo");
            response.assertAnswers(401, "AuthenticationFailed", "authorizedScopes");
            assertEquals(upstream.rootUrl() + "/api/secrets/v1/secret/garbage/foo", response.header("X-Taskcluster-Endpoint"));
            assertEquals("[\"secrets:get:garbage/foo\"]", response.header("X-Taskcluster-Authorized-Scopes"));
        }
    }

    @Test
    void aCertificateWithNullScopesIsSentAsIsAndShownAsNull() throws Exception {
        Credentials nullScopes = clients.temporary(null, null);
        try (ProxyProcess proxy = started(nullScopes)) {
            int port = proxy.port();
            RawResponse response = RawResponse.request(port, "GET", "/api/auth/v1/scopes/current");
            assertEquals("null", response.header("X-Taskcluster-Proxy-Temp-Scopes"));
            // Taskcluster refuses certificates whose scopes are not an array; the proxy does not hide that.
            assertEquals(401, response.status());
        }
    }

    @Test
    void theOfficialClientWorksWithTheProxyAsItsRootUrl() throws Exception {
        try (ProxyProcess proxy = started(clients.issuer, "--task-id", "TaskWithScopes0000000", "test:authenticate-post")) {
            int port = proxy.port();
            Process node = new ProcessBuilder("node", "official-client.mjs", "http://127.0.0.1:" + port, "TaskWithScopes0000000")
                    .directory(NodeChecker.nodeDirectory().toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String output = new String(node.getInputStream().readAllBytes());
            assertTrue(node.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, node.exitValue(), output);
            Map<String, Object> results = JSON.std.mapFrom(output);
            assertEquals(Map.of("clientId", "project/issuer", "scopes",
                    List.of("test:authenticate-post", "test:from-task", "queue:get-artifact:public/*")), results.get("currentScopes"));
            assertEquals(List.of("test:from-task", "queue:get-artifact:public/*"), map(results.get("task")).get("scopes"));
            assertEquals("project/issuer", map(results.get("testAuthenticate")).get("clientId"));
            assertEquals(List.of("test:authenticate-post"), map(results.get("testAuthenticate")).get("requiredScopes"));
            assertTrue(String.valueOf(results.get("signedUrlWithoutCredentials")).startsWith("refused"), results.toString());
            assertEquals(Map.of("statusCode", 404, "code", "ResourceNotFound"), results.get("notFound"));
        }
        List<String> targets = new ArrayList<>();
        upstream.authLog().forEach(entry -> targets.add((String) entry.get("target")));
        assertTrue(targets.contains("/api/auth/v1/test-authenticate"), targets.toString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

}
