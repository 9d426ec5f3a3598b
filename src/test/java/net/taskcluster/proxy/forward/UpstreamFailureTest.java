package net.taskcluster.proxy.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import net.taskcluster.proxy.config.UpstreamHttp;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Failure classification from the exceptions the proxy's own Jetty client really throws, against a real local
 * socket that misbehaves in one way per test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamFailureTest {
    private HttpClient client;

    @BeforeAll
    void startClient() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(8, 2);
        ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("test-scheduler", true);
        threads.start();
        scheduler.start();
        client = Forwarder.newHttpClient(Duration.ofSeconds(2), threads, scheduler, UpstreamHttp.AUTO, new ArrayByteBufferPool());
        client.start();
    }

    @AfterAll
    void stopClient() throws Exception {
        client.stop();
    }

    /** The failure of one GET to a server that treats its connection as {@code behaviour} does. */
    private UpstreamFailure failureAgainst(Consumer<Socket> behaviour) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket socket = server.accept()) {
                    readHead(socket.getInputStream());
                    behaviour.accept(socket);
                } catch (IOException e) {
                    // the client went away first
                }
            });
            return failureOf("http://127.0.0.1:" + server.getLocalPort() + "/x");
        }
    }

    /** As the proxy sends: asynchronously, the failure being the one its listener's Result carries. */
    private UpstreamFailure failureOf(String url) throws Exception {
        CompletableFuture<Throwable> failed = new CompletableFuture<>();
        client.newRequest(url).idleTimeout(500, TimeUnit.MILLISECONDS).send(result -> failed.complete(result.getFailure()));
        Throwable cause = failed.get(10, TimeUnit.SECONDS);
        assertTrue(cause != null, "the request failed");
        UpstreamFailure failure = UpstreamFailure.of(cause);
        assertFalse(failure.description().contains("@"), "no object dump: " + failure.description());
        return failure;
    }

    private static void readHead(InputStream in) throws IOException {
        int matched = 0;
        for (int c; matched < 4 && (c = in.read()) >= 0; ) {
            matched = c == "\r\n\r\n".charAt(matched) ? matched + 1 : (c == '\r' ? 1 : 0);
        }
    }

    private static void write(Socket socket, String text) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(text.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aRefusedConnection() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        assertEquals(new UpstreamFailure(502, "cannot connect: connection refused", true), failureOf("http://127.0.0.1:" + closed + "/"));
    }

    @Test
    void aResetBeforeTheStatusLine() throws Exception {
        UpstreamFailure failure = failureAgainst(UpstreamFailureTest::reset);
        assertEquals(502, failure.status());
        assertTrue(failure.retryable());
        assertTrue(failure.description().matches("connection (reset|closed) by the upstream"), failure.description());
    }

    @Test
    void aCloseBeforeTheStatusLine() throws Exception {
        assertEquals(new UpstreamFailure(502, "connection closed by the upstream", true), failureAgainst(socket -> {}));
    }

    @Test
    void aResetInTheMiddleOfTheBody() throws Exception {
        UpstreamFailure failure = failureAgainst(socket -> {
            write(socket, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789");
            reset(socket);
        });
        assertTrue(failure.description().matches("connection (reset|closed) by the upstream"), failure.description());
    }

    @Test
    void garbageInsteadOfHttp() throws Exception {
        UpstreamFailure failure = failureAgainst(socket -> write(socket, "SSH-2.0-OpenSSH_9.2\r\n\r\n"));
        assertEquals(502, failure.status());
        assertEquals("the upstream's answer is not valid HTTP (No Status)", failure.description());
    }

    @Test
    void silenceUntilTheIdleTimeout() throws Exception {
        UpstreamFailure failure = failureAgainst(socket -> {
            try {
                socket.getInputStream().read(); // until the client gives up and closes
            } catch (IOException e) {
                // that is the end
            }
        });
        assertEquals(new UpstreamFailure(504, "timed out: the upstream sent nothing for too long", true), failure);
    }

    @Test
    void aNameThatDoesNotResolve() throws Exception {
        assertEquals(new UpstreamFailure(502, "the host name does not resolve", true), failureOf("http://nosuch.invalid/"));
    }

    /**
     * The shapes of the exceptions Jetty's h2 client fails an answer with (Http2FailuresIT makes the real ones with
     * a Jetty h2 upstream): a GOAWAY's reason is the peer's own text, and never reaches the description.
     */
    @Test
    void http2FailuresAreNamedByTheirErrorCodeAndRetried() {
        assertEquals(new UpstreamFailure(502, "the upstream reset the HTTP/2 stream (refused_stream_error)", true),
                UpstreamFailure.of(new IOException("refused_stream_error")));
        assertEquals(new UpstreamFailure(502, "the upstream reset the HTTP/2 stream (reset_code_4660)", true),
                UpstreamFailure.of(new IOException("reset_code_4660")));
        assertEquals(new UpstreamFailure(502, "the upstream reset the HTTP/2 stream", true),
                UpstreamFailure.of(new java.io.EOFException("Stream has been reset")));
        assertEquals(new UpstreamFailure(502, "the HTTP/2 connection was closed (GOAWAY internal_error)", true),
                UpstreamFailure.of(new IOException("internal_error/\u001b[31m<script> from the peer")));
        assertEquals(new UpstreamFailure(502, "HTTP/2 flow control failed (flow_control_error)", true),
                UpstreamFailure.of(new IOException("flow_control_error/session_window_exceeded")));
        assertEquals(new UpstreamFailure(502, "the HTTP/2 connection was closed (GOAWAY) before the upstream took the request", true),
                UpstreamFailure.of(new org.eclipse.jetty.http2.RetryableStreamException()));
        assertEquals("connection reset by the upstream", UpstreamFailure.of(new IOException("Connection reset by peer")).description());
    }
}
