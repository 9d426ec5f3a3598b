package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import net.taskcluster.proxy.Version;
import net.taskcluster.proxy.testing.Http;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.WithFakeDeployment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The URL forms, what is forwarded and what comes back, through the real launcher against the fake deployment
 * (which checks every signature with npm hawk and Taskcluster's rules).
 */
class UrlFormsIT extends WithFakeDeployment {
    private ProxyProcess proxy;
    private int port;
    private String proxyUrl;

    @BeforeAll
    void start() throws Exception {
        proxy = proxies.start(proxy()
                .args("--retry-budget", "1s", "test:*", "queue:*"));
        port = proxy.port();
        proxyUrl = "http://127.0.0.1:" + port;
    }

    /** The last request the upstream authenticated, which must have passed. */
    private Map<String, Object> lastAuthenticated() {
        List<Map<String, Object>> log = upstream.authLog();
        Map<String, Object> last = log.get(log.size() - 1);
        assertEquals(true, last.get("ok"), last.toString());
        return last;
    }

    @ParameterizedTest
    @CsvSource({
        // routes_test.go: TestNonCanonicalUrls
        "/queue/v1/double//slash/encode1%2F/encode2%252F/encode3%25252F, /api/queue/v1/double//slash/encode1%2F/encode2%252F/encode3%25252F",
        // services_test.go: TestConvertPathForQueue
        "/queue/v1/y/z, /api/queue/v1/y/z",
        "/aws-provisioner/v1/y/z, /api/aws-provisioner/v1/y/z",
        "/queue/v1/y%2fz, /api/queue/v1/y%2fz",
        // observed behaviours of the original (reference-tests.md §12)
        "/queue/v1/, /api/queue/v1/",
        "/queue/v1//x, /api/queue/v1/x",
        // (the original re-escapes a raw '|' as %7C; issue 9 asks for the caller's bytes, which WireTargetIT checks)
        "/queue/v1/a|b, /api/queue/v1/a|b",
        "/Queue/V1/x, /api/Queue/V1/x",
        // the /api form, which every official client uses
        "/api/queue/v1/task/abc/artifacts/public%2Fbuild%2Fx.zip, /api/queue/v1/task/abc/artifacts/public%2Fbuild%2Fx.zip",
        "/api/auth/v1/test-authenticate-get/, /api/auth/v1/test-authenticate-get/",
        // queries are kept as they are, order and escapes included
        "/queue/v1/y%20/z?key=value&key2=value2, /api/queue/v1/y%20/z?key=value&key2=value2",
        "/api/test/v1/q?b=2&a=1&a=0&x=%2F&y=a+b&&z, /api/test/v1/q?b=2&a=1&a=0&x=%2F&y=a+b&&z",
    })
    void targetsArriveByteForByte(String sent, String received) {
        RawResponse response = RawResponse.request(port, "GET", sent);
        Map<String, Object> last = lastAuthenticated();
        assertEquals(received, last.get("target"));
        assertEquals(upstream.rootUrl() + received, response.header("X-Taskcluster-Endpoint"));
    }

    @Test
    void theHostnameFormGoesToHttpsOnThatHost() {
        RawResponse response = RawResponse.request(port, "GET", "/tc.example.invalid/v1/x%2Fy?k=v%20m");
        assertEquals("https://tc.example.invalid/v1/x%2Fy?k=v%20m", response.header("X-Taskcluster-Endpoint"));
        response.assertAnswers(502, "https://tc.example.invalid/v1/x%2Fy?k=v%20m", "resolve");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/queue", "/queue/v1", "/api", "/api/queue/v1", "/apiary/v1/x", "/x@/", "/example.com:8080/x",
        "/my_svc/v1/x", "/-bad/v1/x", "/credentialsXYZ"})
    void unroutableTargetsAre404WithoutAnEndpoint(String target) {
        RawResponse response = RawResponse.request(port, "GET", target);
        assertEquals(404, response.status(), response.body());
        assertEquals("text/plain; charset=utf-8", response.header("Content-Type"));
        assertFalse(response.body().isBlank());
        assertNull(response.header("X-Taskcluster-Endpoint"));
        assertProxyHeaders(response);
    }

    @Test
    void everyMethodIsForwardedWithItsBody() throws Exception {
        for (String method : List.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")) {
            String body = "{\"payload\":\"" + method + "\",\"bytes\":\"\\u00e9\\n\"}";
            HttpResponse<String> response = Http.send(method, proxyUrl + "/api/test/v1/echo/" + method.toLowerCase(Locale.ROOT), body);
            assertEquals(200, response.statusCode(), response.body());
            Map<String, Object> echo = Http.json(response);
            assertEquals(method, echo.get("method"));
            @SuppressWarnings("unchecked")
            Map<String, Object> received = (Map<String, Object>) echo.get("body");
            byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(bytes.length, ((Number) received.get("length")).intValue());
            assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)), received.get("sha256"));
        }
        RawResponse head = RawResponse.request(port, "HEAD", "/api/test/v1/echo/head");
        assertEquals(200, head.status());
        assertEquals("", head.body());
        assertNotNull(head.header("Content-Length"));
        assertEquals("HEAD", lastAuthenticated().get("method"));
    }

    @Test
    void noHeaderIsInventedAndHopByHopHeadersStay() {
        RawResponse post = RawResponse.withBody(port, "POST", "/api/test/v1/echo/bare", "{}");
        // (the raw request carries Host and Connection: close, both of which the proxy must not forward)
        assertEquals(Set.of("host", "authorization", "content-length"), headerNames(post));

        RawResponse get = RawResponse.request(port, "GET", "/api/test/v1/echo/rich",
                "Authorization: Bearer the-callers-own", "User-Agent: task/1.0", "X-Custom: a", "X-Custom: b",
                "x-taskcluster-trace-id: trace-1", "Accept-Encoding: gzip", "Keep-Alive: timeout=5", "TE: trailers",
                "X-Hop: dropped", "Connection: X-Hop", "Proxy-Authorization: Basic eA==", "Expect: 100-continue");
        assertEquals(Set.of("host", "authorization", "user-agent", "x-custom", "x-taskcluster-trace-id", "accept-encoding"),
                headerNames(get));
        Map<String, Object> echo = json(get);
        @SuppressWarnings("unchecked")
        Map<String, Object> headers = (Map<String, Object>) echo.get("headers");
        assertTrue(((String) headers.get("authorization")).startsWith("Hawk id=\"project/issuer\""), headers.toString());
        assertEquals("a, b", headers.get("x-custom"));
        assertEquals("127.0.0.1:" + upstream.port(), headers.get("host"));
    }

    @Test
    void redirectsArePassedBackNotFollowed() {
        RawResponse response = RawResponse.request(port, "GET", "/api/test/v1/redirect");
        assertEquals(303, response.status());
        assertEquals("http://nosuch.example.com", response.header("Location"));
        assertEquals("{}\n", response.body());
        assertProxyHeaders(response);
    }

    @Test
    void clientErrorsArePassedBackWithBodyAndHeaders() {
        for (int status : List.of(400, 401, 403, 404, 409, 429)) {
            RawResponse response = RawResponse.request(port, "GET", "/api/test/v1/status/" + status);
            assertEquals(status, response.status());
            assertEquals("{\"code\":\"TestStatus\",\"message\":\"status " + status + " as asked\"}", response.body());
            assertEquals(List.of("1", "2"), response.values("X-Test-A"));
            assertEquals("application/json", response.header("Content-Type"));
            assertProxyHeaders(response);
        }
    }

    /** The proxy passes an encoded answer on as it came: Jetty's client would decode gzip unless told not to. */
    @Test
    void encodedAnswersArePassedBackUndecoded() throws Exception {
        HttpResponse<byte[]> response = Http.CLIENT.send(HttpRequest.newBuilder(URI.create(proxyUrl + "/api/test/v1/gzipped")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertEquals("gzip", response.headers().firstValue("Content-Encoding").orElse(null));
        assertEquals(String.valueOf(response.body().length), response.headers().firstValue("Content-Length").orElse(null));
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(response.body()))) {
            assertEquals("an encoded answer\n".repeat(100), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void multiValuedResponseHeadersAreKept() {
        RawResponse response = RawResponse.request(port, "GET", "/api/test/v1/cookies");
        assertEquals(List.of("a=1; Path=/", "b=2; Path=/"), response.values("Set-Cookie"));
    }

    @Test
    void theProxyHeadersAreOnEveryResponseAndTheEndpointOnlyOnForwardedOnes() {
        String endpoint = "X-Taskcluster-Endpoint";
        RawResponse forwarded = RawResponse.request(port, "GET", "/api/test/v1/echo/x");
        assertEquals(upstream.rootUrl() + "/api/test/v1/echo/x", forwarded.header(endpoint));
        RawResponse failed = RawResponse.request(port, "GET", "/tc.example.invalid/x");
        assertEquals("https://tc.example.invalid/x", failed.header(endpoint));
        RawResponse notFound = RawResponse.request(port, "GET", "/nope");
        RawResponse credentials = RawResponse.request(port, "GET", "/credentials");
        RawResponse bewit = RawResponse.withBody(port, "POST", "/bewit", "https://example.com/");
        RawResponse badTarget = RawResponse.request(port, "GET", "/queue/v1/x%zz");
        for (RawResponse response : List.of(forwarded, failed, notFound, credentials, bewit, badTarget)) {
            assertProxyHeaders(response);
        }
        assertEquals(405, credentials.status());
        assertEquals(303, bewit.status());
        assertEquals(400, badTarget.status());
        for (RawResponse response : List.of(notFound, credentials, bewit, badTarget)) {
            assertNull(response.header(endpoint));
        }
    }

    private void assertProxyHeaders(RawResponse response) {
        assertEquals(Version.CURRENT.version(), response.header("X-Taskcluster-Proxy-Version"));
        assertEquals(Version.CURRENT.hasRevision() ? Version.CURRENT.revision() : null, response.header("X-Taskcluster-Proxy-Revision"));
        assertEquals("project/issuer", response.header("X-Taskcluster-Proxy-Perm-ClientId"));
        assertNull(response.header("X-Taskcluster-Proxy-Temp-ClientId"));
        assertEquals("[\"test:*\",\"queue:*\"]", response.header("X-Taskcluster-Authorized-Scopes"));
    }

    private static Map<String, Object> json(RawResponse response) {
        try {
            return com.fasterxml.jackson.jr.ob.JSON.std.mapFrom(response.body());
        } catch (java.io.IOException e) {
            throw new AssertionError(response.body(), e);
        }
    }

    /** The names of the headers the upstream received (lower case). */
    @SuppressWarnings("unchecked")
    private static Set<String> headerNames(RawResponse echoResponse) {
        Map<String, Object> echo = json(echoResponse);
        List<String> raw = (List<String>) echo.get("rawHeaders");
        Set<String> names = new TreeSet<>();
        for (int i = 0; i < raw.size(); i += 2) {
            names.add(raw.get(i).toLowerCase(Locale.ROOT));
        }
        return names;
    }

}
