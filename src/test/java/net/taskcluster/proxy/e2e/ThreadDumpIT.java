package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawConnection;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.ScriptedUpstream;
import net.taskcluster.proxy.testing.TestClients;
import org.junit.jupiter.api.Test;

/**
 * SIGQUIT asks for a thread dump, on either build, and does nothing else: the proxy goes on serving, and a transfer
 * in flight arrives whole. (The native executable was once built without the builder's thread-dump feature; SIGQUIT
 * then took its default action, a core dump, and every caller's connection was cut.)
 */
class ThreadDumpIT {
    private static final int PIECES = 10;
    private final TestClients clients = new TestClients();

    @Test
    void aSigquitDumpsTheThreadsAndTheProxyGoesOnServing() throws Exception {
        // The answer takes about a second, so that it is normally still in flight when the signal comes.
        try (ScriptedUpstream upstream = new ScriptedUpstream((request, out) -> {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + 3 * PIECES + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    for (int i = 0; i < PIECES; i++) {
                        out.write("abc".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        Thread.sleep(100); // the pace of the transfer under test
                    }
                });
                ProxyProcess proxy = new ProxyProcess.Options().rootUrl(upstream.rootUrl())
                        .credentials(clients.issuer.clientId(), clients.issuer.accessToken(), null).start()) {
            int port = proxy.port();
            try (RawConnection caller = RawConnection.open(port)) {
                caller.write("GET /queue/v1/ping HTTP/1.1\r\nHost: taskcluster\r\nConnection: close\r\n\r\n");
                String head = caller.readHead();
                assertTrue(head.startsWith("HTTP/1.1 200 "), head);
                Process kill = new ProcessBuilder("kill", "-QUIT", Long.toString(proxy.pid())).inheritIO().start();
                assertEquals(0, kill.waitFor());
                awaitDump(proxy);
                assertEquals(3 * PIECES, caller.readToEnd().length, "the whole body arrived");
            }
            assertTrue(proxy.isAlive(), "the proxy is still running");
            RawResponse.request(port, "GET", "/queue/v1/ping").assertAnswers(200);
        }
    }

    /**
     * The dump names the proxy's scheduler thread. The JVM prints it on stdout; the native executable on stderr,
     * with the log.
     */
    private static void awaitDump(ProxyProcess proxy) throws InterruptedException {
        if (ProxyProcess.isNative()) {
            proxy.awaitLine(line -> line.contains("proxy-scheduler"), Duration.ofSeconds(20));
        } else {
            proxy.awaitStdout("\"proxy-scheduler", Duration.ofSeconds(20));
        }
    }
}
