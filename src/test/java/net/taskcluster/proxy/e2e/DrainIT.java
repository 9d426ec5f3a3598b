package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.ScriptedUpstream;
import net.taskcluster.proxy.testing.TestClients;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * SIGTERM lets transfers that are still moving, however slowly, finish within --shutdown-timeout, and only then
 * cuts what is left, naming each request it cut. (Jetty's connectors once dropped every connection's idle timeout
 * to one second as the drain began, which cut a download whose caller paused for a second, and the log still said
 * the stop was clean.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DrainIT {
    /** 14 pieces of 3 bytes, one every 300 ms: about 4 s. */
    private static final int TRICKLE_PIECES = 14;
    private static final int LARGE = 32 << 20;
    private final TestClients clients = new TestClients();
    private ScriptedUpstream upstream;

    @BeforeAll
    void startUpstream() throws Exception {
        upstream = new ScriptedUpstream((request, out) -> {
            if (request.target().contains("/trickle")) {
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + 3 * TRICKLE_PIECES + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                for (int i = 0; i < TRICKLE_PIECES; i++) {
                    out.write("abc".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    Thread.sleep(300); // the pace of the transfer under test
                }
            } else {
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + LARGE + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] block = new byte[64 * 1024];
                for (int sent = 0; sent < LARGE; sent += block.length) {
                    out.write(block);
                }
            }
        });
    }

    @AfterAll
    void stopUpstream() throws Exception {
        upstream.close();
    }

    private ProxyProcess proxy(String shutdownTimeout) throws InterruptedException {
        ProxyProcess proxy = new ProxyProcess.Options().rootUrl(upstream.rootUrl())
                .credentials(clients.issuer.clientId(), clients.issuer.accessToken(), null)
                .args("--shutdown-timeout", shutdownTimeout).start();
        proxy.awaitListening();
        return proxy;
    }

    @Test
    void aTricklingDownloadFinishesAfterSigterm() throws Exception {
        try (ProxyProcess proxy = proxy("10s"); Socket caller = download(proxy, "/queue/v1/trickle")) {
            InputStream in = caller.getInputStream();
            String head = readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200 "), head);
            sigterm(proxy);
            assertEquals(3 * TRICKLE_PIECES, in.readAllBytes().length, "the whole body arrived");
            assertStoppedWithNothingCut(proxy);
        }
    }

    @Test
    void aDownloadWhoseCallerPausesFinishesAfterSigterm() throws Exception {
        try (ProxyProcess proxy = proxy("10s"); Socket caller = download(proxy, "/queue/v1/large")) {
            InputStream in = caller.getInputStream();
            readHead(in);
            in.readNBytes(64 * 1024);
            sigterm(proxy);
            // The caller takes a break: the proxy's writes wait on it for longer than a second.
            Thread.sleep(2_000); // the pace of the transfer under test
            assertEquals(LARGE - 64 * 1024, in.readAllBytes().length, "the whole body arrived");
            assertStoppedWithNothingCut(proxy);
        }
    }

    @Test
    void aTransferStillGoingAtTheShutdownTimeoutIsCutAndNamed() throws Exception {
        try (ProxyProcess proxy = proxy("2s"); Socket caller = download(proxy, "/queue/v1/trickle?bewit=c2VjcmV0")) {
            InputStream in = caller.getInputStream();
            readHead(in);
            sigterm(proxy);
            int received = in.readAllBytes().length;
            assertTrue(received < 3 * TRICKLE_PIECES, "the body was cut: " + received + " bytes");
            assertEquals(0, proxy.awaitExit(Duration.ofSeconds(30)));
            String log = String.join("\n", proxy.stderr());
            // One line names the request, with its number: the exchange's own, which says it was cut, not left.
            assertEquals(1, proxy.stderr().stream().filter(l -> l.contains("/queue/v1/trickle")).count(), log);
            assertTrue(log.contains("#1 GET /queue/v1/trickle?bewit=REDACTED -> http://127.0.0.1:"), log);
            assertTrue(log.contains(" cut at the shutdown timeout after "), log);
            assertTrue(log.contains("stopped: 1 request(s) still in flight at the shutdown timeout were cut"), log);
        }
    }

    private static void assertStoppedWithNothingCut(ProxyProcess proxy) throws InterruptedException {
        assertEquals(0, proxy.awaitExit(Duration.ofSeconds(30)));
        assertTrue(proxy.stderr().stream().anyMatch(l -> l.contains("stopped: every request in flight finished")),
                String.join("\n", proxy.stderr()));
    }

    private static void sigterm(ProxyProcess proxy) throws InterruptedException {
        proxy.terminate();
        proxy.awaitLine(line -> line.contains("SIGTERM received"), Duration.ofSeconds(10));
    }

    /** A caller with a small receive buffer, so that the proxy's writes wait whenever it stops reading. */
    private static Socket download(ProxyProcess proxy, String target) throws IOException, InterruptedException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(16 * 1024);
        socket.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 10_000);
        socket.setSoTimeout(60_000);
        socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: taskcluster\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        return socket;
    }

    /** The answer's head; the connection must not close before it (mid-head: RawResponse's EOFException). */
    private static String readHead(InputStream in) throws IOException {
        String head = RawResponse.readHead(in);
        if (head == null) {
            throw new AssertionError("the connection closed before the head");
        }
        return head;
    }
}
