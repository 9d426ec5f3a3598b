package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import net.taskcluster.proxy.peer.SystemUsers;
import net.taskcluster.proxy.testing.BadUpstream;
import net.taskcluster.proxy.testing.Http;
import net.taskcluster.proxy.testing.Privileged;
import net.taskcluster.proxy.testing.ClassProxies;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.TestClients;
import net.taskcluster.proxy.testing.TlsUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A misbehaving upstream: every failure gets a clear 502 or 504 naming its cause (or, once the answer has begun,
 * a cut stream), the next request is served normally, and ten thousand failures leak no file descriptor and no
 * thread.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamFailuresIT {
    private final TestClients clients = new TestClients();
    @RegisterExtension
    final ClassProxies proxies = new ClassProxies();
    private BadUpstream upstream;
    private ProxyProcess proxy;
    private int port;

    @BeforeAll
    void start() throws Exception {
        upstream = new BadUpstream();
        proxy = proxies.start(proxy("--retry-budget", "2s", "--idle-timeout", "1s"));
        port = proxy.port();
    }

    @AfterAll
    void stop() throws Exception {
        proxies.closeAll();
        upstream.close();
    }

    private ProxyProcess.Options proxy(String... args) {
        return new ProxyProcess.Options().rootUrl(upstream.rootUrl())
                .credentials(clients.issuer.clientId(), clients.issuer.accessToken(), null).args(args);
    }

    private void assertServedNormallyAfterwards() {
        RawResponse ok = RawResponse.request(port, "GET", "/api/bad/v1/ok");
        assertEquals(200, ok.status(), ok.body());
        assertEquals("{\"ok\":true}", ok.body());
    }

    private void assertClearFailure(String behaviour, int status, String... causeWords) {
        RawResponse response = RawResponse.request(port, "GET", "/api/bad/v1/" + behaviour);
        assertEquals(status, response.status(), behaviour + ": " + response.body());
        assertEquals("text/plain; charset=utf-8", response.header("Content-Type"));
        assertTrue(response.body().contains(upstream.rootUrl() + "/api/bad/v1/" + behaviour), response.body());
        for (String word : causeWords) {
            assertTrue(response.body().contains(word), behaviour + ": " + response.body());
        }
        assertFalse(response.body().contains("\tat ") || response.body().contains("Exception\n"), "no stack trace: " + response.body());
        assertServedNormallyAfterwards();
    }

    @Test
    void aResetBeforeTheStatusLine() {
        assertClearFailure("reset-before-status", 502, "failed after");
    }

    @Test
    void garbageInsteadOfHttp() {
        assertClearFailure("garbage", 502, "failed after");
    }

    @Test
    void aStallPastTheIdleTimeout() {
        assertClearFailure("silent", 504, "timed out");
    }

    @Test
    void aStormOf503sWithRetryAfterEndsWithTheLast503() {
        int before = upstream.requests();
        RawResponse response = RawResponse.request(port, "GET", "/api/bad/v1/unavailable");
        assertEquals(503, response.status());
        assertEquals("{\"code\":\"Unavailable\"}", response.body());
        int attempts = upstream.requests() - before;
        assertTrue(attempts >= 2 && attempts <= 3, "Retry-After: 1 within a 2 s budget: " + attempts + " attempts");
        assertServedNormallyAfterwards();
    }

    @Test
    void aResetMidBodyCutsTheCallersStream() throws Exception {
        Http.assertBodyCutShort("http://127.0.0.1:" + port + "/api/bad/v1/reset-mid-body", "100000");
        String line = proxy.awaitLine(l -> l.contains("/api/bad/v1/reset-mid-body") && l.contains("aborted"), Duration.ofSeconds(10));
        // A short phrase with the bytes passed on, never a dump of Jetty's connection objects.
        assertTrue(line.matches(".* aborted: connection (reset|closed) by the upstream after \\d+ bytes of the answer in .*"), line);
        assertFalse(line.contains("@") || line.contains("Exception"), line);
        assertServedNormallyAfterwards();
    }

    @Test
    void refusedConnectionsAndNamesThatDoNotResolve() throws Exception {
        try (ProxyProcess nowhere = new ProxyProcess.Options().rootUrl("http://127.0.0.1:" + Http.freePort())
                .credentials(clients.issuer.clientId(), clients.issuer.accessToken(), null).args("--retry-budget", "1s").start()) {
            int nowherePort = nowhere.port();
            RawResponse.request(nowherePort, "GET", "/api/queue/v1/task/x").assertAnswers(502, "cannot connect");
            RawResponse.request(nowherePort, "GET", "/no-such-host.invalid/x").assertAnswers(502, "does not resolve");
        }
        assertServedNormallyAfterwards();
    }

    @Test
    void tlsUpstreamsAreVerified(@TempDir Path directory) throws Exception {
        Privileged.skipUnless(SystemUsers.currentUid() == 0, "the hostname form reaches port 443, which only root may listen on");
        Path good = TlsUpstream.keystore(directory, "good", "127.0.0.3");
        Path otherName = TlsUpstream.keystore(directory, "othername", "127.0.0.9");
        Path untrusted = TlsUpstream.keystore(directory, "untrusted", "127.0.0.2");
        Path trustStore = TlsUpstream.trustStore(directory, List.of(good, otherName));
        try (TlsUpstream a = TlsUpstream.start("127.0.0.3", good);
                TlsUpstream b = TlsUpstream.start("127.0.0.4", otherName);
                TlsUpstream c = TlsUpstream.start("127.0.0.2", untrusted);
                ProxyProcess tls = new ProxyProcess.Options().rootUrl(upstream.rootUrl())
                        .credentials(clients.issuer.clientId(), clients.issuer.accessToken(), null)
                        .args("--retry-budget", "1s")
                        .javaOptions("-Djavax.net.ssl.trustStore=" + trustStore + " -Djavax.net.ssl.trustStorePassword=" + TlsUpstream.PASSWORD)
                        .start()) {
            int tlsPort = tls.port();
            RawResponse trusted = RawResponse.request(tlsPort, "GET", "/127.0.0.3/api/queue/v1/ping");
            assertEquals(200, trusted.status(), trusted.body());
            assertEquals("{\"tls\":true}", trusted.body());
            assertEquals("https://127.0.0.3/api/queue/v1/ping", trusted.header("X-Taskcluster-Endpoint"));

            RawResponse wrongName = RawResponse.request(tlsPort, "GET", "/127.0.0.4/api/queue/v1/ping");
            wrongName.assertAnswers(502, "TLS failed", "after 1 attempt");

            RawResponse notTrusted = RawResponse.request(tlsPort, "GET", "/127.0.0.2/api/queue/v1/ping");
            notTrusted.assertAnswers(502, "TLS failed", "after 1 attempt");

            assertEquals(200, RawResponse.request(tlsPort, "GET", "/127.0.0.3/api/queue/v1/ping").status());
        }
    }

    @Test
    void tenThousandFailuresLeakNoDescriptorAndNoThread() throws Exception {
        try (ProxyProcess lean = proxy("--retry-budget", "0s", "--idle-timeout", "2s").start()) {
            int leanPort = lean.port();
            List<String> behaviours = List.of("reset-before-status", "garbage", "unavailable", "reset-mid-body", "ok");
            hammer(leanPort, behaviours, 500); // warm up: pools and threads reach their working size
            long fds = count("fd", lean.pid());
            long threads = count("task", lean.pid());
            AtomicInteger failures = hammer(leanPort, List.of("reset-before-status", "garbage", "unavailable", "reset-mid-body"), 10_000);
            AtomicInteger timeouts = hammer(leanPort, List.of("silent"), 50);
            assertEquals(10_000, failures.get());
            assertEquals(50, timeouts.get());
            assertEquals(200, RawResponse.request(leanPort, "GET", "/api/bad/v1/ok").status());
            // Idle connections close on their own schedule: wait (polling) for the counts to come back.
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while ((count("fd", lean.pid()) > fds || count("task", lean.pid()) > threads) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            System.out.printf("after 10,050 failing requests: file descriptors %d (before %d), threads %d (before %d)%n",
                    count("fd", lean.pid()), fds, count("task", lean.pid()), threads);
            assertTrue(count("fd", lean.pid()) <= fds, "file descriptors back to " + fds);
            assertTrue(count("task", lean.pid()) <= threads, "threads back to " + threads);
        }
    }

    /** Sends n requests (32 at a time, a new connection each) cycling through the behaviours; counts the failures seen. */
    private static AtomicInteger hammer(int port, List<String> behaviours, int n) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        ConcurrentLinkedQueue<String> surprises = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(32);
        for (int t = 0; t < 32; t++) {
            Thread.ofVirtual().start(() -> {
                try {
                    for (int i; (i = next.getAndIncrement()) < n; ) {
                        String behaviour = behaviours.get(i % behaviours.size());
                        String raw = Http.raw(port, "GET /api/bad/v1/" + behaviour + " HTTP/1.1\r\nHost: taskcluster\r\nConnection: close\r\n\r\n");
                        boolean failed = !raw.startsWith("HTTP/1.1 200") || behaviour.equals("reset-mid-body");
                        boolean expected = switch (behaviour) {
                            case "reset-before-status", "garbage" -> raw.startsWith("HTTP/1.1 502");
                            case "silent" -> raw.startsWith("HTTP/1.1 504");
                            case "unavailable" -> raw.startsWith("HTTP/1.1 503");
                            // cut once it has begun to flow back, or a 502 when the reset came before any of it
                            case "reset-mid-body" -> raw.startsWith("HTTP/1.1 200") && raw.length() < 100_000
                                    || raw.startsWith("HTTP/1.1 502");
                            default -> raw.startsWith("HTTP/1.1 200");
                        };
                        if (!expected) {
                            surprises.add(behaviour + ": " + raw.substring(0, Math.min(200, raw.length())) + " ... " + raw.substring(Math.max(0, raw.length() - 300)));
                        }
                        if (failed) {
                            failures.incrementAndGet();
                        }
                    }
                } catch (RuntimeException e) {
                    surprises.add(e.toString());
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        assertTrue(surprises.isEmpty(), surprises.size() + " surprises, first: " + surprises.peek());
        return failures;
    }

    private static long count(String what, long pid) {
        try (Stream<Path> entries = Files.list(Path.of("/proc", String.valueOf(pid), what))) {
            return entries.count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
