package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawConnection;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.WithFakeDeployment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Callers that go away at any point of an exchange: each leaves one log line saying how far it got, no stack
 * trace, and the upstream never receives as complete a request body that the caller did not complete.
 */
class CallerGoneIT extends WithFakeDeployment {
    private ProxyProcess proxy;
    private int port;

    @BeforeAll
    void start() throws Exception {
        proxy = proxies.start(proxy().args("--max-buffered-body", "64k"));
        port = proxy.port();
    }

    @AfterEach
    void noStackTraces() {
        List<String> traces = proxy.stderr().stream().filter(l -> l.startsWith("\tat ") || l.contains("Exception")).toList();
        assertTrue(traces.isEmpty(), "no stack trace or exception text in the log: " + traces);
        assertTrue(proxy.isAlive());
    }

    private static String head(String target, String framing) {
        return "POST " + target + " HTTP/1.1\r\nHost: taskcluster\r\n" + framing + "\r\n";
    }

    private String awaitLineFor(String target) throws InterruptedException {
        return proxy.awaitLine(l -> l.contains(" " + target + " -> "), Duration.ofSeconds(20));
    }

    private void assertNeverCompleteUpstream(String key) {
        List<Map<String, Object>> events = upstream.events().stream().filter(e -> key.equals(e.get("key"))).toList();
        assertTrue(events.stream().noneMatch(e -> "upload-complete".equals(e.get("name"))), events.toString());
    }

    @Test
    void aHeadCutShort() throws Exception {
        try (RawConnection caller = RawConnection.open(port)) {
            caller.write("POST /api/test/v1/upload/head-cut HTTP/1.1\r\nHost: tas");
            caller.reset();
        }
        String line = proxy.awaitLine(l -> l.contains("/upload/head-cut"), Duration.ofSeconds(20));
        assertTrue(line.contains("caller gone while sending the request head; request line \"POST /api/test/v1/upload/head-cut HTTP/1.1\""), line);
        assertTrue(upstream.events().stream().noneMatch(e -> "head-cut".equals(e.get("key"))));
    }

    @Test
    void aHeldBodyCutShort() throws Exception {
        String target = "/api/test/v1/upload/held-cut";
        try (RawConnection caller = RawConnection.open(port)) {
            caller.write(head(target, "Content-Length: 1000\r\n") + "x".repeat(100));
            caller.reset();
        }
        String line = awaitLineFor(target);
        assertTrue(line.contains("caller gone after 100 bytes of the body"), line);
        assertNeverCompleteUpstream("held-cut");
        assertTrue(upstream.events().stream().noneMatch(e -> "held-cut".equals(e.get("key"))), "a held body is never sent in part");
    }

    @Test
    void aStreamedBodyCutShort() throws Exception {
        streamedBodyCutShort("streamed-cut", "Content-Length: 1048576\r\n", "x".repeat(300 * 1024));
    }

    @Test
    void aChunkedBodyCutShort() throws Exception {
        streamedBodyCutShort("chunked-cut", "Transfer-Encoding: chunked\r\n", "400\r\n" + "y".repeat(1024) + "\r\n");
    }

    /** Part of a body that streams, a reset once the upstream has begun to receive it: the upstream sees it cut. */
    private void streamedBodyCutShort(String key, String framing, String part) throws Exception {
        String target = "/api/test/v1/upload/" + key;
        try (RawConnection caller = RawConnection.open(port)) {
            caller.write(head(target, framing) + part);
            upstream.awaitEvent("upload-started", key, Duration.ofSeconds(10));
            caller.reset();
        }
        String line = awaitLineFor(target);
        assertTrue(line.matches(".* caller gone after \\d+ bytes of the body .*"), line);
        upstream.awaitEvent("upload-incomplete", key, Duration.ofSeconds(10));
        assertNeverCompleteUpstream(key);
    }

    @Test
    void aHalfClosedCallerIsToldWhyAndNothingCompleteGoesUpstream() throws Exception {
        String target = "/api/test/v1/upload/half-closed";
        try (RawConnection caller = RawConnection.open(port)) {
            caller.write(head(target, "Content-Length: 1000\r\n") + "x".repeat(10)).halfClose();
            RawResponse response = caller.read();
            assertEquals(400, response.status(), response.body());
            assertEquals("taskcluster-proxy: the request body ended after 10 bytes\n", response.body());
            assertTrue(response.header("X-Taskcluster-Proxy-Version") != null, "the proxy's headers");
        }
        String line = awaitLineFor(target);
        assertTrue(line.contains("caller gone after 10 bytes of the body"), line);
        assertTrue(upstream.events().stream().noneMatch(e -> "half-closed".equals(e.get("key"))));
    }

    @Test
    void aCallerGoneDuringTheAnswer() throws Exception {
        String target = "/api/test/v1/bytes/1073741824";
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: taskcluster\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertEquals(1 << 20, in.readNBytes(1 << 20).length);
            socket.setSoLinger(true, 0);
        }
        String line = proxy.awaitLine(l -> l.contains(" " + target + " -> "), Duration.ofSeconds(20));
        assertTrue(line.matches(".* caller gone after \\d+ bytes of the answer in \\d+ ms after 1 attempt"), line);
        assertFalse(line.contains(" 502 "), line);
    }
}
