package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.taskcluster.proxy.testing.JettyUpstream;
import net.taskcluster.proxy.testing.Pattern;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.TestCa;
import net.taskcluster.proxy.testing.TlsUpstream;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        Answers answers = new Answers(CALLERS);
        try (JettyUpstream upstream = JettyUpstream.start(answers)) {
            assertAllArriveWhole(answers, CALLERS, new ProxyProcess.Options().rootUrl(upstream.rootUrl()), "");
        }
    }

    /**
     * The same over HTTP/2, where an answer's bytes wait in the proxy up to its flow-control window. Requests that
     * arrive while the client is still connecting open connections of their own (2 to 160 here, each with a window
     * of 8 MiB), so windows of 1 MiB per answer would let far more than the 16 MiB heap wait: with them, 32 of the
     * 160 downloads arrived whole and the proxy ran out of direct memory. With UpstreamFlowControl's small windows
     * and budget, all arrive.
     */
    @Test
    void overHttp2TooTheyAllArriveWholeWithinTheHeap(@TempDir Path directory) throws Exception {
        Answers answers = new Answers(CALLERS);
        TestCa ca = TestCa.create(directory);
        String host = "stalled.tc-h2.example";
        Path hosts = Files.writeString(directory.resolve("hosts"), "127.0.0.1 " + host + "\n");
        try (JettyUpstream upstream = JettyUpstream.startHttp2("127.0.0.1", 0, ca.serverKeystore("stalled", "dns:" + host),
                TlsUpstream.PASSWORD, answers)) {
            assertAllArriveWhole(answers, CALLERS, new ProxyProcess.Options().rootUrl("https://" + host + ":" + upstream.port())
                    .env("SSL_CERT_FILE", ca.pem().toString()), "-Djdk.net.hosts.file=" + hosts);
        }
    }

    /** Every request gets the same 6 MiB; {@link #begun} counts the answers begun. */
    private static final class Answers extends Handler.Abstract.NonBlocking {
        private final byte[] body;
        final CountDownLatch begun;

        Answers(int callers) throws IOException {
            body = Pattern.stream(SIZE).readAllBytes();
            begun = new CountDownLatch(callers);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            response.getHeaders().put("Content-Length", SIZE);
            response.write(true, ByteBuffer.wrap(body), callback);
            begun.countDown();
            return true;
        }
    }

    private static void assertAllArriveWhole(Answers answers, int count, ProxyProcess.Options options, String javaOptions)
            throws Exception {
        try (ProxyProcess proxy = options.credentials("test/stalled", "stalled-downloads-token-not-secret", null)
                .javaOptions("-Xmx16m " + javaOptions).start()) {
            int port = proxy.port();
            List<Socket> callers = new ArrayList<>();
            try {
                for (int i = 0; i < count; i++) {
                    Socket caller = new Socket();
                    caller.setReceiveBufferSize(4096); // before connecting: the window it offers stays small
                    caller.connect(new InetSocketAddress("127.0.0.1", port));
                    caller.getOutputStream().write(("GET /api/queue/v1/stalled/" + i + " HTTP/1.1\r\nHost: taskcluster\r\n"
                            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    callers.add(caller);
                }
                assertTrue(answers.begun.await(60, TimeUnit.SECONDS), "the upstream began every answer");
                // Then all read at once, as when the callers come back: over HTTP/2 most answers have the small window
                // (UpstreamFlowControl), and one after another they would take minutes.
                List<Future<String>> outcomes = new ArrayList<>();
                try (ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (Socket caller : callers) {
                        caller.setSoTimeout(60_000);
                        outcomes.add(readers.submit(() -> download(caller.getInputStream())));
                    }
                }
                int whole = 0;
                List<String> wrong = new ArrayList<>();
                for (Future<String> download : outcomes) {
                    String outcome = download.get();
                    if (outcome == null) {
                        whole++;
                    } else if (wrong.size() < 3) {
                        wrong.add(outcome);
                    }
                }
                assertEquals(count, whole, "downloads that arrived whole; the others began " + wrong);
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
