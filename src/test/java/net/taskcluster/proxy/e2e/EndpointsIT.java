package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.ScopeAudit;
import net.taskcluster.proxy.testing.Secrets;
import net.taskcluster.proxy.testing.WithFakeDeployment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The proxy's own endpoints: /bewit and /credentials. */
class EndpointsIT extends WithFakeDeployment {
    private ProxyProcess proxy;
    private int port;

    @BeforeAll
    void start() throws Exception {
        proxy = proxies.start(proxy()
                .args("test:*"));
        port = proxy.port();
    }

    /** The scope audit run after every class (WithFakeDeployment) notices a proxy sending other scopes than its own. */
    @Test
    void scopeAuditWouldSeeOtherScopes() {
        assertEquals(200, RawResponse.request(port, "GET", "/api/test/v1/echo/audited").status());
        assertEquals(List.of(), ScopeAudit.problems(upstream, ScopeAudit::expectedScopes));
        List<String> problems = ScopeAudit.problems(upstream, p -> p == proxy ? List.of("test:other") : ScopeAudit.expectedScopes(p));
        assertTrue(problems.stream().anyMatch(p -> p.contains("authorized scopes [test:*] from a proxy started with [test:other]")
                && p.contains("/api/test/v1/echo/audited")), String.join("\n", problems));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/test/v1/echo/bewit", "/api/test/v1/echo/a%2Fb?b=2&a=1&a=0", "/api/test/v1/echo/x?somekey=someval"})
    void bewitSignsAUrlThatVerifiesAtTheUpstream(String path) {
        String url = upstream.rootUrl() + path;
        RawResponse response = RawResponse.withBody(port, "POST", "/bewit", "  " + url + "\n");
        assertEquals(303, response.status());
        String signed = response.body();
        Secrets.register(signed.substring(signed.indexOf("bewit=") + 6));
        assertEquals(signed, response.header("Location"));
        assertTrue(signed.startsWith(url + (url.contains("?") ? "&" : "?") + "bewit="), signed);
        assertEquals("text/plain; charset=utf-8", response.header("Content-Type"));

        // Fetched straight from the upstream, without the proxy: the bewit alone authenticates it.
        RawResponse fetched = RawResponse.request(upstream.port(), "GET", signed.substring(upstream.rootUrl().length()),
                "Host: 127.0.0.1:" + upstream.port());
        assertEquals(200, fetched.status(), fetched.body());
        List<Map<String, Object>> log = upstream.authLog();
        Map<String, Object> last = log.get(log.size() - 1);
        assertEquals(true, last.get("ok"));
        assertEquals("project/issuer", last.get("clientId"));
        assertEquals(List.of("test:*"), last.get("authorizedScopes"));
    }

    @Test
    void bewitTakesAnyMethodAndRefusesBadBodies() {
        for (String method : List.of("GET", "PUT", "POST")) {
            assertEquals(303, RawResponse.withBody(port, method, "/bewit", "https://example.com/x").status());
        }
        assertEquals(400, RawResponse.withBody(port, "POST", "/bewit", "").status());
        assertEquals(400, RawResponse.request(port, "POST", "/bewit").status());
        for (String bad : List.of("   ", "foo/bar", "not a url", "ftp://example.com/", "https://example.com/a?bewit=x")) {
            RawResponse response = RawResponse.withBody(port, "POST", "/bewit", bad);
            assertEquals(400, response.status(), bad);
            assertTrue(response.body().length() > 14, response.body());
        }
        RawResponse tooLarge = RawResponse.withBody(port, "POST", "/bewit", "https://example.com/" + "x".repeat(70_000));
        assertEquals(413, tooLarge.status());
    }

    @Test
    void credentialsRefusesOtherMethodsAndBadBodiesAndKeepsTheOldOnes() {
        String valid = "{\"clientId\":\"project/limited\",\"accessToken\":\"" + clients.limited.accessToken() + "\"}";
        for (String method : List.of("POST", "GET", "DELETE", "PATCH")) {
            RawResponse response = RawResponse.withBody(port, method, "/credentials", valid);
            assertEquals(405, response.status(), method);
            assertEquals("PUT", response.header("Allow"));
        }
        // the bad bodies of the original's credentials_update_test.go, and more
        for (String bad : List.of("", "{\"badJS0n!", "null", "[]", "{}", "{\"clientId\":\"x\"}",
                "{\"clientId\":\"x\",\"accessToken\":\"\"}", "{\"clientId\":1,\"accessToken\":\"12345678\"}",
                "{\"clientId\":\"x\",\"accessToken\":\"12345678\",\"certificate\":\"def\"}",
                "{\"clientId\":\"x\",\"accessToken\":\"12345678\",\"certificate\":7}", valid + " trailing")) {
            RawResponse response = RawResponse.withBody(port, "PUT", "/credentials", bad);
            assertEquals(400, response.status(), bad);
            assertTrue(response.body().startsWith("invalid credentials: "), response.body());
            assertTrue(!response.body().contains(clients.limited.accessToken()), response.body());
        }
        RawResponse after = RawResponse.request(port, "GET", "/api/auth/v1/scopes/current");
        assertEquals("project/issuer", after.header("X-Taskcluster-Proxy-Perm-ClientId"));
        assertTrue(after.body().contains("\"clientId\":\"project/issuer\""), after.body());
    }

    @Test
    void credentialsAreReplacedAndTheVeryNextRequestUsesThem() throws Exception {
        Credentials temporary = clients.temporary("project/rotated", List.of("test:*"));
        // exactly what generic-worker sends: keys in this order, the certificate as a string, no Content-Type
        String body = "{\"accessToken\":\"" + temporary.accessToken() + "\",\"certificate\":"
                + com.fasterxml.jackson.jr.ob.JSON.std.asString(temporary.certificate().toJson()).replace("/", "\\/")
                + ",\"clientId\":\"" + temporary.clientId() + "\"}";
        try {
            RawResponse put = RawResponse.withBody(port, "PUT", "/credentials", body);
            assertEquals(200, put.status(), put.body());
            assertEquals("", put.body());
            // the answer to the update still describes the credentials it replaced, as the original's does
            assertEquals("project/issuer", put.header("X-Taskcluster-Proxy-Perm-ClientId"));

            RawResponse next = RawResponse.request(port, "GET", "/api/auth/v1/scopes/current");
            next.assertAnswers(200, "\"clientId\":\"project/rotated\"");
            assertEquals("project/rotated", next.header("X-Taskcluster-Proxy-Temp-ClientId"));
            assertEquals("[\"test:*\"]", next.header("X-Taskcluster-Proxy-Temp-Scopes"));
            assertEquals("[\"test:*\"]", next.header("X-Taskcluster-Authorized-Scopes"));
        } finally {
            String back = "{\"clientId\":\"project/issuer\",\"accessToken\":\"" + clients.issuer.accessToken() + "\"}";
            assertEquals(200, RawResponse.withBody(port, "PUT", "/credentials", back).status());
        }
    }
}
