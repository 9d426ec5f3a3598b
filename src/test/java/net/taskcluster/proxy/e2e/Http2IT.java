package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.taskcluster.proxy.testing.FakeDeployment;
import net.taskcluster.proxy.testing.Http;
import net.taskcluster.proxy.testing.Pattern;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.SilentListener;
import net.taskcluster.proxy.testing.TestCa;
import net.taskcluster.proxy.testing.TlsUpstream;
import net.taskcluster.proxy.testing.WithFakeDeployment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forwarding contract over HTTP/2: the fake deployment serves https and picks h2 by ALPN (HTTP/1.1 for a client
 * that does not offer it), checks every request's Hawk signature (host and port from {@code :authority}) and says
 * which HTTP version it was asked in. Streaming both ways, retries, the idle and connect timeouts, a caller that
 * leaves, repeated headers both ways and hop-by-hop headers all behave as over HTTP/1.1; {@code --upstream-http 1.1}
 * speaks HTTP/1.1 to the same deployment.
 */
class Http2IT extends WithFakeDeployment {
    private static final String HOST = "deployment.tc-h2.example";
    private static final long SIZE = 64L << 20;

    @TempDir
    static Path directory;
    private static Path caPem;
    private static Path hosts;
    private int port;
    private int oneOnePort;

    @Override
    protected FakeDeployment newDeployment() throws Exception {
        TestCa ca = TestCa.create(directory);
        caPem = ca.pem();
        hosts = Files.writeString(directory.resolve("hosts"), "127.0.0.1 " + HOST + "\n");
        return FakeDeployment.startHttps(clients.table(), tasks(), ca.serverKeystore("deployment", "dns:" + HOST),
                TlsUpstream.PASSWORD, HOST);
    }

    /** A proxy for the https deployment, trusting the test CA and resolving its name. */
    private ProxyProcess.Options httpsProxy(String... args) {
        return proxy().env("SSL_CERT_FILE", caPem.toString()).javaOptions("-Djdk.net.hosts.file=" + hosts).args(args);
    }

    @BeforeAll
    void start() throws Exception {
        port = proxies.start(httpsProxy("--retry-budget", "3s", "--idle-timeout", "1s", "--max-buffered-body", "1k")).port();
        oneOnePort = proxies.start(httpsProxy("--upstream-http", "1.1")).port();
    }

    private static Map<String, Object> json(RawResponse response) throws IOException {
        return com.fasterxml.jackson.jr.ob.JSON.std.mapFrom(response.body());
    }

    @Test
    void requestsGoAsHttp2SignedForTheDeploymentsHostAndPort() throws Exception {
        RawResponse response = RawResponse.request(port, "GET", "/api/queue/v1/echo/a?b=c");
        assertEquals(200, response.status(), response.body()); // the deployment answers 401 to a signature that fails
        Map<String, Object> echo = json(response);
        assertEquals("2.0", echo.get("httpVersion"));
        assertEquals("/api/queue/v1/echo/a?b=c", echo.get("target"));
        String authority = (String) ((Map<?, ?>) echo.get("headers")).get(":authority");
        assertEquals(HOST + ":" + upstream.port(), authority);
    }

    @Test
    void oneOneTurnsHttp2Off() throws Exception {
        RawResponse response = RawResponse.request(oneOnePort, "GET", "/api/queue/v1/echo/a");
        assertEquals(200, response.status(), response.body());
        assertEquals("1.1", json(response).get("httpVersion"));
    }

    @Test
    void repeatedHeadersCrossBothWaysAndHopByHopHeadersNeverGoUpstream() throws Exception {
        // An h2 server refuses a request with a connection-specific header (RFC 9113 8.2.2): that it answers shows
        // none was sent, and the echo shows which headers arrived.
        RawResponse response = RawResponse.request(port, "GET", "/api/queue/v1/echo/headers",
                "X-Multi: one", "X-Other: x", "X-Multi: two", "Connection: X-Hop, close", "X-Hop: 1",
                "Keep-Alive: timeout=5", "Proxy-Connection: keep-alive", "TE: gzip");
        assertEquals(200, response.status(), response.body());
        Map<String, Object> echo = json(response);
        assertEquals("2.0", echo.get("httpVersion"));
        List<String> names = new ArrayList<>();
        List<String> multi = new ArrayList<>();
        List<?> raw = (List<?>) echo.get("rawHeaders");
        for (int i = 0; i < raw.size(); i += 2) {
            String name = ((String) raw.get(i)).toLowerCase(java.util.Locale.ROOT);
            names.add(name);
            if (name.equals("x-multi")) {
                multi.add((String) raw.get(i + 1));
            }
        }
        assertEquals(List.of("one", "two"), multi, "both values, in order");
        for (String hop : List.of("connection", "x-hop", "keep-alive", "proxy-connection", "te", "upgrade", "transfer-encoding", "host")) {
            assertFalse(names.contains(hop), hop + " went upstream: " + names);
        }

        RawResponse status = RawResponse.request(port, "GET", "/api/queue/v1/status/404");
        assertEquals(404, status.status());
        assertEquals(List.of("1", "2"), status.values("X-Test-A"), "a repeated answer header, both values");
        RawResponse cookies = RawResponse.request(port, "GET", "/api/queue/v1/cookies");
        assertEquals(List.of("a=1; Path=/", "b=2; Path=/"), cookies.values("Set-Cookie"));
    }

