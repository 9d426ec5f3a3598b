package net.taskcluster.proxy.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import net.taskcluster.proxy.testing.JettyUpstream;
import net.taskcluster.proxy.testing.RawConnection;
import net.taskcluster.proxy.testing.RawResponse;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Caller-gone detection on a real Jetty server in this JVM: each request is watched until the test answers it. */
class CallerWatchTest {
    private JettyUpstream server;
    private CallerWatch watch;
    private int port;
    /** Each request being handled: its watch's "gone" signal, and how to answer it. */
    private final BlockingQueue<Handled> handled = new LinkedBlockingQueue<>();

    private record Handled(CompletableFuture<Throwable> gone, Runnable answer, CallerWatch.Watch watch) {}

    @BeforeEach
    void start() throws Exception {
        server = JettyUpstream.start(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                CompletableFuture<Throwable> gone = new CompletableFuture<>();
                CallerWatch.Watch w = watch.watch(request, gone::complete);
                handled.add(new Handled(gone, () -> {
                    w.stop();
                    response.write(true, java.nio.ByteBuffer.wrap("ok".getBytes(StandardCharsets.US_ASCII)), callback);
                }, w));
                return true;
            }
        });
        watch = new CallerWatch(server.server().getScheduler());
        port = server.port();
    }

    @AfterEach
    void stop() throws Exception {
        watch.close();
        server.close();
    }

    private Handled next() throws InterruptedException {
        Handled h = handled.poll(10, TimeUnit.SECONDS);
        assertTrue(h != null, "the request reached the handler");
        return h;
    }

    @Test
    void aCallerThatClosesIsNoticedWhileNothingIsWritten() throws Exception {
        try (RawConnection caller = RawConnection.open(port)) {
            caller.write("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
            Handled request = next();
            caller.close();
            Throwable gone = request.gone().get(10, TimeUnit.SECONDS);
            assertEquals("the caller closed the connection", gone.getMessage());
            assertEquals(0, watch.watching(), "the watch ends with the connection");
        }
    }

    @Test
    void aPipelinedRequestIsHandedBackAndServedAfterTheFirst() throws Exception {
        try (RawConnection caller = RawConnection.open(port)) {
            caller.write("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
            Handled first = next();
            caller.write("GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
            // The sweep reads the second request's bytes, hands them back to the connection and ends the watch.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (watch.watching() > 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(0, watch.watching(), "the sweep saw the bytes");
            assertFalse(first.gone().isDone(), "bytes are not a caller gone");
            first.answer().run();
            assertEquals(200, caller.read().status());
            Handled second = next();
            second.answer().run();
            RawResponse response = caller.read();
            assertEquals("ok", response.body());
        }
    }

    @Test
    void aStoppedWatchNeverReadsAgain() throws Exception {
        try (RawConnection caller = RawConnection.open(port)) {
            caller.write("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
            Handled request = next();
            request.watch().stop();
            assertEquals(0, watch.watching());
            caller.write("GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
            request.answer().run();
            assertEquals(200, caller.read().status());
            next().answer().run();
            assertEquals(200, caller.read().status(), "Jetty itself read the pipelined request");
        }
    }
}
