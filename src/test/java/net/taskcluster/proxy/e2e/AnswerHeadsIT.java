package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.json.Json;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.ScriptedUpstream;
import net.taskcluster.proxy.testing.TestClients;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Answers whose head grows large: tens of kilobytes of authorized scopes (in X-Taskcluster-Authorized-Scopes on
 * every answer), long signed URLs, an upstream's long Location header. They are written whole, up to 128 KiB of
 * head; past that the caller gets an answer that says what is wrong, with the proxy's headers (once, all of these
 * were a bare 500, and a credential update swapped the credentials and then answered 500).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnswerHeadsIT {
    private static final String LONG_LOCATION = "/elsewhere/" + "l".repeat(9000);
    private final TestClients clients = new TestClients();
    private ScriptedUpstream upstream;

    @BeforeAll
    void startUpstream() throws Exception {
        upstream = new ScriptedUpstream((request, out) -> {
            String target = request.target();
            if (target.endsWith("/redirect")) {
                out.write(ScriptedUpstream.answer("302 Found", "Location: " + LONG_LOCATION + "\r\n", ""));
            } else if (target.contains("/header/")) {
                int size = Integer.parseInt(target.substring(target.lastIndexOf('/') + 1));
                out.write(ScriptedUpstream.answer("200 OK", "X-Large: " + "h".repeat(size) + "\r\n", "large head"));
            } else {
                out.write(ScriptedUpstream.answer("200 OK", "Content-Type: text/plain\r\n", "ok"));
            }
        });
    }

    @AfterAll
    void stopUpstream() throws Exception {
        upstream.close();
    }

    /** Scopes whose JSON array takes about {@code bytes} bytes. */
    private static List<String> scopes(int bytes) {
        List<String> scopes = new ArrayList<>();
        for (int i = 0; i * 41 < bytes; i++) {
            scopes.add(String.format("queue:get-artifact:task-%06d/public/*-----", i));
        }
        return scopes;
    }

    private ProxyProcess proxy(List<String> scopes) {
        ProxyProcess.Options options = new ProxyProcess.Options().rootUrl(upstream.rootUrl())
                .credentials(clients.issuer.clientId(), clients.issuer.accessToken(), null);
        options.args(scopes.toArray(String[]::new));
        return options.start();
    }

    @Test
    void sixteenKilobytesOfScopesGoOnEveryAnswerAndACredentialUpdateAnswers200() throws Exception {
        List<String> scopes = scopes(16_000);
        try (ProxyProcess proxy = proxy(scopes)) {
            int port = proxy.port();
            RawResponse forwarded = RawResponse.request(port, "GET", "/queue/v1/task/x");
            assertEquals(200, forwarded.status(), forwarded.body());
            assertEquals(Json.stringArray(scopes), forwarded.header("X-Taskcluster-Authorized-Scopes"));

            RawResponse redirect = RawResponse.request(port, "GET", "/queue/v1/redirect");
            assertEquals(302, redirect.status(), redirect.body());
            assertEquals(LONG_LOCATION, redirect.header("Location"));
            assertNotNull(redirect.header("X-Taskcluster-Authorized-Scopes"));

            Credentials other = new Credentials("project/other", TestClients.token(), null);
            RawResponse update = RawResponse.withBody(port, "PUT", "/credentials",
                    "{\"clientId\":\"" + other.clientId() + "\",\"accessToken\":\"" + other.accessToken() + "\"}");
            assertEquals(200, update.status(), update.body());
            RawResponse after = RawResponse.request(port, "GET", "/queue/v1/task/x");
            assertEquals(200, after.status(), after.body());
            assertEquals("project/other", after.header("X-Taskcluster-Proxy-Perm-ClientId"));
        }
    }

    @ParameterizedTest(name = "a URL of {0} bytes")
    @ValueSource(ints = {16 * 1024, 32 * 1024, 63 * 1024})
    void longUrlsAreSignedWithSixteenKilobytesOfScopes(int length) throws Exception {
        try (ProxyProcess proxy = proxy(scopes(16_000))) {
            int port = proxy.port();
            String url = url(length);
            RawResponse response = RawResponse.withBody(port, "POST", "/bewit", url);
            assertEquals(303, response.status(), response.body().substring(0, Math.min(200, response.body().length())));
            assertTrue(response.header("Location").startsWith(url + "&bewit="));
            assertEquals(response.header("Location"), response.body());
        }
    }

    @Test
    void aSignedUrlTooLongForTheLocationHeaderIs414WithTheProxysHeaders() throws Exception {
        // 40 KB of scopes: the bewit's ext carries them twice base64-encoded, about 71 KB, beside the scopes' header.
        try (ProxyProcess proxy = proxy(scopes(40_000))) {
            int port = proxy.port();
            RawResponse tooLong = RawResponse.withBody(port, "POST", "/bewit", url(60 * 1024));
            assertEquals(414, tooLong.status(), tooLong.body());
            assertTrue(tooLong.body().startsWith("the signed URL would be "), tooLong.body());
            assertNull(tooLong.header("Location"));
            assertEquals("project/issuer", tooLong.header("X-Taskcluster-Proxy-Perm-ClientId"));
            assertNotNull(tooLong.header("X-Taskcluster-Authorized-Scopes"));

            RawResponse shorter = RawResponse.withBody(port, "POST", "/bewit", url(1024));
            assertEquals(303, shorter.status(), shorter.body());
        }
    }

    @Test
    void anUpstreamAnswerWhoseHeadWouldNotFitIs502WithTheProxysHeaders() throws Exception {
        try (ProxyProcess proxy = proxy(List.of())) {
            int port = proxy.port();
            RawResponse fits = RawResponse.request(port, "GET", "/queue/v1/header/100000");
            assertEquals(200, fits.status(), fits.body());
            assertEquals(100_000, fits.header("X-Large").length());

            RawResponse tooLarge = RawResponse.request(port, "GET", "/queue/v1/header/140000");
            assertEquals(502, tooLarge.status(), tooLarge.body());
            // Past the client's own limit (128 KiB) the head is not even read whole: it could fill the heap.
            assertTrue(tooLarge.body().endsWith("failed after 1 attempt: the upstream's answer head is larger than 131072 bytes\n"),
                    tooLarge.body());
            RawResponse withTheProxys = RawResponse.request(port, "GET", "/queue/v1/header/130500");
            assertEquals(502, withTheProxys.status(), withTheProxys.body());
            assertTrue(withTheProxys.body().startsWith("taskcluster-proxy: the upstream's answer (200) has headers of "),
                    withTheProxys.body());
            assertNull(tooLarge.header("X-Large"));
            assertEquals("project/issuer", tooLarge.header("X-Taskcluster-Proxy-Perm-ClientId"));
            assertEquals(upstream.rootUrl() + "/api/queue/v1/header/140000", tooLarge.header("X-Taskcluster-Endpoint"));
            proxy.awaitLine(line -> line.contains("GET /queue/v1/header/140000 -> ") && line.contains(" 502 in "),
                    Duration.ofSeconds(10));

            assertEquals(200, RawResponse.request(port, "GET", "/queue/v1/task/x").status(), "still serving");
        }
    }

    @Test
    void aCredentialUpdateWhoseHeadersWouldNotFitIs400AndTheOldCredentialsStay() throws Exception {
        try (ProxyProcess proxy = proxy(scopes(40_000))) {
            int port = proxy.port();
            // Temporary credentials whose certificate's scopes (in X-Taskcluster-Proxy-Temp-Scopes) add 30 KB more.
            Credentials temporary = clients.temporary(null, scopes(30_000));
            String body = "{\"clientId\":\"" + temporary.clientId() + "\",\"accessToken\":\"" + temporary.accessToken()
                    + "\",\"certificate\":" + Json.write(g -> g.writeString(temporary.certificate().toJson())) + "}";
            RawResponse.withBody(port, "PUT", "/credentials", body)
                    .assertAnswers(400, "the credentials stay as they were");
            RawResponse after = RawResponse.request(port, "GET", "/queue/v1/task/x");
            assertEquals(200, after.status(), after.body());
            assertEquals("project/issuer", after.header("X-Taskcluster-Proxy-Perm-ClientId"));
            assertNull(after.header("X-Taskcluster-Proxy-Temp-ClientId"));
        }
    }

    @Test
    void scopesTooLargeForAnyAnswerAreRefusedAtStartUp() throws Exception {
        try (ProxyProcess proxy = proxy(scopes(70_000))) {
            assertEquals(1, proxy.awaitExit(Duration.ofSeconds(60)));
            String stderr = String.join("\n", proxy.stderr());
            assertTrue(stderr.contains("taskcluster-proxy: cannot serve: the proxy's X-Taskcluster-* headers"), stderr);
            assertTrue(proxy.stderr().stream().noneMatch(line -> line.contains("listening on")), stderr);
        }
    }

    private static String url(int length) {
        String start = "https://example.com/artifact?x=";
        return start + "u".repeat(length - start.length());
    }
}