    @Test
    void fiveHundredsAreRetriedOverHttp2() throws Exception {
        RawResponse response = RawResponse.request(port, "GET", "/api/queue/v1/sequence/h2/503,500,200");
        assertEquals(200, response.status(), response.body());
        assertEquals("3", response.header("X-Attempt"));
    }

    @Test
    void theBackoffIsAFloorOverHttp2() throws Exception {
        // 503 with Retry-After: 0 on every attempt: the backoff still spaces them, so the 3 s budget holds few.
        RawResponse response = RawResponse.request(port, "GET", "/api/queue/v1/unavailable/h2-floor/0");
        assertEquals(503, response.status(), response.body());
        int attempts = ((Number) json(response).get("attempt")).intValue();
        assertTrue(attempts >= 2 && attempts <= 6, attempts + " attempts");
    }

    @Test
    void bodiesStreamBothWays() throws Exception {
        String base = "http://127.0.0.1:" + port;
        Http.assertPatternDownload(base + "/api/queue/v1/bytes/" + SIZE, SIZE);
        // Above --max-buffered-body (1k here): the body streams, once, to the deployment, which hashes it.
        HttpResponse<String> upload = Http.putPattern(base + "/api/queue/v1/upload", SIZE);
        assertEquals(200, upload.statusCode(), upload.body());
        Map<String, Object> received = Http.json(upload);
        assertEquals(SIZE, ((Number) received.get("length")).longValue());
        assertEquals(Pattern.sha256(SIZE), received.get("sha256"));
    }

    @Test
    void anUpstreamThatSendsNothingIsCutByTheIdleTimeout() throws Exception {
        RawResponse.request(port, "GET", "/api/queue/v1/hang/h2-idle")
                .assertAnswers(504, "timed out: the upstream sent nothing for too long");
        upstream.awaitEvent("hang-closed", "h2-idle", Duration.ofSeconds(10)); // its stream was reset
    }

    @Test
    void anUpstreamThatStallsMidBodyCutsTheCallersAnswer() throws Exception {
        Http.assertBodyCutShort("http://127.0.0.1:" + port + "/api/queue/v1/stall/h2-mid-body", "1000");
        upstream.awaitEvent("stall-closed", "h2-mid-body", Duration.ofSeconds(10));
    }

    @Test
    void aCallerThatLeavesResetsItsUpstreamStream() throws Exception {
        try (Socket caller = new Socket(InetAddress.getLoopbackAddress(), port)) {
            caller.getOutputStream().write(("GET /api/queue/v1/slow/h2-gone/30 HTTP/1.1\r\nHost: taskcluster\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = caller.getInputStream();
            String head = RawResponse.readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            upstream.awaitEvent("slow-started", "h2-gone", Duration.ofSeconds(10));
        }
        upstream.awaitEvent("slow-aborted", "h2-gone", Duration.ofSeconds(10));
        assertEquals(200, RawResponse.request(port, "GET", "/api/queue/v1/echo/after").status());
    }

    @Test
    void theConnectTimeoutHoldsForHttpsUpstreams() throws Exception {
        try (SilentListener silent = new SilentListener();
                ProxyProcess proxy = httpsProxy("--connect-timeout", "300ms", "--retry-budget", "1s")
                        .rootUrl("https://" + HOST + ":" + silent.port()).start()) {
            RawResponse.request(proxy.port(), "GET", "/api/queue/v1/task/x")
                    .assertAnswers(504, "timed out connecting to the upstream");
        }
    }
}
