package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import net.taskcluster.proxy.testing.JettyUpstream;
import net.taskcluster.proxy.testing.Pattern;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/**
 * Callers that stop reading their downloads. The proxy reads answers in large buffers, and a buffer whose bytes
 * wait on a caller stays held. 160 callers each ask for 6 MiB (the kernel takes about 3 MiB of a stalled
 * download into the proxy's socket buffer, so the rest waits in the proxy) and read nothing until the upstream has
 * begun every answer.
 *
 * <p>The proxy runs with a heap, and so a direct memory limit, of 16 MiB, which 160 held reads of 128 KiB (20 MiB)
 * would pass: what a task could do to the default 32 MiB with answers from two hosts (256 connections each). Within
 * the proxy's budget for large reads, every download arrives whole and the proxy serves the next request.
 */
class StalledDownloadsIT {
    private static final int CALLERS = 160;
    private static final int SIZE = 6 << 20;

    @Test
    void downloadsWhoseCallersStallAllArriveWholeWithinTheDirectMemoryLimit() throws Exception {
        byte[] body = Pattern.stream(SIZE).readAllBytes();
        CountDownLatch begun = new CountDownLatch(CALLERS);
        Handler answers = new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.getHeaders().put("Content-Length", SIZE);
                response.write(true, ByteBuffer.wrap(body), callback);
                begun.countDown();
                return true;
            }
        };
        try (JettyUpstream upstream = JettyUpstream.start(answers);
                ProxyProcess proxy = new ProxyProcess.Options().rootUrl(upstream.rootUrl())
                        .credentials("test/stalled", "stalled-downloads-token-not-secret", null)
                        .javaOptions("-Xmx16m").start()) {
            int port = proxy.port();
            List<Socket> callers = new ArrayList<>();
            try {
                for (int i = 0; i < CALLERS; i++) {
                    Socket caller = new Socket();
                    caller.setReceiveBufferSize(4096); // before connecting: the window it offers stays small
                    caller.connect(new InetSocketAddress("127.0.0.1", port));
                    caller.getOutputStream().write(("GET /api/queue/v1/stalled/" + i + " HTTP/1.1\r\nHost: taskcluster\r\n"
                            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    callers.add(caller);
                }
                assertTrue(begun.await(60, TimeUnit.SECONDS), "the upstream began every answer");
                int whole = 0;
                List<String> wrong = new ArrayList<>();
                for (Socket caller : callers) {
                    caller.setSoTimeout(60_000);
                    String outcome = download(caller.getInputStream());
                    if (outcome == null) {
                        whole++;
                    } else if (wrong.size() < 3) {
                        wrong.add(outcome);
                    }
                }
                assertEquals(CALLERS, whole, "downloads that arrived whole; the others began " + wrong);
            } finally {
                for (Socket caller : callers) {
                    caller.close();
                }
            }
            RawResponse next = RawResponse.request(port, "GET", "/api/queue/v1/next");
            assertEquals(200, next.status(), "the proxy serves the next request");
            assertTrue(proxy.stderr().stream().noneMatch(line -> line.contains("OutOfMemoryError")),
                    String.join("\n", proxy.stderr()));
        }
    }

    /** Null when the answer is a 200 with the whole body; else what went wrong. */
    private static String download(InputStream in) {
        try {
            String head = RawResponse.readHead(in);
            if (head == null) {
                return "(no answer)";
            }
            if (!head.startsWith("HTTP/1.1 200 ")) {
                return head.lines().findFirst().orElse(head);
            }
            return Pattern.isPattern(in, SIZE) ? null : "200, but not the whole body";
        } catch (IOException e) {
            return e.toString();
        }
    }
}
