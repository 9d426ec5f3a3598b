package net.taskcluster.proxy.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import net.taskcluster.proxy.auth.AuthorizedScopes;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.identity.Identity;
import net.taskcluster.proxy.testing.FakeDeployment;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.TestClients;

/**
 * The soak run (bench/soak.sh; not a test): the built proxy against the fake deployment, which checks every
 * signature. First the maximum throughput of that pair is measured (closed loop, 64 callers), then requests are
 * sent at a share of it (SOAK_SHARE, default 0.5), at a fixed rate, for SOAK_MINUTES (default 30), while the
 * credentials are rotated every second, alternating between permanent and temporary ones. In the same minutes a {@link Probe} asks the deployment
 * directly, at SOAK_PROBE_RATE (default 50 req/s). The first minute at the fixed rate lets the switch from flat
 * out settle (the proxy's upstream pool shrinks, its JIT adapts); it counts for errors but not for the comparison.
 *
 * <p>Pass: no error (proxy or probe), no failed rotation, and between the first SOAK_WINDOW minutes (default 5)
 * after settling and the last ones, the proxy's p99 as a ratio to the probe's p99 changes by less than 15 %, and the
 * proxy's RSS by at most 10 %. The absolute p99 is shown but not judged: on a shared VM it follows the host.
 */
public final class Soak {
    private static final int CALLERS = 64;
    private static final int PROBE_CALLERS = 4;
    private static final int SETTLE_MINUTES = 1;
    private static final List<String> SCOPES = List.of("auth:current-scopes", "test:*");
    private static final double RATIO_LIMIT = 0.15;
    private static final double RSS_LIMIT = 0.10;
    private static final long MINUTE = 60_000_000_000L;

    private final ScopesCall proxied;
    private final ScopesCall probe;
    private final Rotation rotation;

    private Soak(ScopesCall proxied, ScopesCall probe, Rotation rotation) {
        this.proxied = proxied;
        this.probe = probe;
        this.rotation = rotation;
    }

    public static void main(String[] args) throws Exception {
        int minutes = Integer.parseInt(System.getenv().getOrDefault("SOAK_MINUTES", "30"));
        int window = Integer.parseInt(System.getenv().getOrDefault("SOAK_WINDOW", "5"));
        double probeRate = Double.parseDouble(System.getenv().getOrDefault("SOAK_PROBE_RATE", "50"));
        if (minutes < 2 * window) {
            throw new IllegalArgumentException("SOAK_MINUTES must be at least twice SOAK_WINDOW");
        }
        boolean passed = false;
        TestClients clients = new TestClients();
        AuthorizedScopes scopes = AuthorizedScopes.restrictedTo(SCOPES);
        List<Identity> identities = List.of(Identity.of(clients.issuer, scopes),
                Identity.of(clients.temporary(null, List.of("*")), scopes));
        try (FakeDeployment upstream = FakeDeployment.start(clients.table(), Map.of(), false)) {
            Process proxy = startProxy(upstream, clients.issuer);
            // A soak stopped by a signal must not leave its proxy and deployment running (and using CPU) behind it.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                proxy.destroy();
                upstream.close();
            }));
            try {
                ProxyLog log = new ProxyLog(proxy);
                String base = "http://127.0.0.1:" + log.awaitPort();
                Rotation rotation = new Rotation(base, identities);
                Soak soak = new Soak(new ScopesCall(base, null, new Errors("proxy")),
                        Probe.call(upstream.rootUrl(), rotation), rotation);
                passed = soak.run(proxy.pid(), minutes, window, probeRate, log);
            } finally {
                proxy.destroy();
                proxy.waitFor();
            }
        }
        System.exit(passed ? 0 : 1);
    }

    private static Process startProxy(FakeDeployment upstream, Credentials credentials) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProxyProcess.LAUNCHER.toString(), "--port", "0",
                "--ip-address", "127.0.0.1", "--root-url", upstream.rootUrl()));
        command.addAll(SCOPES);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("TASKCLUSTER_"));
        builder.environment().put("TASKCLUSTER_CLIENT_ID", credentials.clientId());
        builder.environment().put("TASKCLUSTER_ACCESS_TOKEN", credentials.accessToken());
        builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        return builder.start();
    }

    private boolean run(long pid, int minutes, int window, double probeRate, ProxyLog log) throws Exception {
        System.out.println("warming up (10 s each: the probe, then the proxy), then measuring the maximum throughput (20 s, "
                + CALLERS + " callers)");
        // The probe too: its signing runs in this JVM, and at its low rate it would be compiled only minutes into the
        // soak, making the yardstick itself faster between the first window and the last (seen: its p99 -45 %).
        closedLoop(probe, Duration.ofSeconds(10));
        closedLoop(proxied, Duration.ofSeconds(10));
        double max = closedLoop(proxied, Duration.ofSeconds(20));
        double share = Double.parseDouble(System.getenv().getOrDefault("SOAK_SHARE", "0.5"));
        double rate = max * share;
        long errorsBefore = proxied.errors().count();
        System.out.printf(Locale.ROOT, "maximum %.0f req/s (%d errors); soaking at %.0f req/s for %d minutes (after %d to settle),"
                + " probing the deployment directly at %.0f req/s%n", max, errorsBefore, rate, minutes, SETTLE_MINUTES, probeRate);

        int total = SETTLE_MINUTES + minutes;
        SoakMinute[] perMinute = new SoakMinute[total];
        Arrays.setAll(perMinute, i -> new SoakMinute());
        Thread rotator = Thread.ofPlatform().daemon().name("rotator").start(rotation);
        Thread sampler = Thread.ofPlatform().daemon().name("host").start(new HostSampler(pid, perMinute));

        long start = System.nanoTime();
        long end = start + total * MINUTE;
        CountDownLatch load = FixedRate.start(rate, CALLERS, start, end, proxied::call,
                (due, latency, ok) -> perMinute[(int) (due / MINUTE)].proxy.record(latency, ok));
        CountDownLatch probing = FixedRate.start(probeRate, PROBE_CALLERS, start, end, probe::call,
                (due, latency, ok) -> perMinute[(int) (due / MINUTE)].probe.record(latency, ok));
        for (int m = 0; m < total; m++) {
            LockSupport.parkNanos(start + (m + 1) * MINUTE - System.nanoTime());
            System.out.println(perMinute[m].describe(m + 1 - SETTLE_MINUTES));
        }
        load.await();
        probing.await();
        rotation.stop();
        rotator.join();
        sampler.interrupt();

        SoakWindow first = SoakWindow.of(Arrays.copyOfRange(perMinute, SETTLE_MINUTES, SETTLE_MINUTES + window));
        SoakWindow last = SoakWindow.of(Arrays.copyOfRange(perMinute, total - window, total));
        long proxyErrors = proxied.errors().count() - errorsBefore;
        double ratioChange = last.ratio() / first.ratio() - 1;
        double rssChange = last.rssMiB() / first.rssMiB() - 1;
        double p99Change = last.proxyP99Ms() / first.proxyP99Ms() - 1;
        boolean pass = proxyErrors == 0 && probe.errors().count() == 0 && rotation.failures() == 0
                && Math.abs(ratioChange) < RATIO_LIMIT && Math.abs(rssChange) <= RSS_LIMIT;
        String report = String.format(Locale.ROOT, """
                soak: %d minutes (+%d settling) at %.0f req/s (a share of the measured maximum, %.0f req/s)
                proxy: %d requests, %d errors; probe (the deployment directly): %d requests at %.0f req/s, %d errors
                rotations: %d (every second), %d failed
                first %d minutes after settling: %s
                last %d minutes:                 %s
                change: ratio %+.1f %% (limit ±%.0f %%), RSS %+.1f %% (limit ±%.0f %%); proxy p99 %+.1f %% (not judged: follows the host)
                proxy log: %d lines, %d warnings or errors
                %s""", minutes, SETTLE_MINUTES, rate, max, count(perMinute, m -> m.proxy), proxyErrors,
                count(perMinute, m -> m.probe), probeRate, probe.errors().count(), rotation.count(), rotation.failures(),
                window, first.describe(), window, last.describe(), 100 * ratioChange, 100 * RATIO_LIMIT,
                100 * rssChange, 100 * RSS_LIMIT, 100 * p99Change, log.lines(), log.warnings(), pass ? "PASS" : "FAIL");
        System.out.println(report);
        proxied.errors().print();
        probe.errors().print();
        rotation.errors().print();
        log.printProblems();
        writeResult(report, perMinute);
        return pass;
    }

    private static long count(SoakMinute[] perMinute, Function<SoakMinute, Latencies> which) {
        return Arrays.stream(perMinute).mapToLong(m -> which.apply(m).count()).sum();
    }

    /** Every caller sends its next request as soon as the last is answered; returns requests per second. */
    /** As many calls as {@code CALLERS} callers make in {@code duration}, one after another each; returns calls per second. */
    private static double closedLoop(ScopesCall call, Duration duration) throws InterruptedException {
        long end = System.nanoTime() + duration.toNanos();
        AtomicLong count = new AtomicLong();
        CountDownLatch done = new CountDownLatch(CALLERS);
        long start = System.nanoTime();
        for (int c = 0; c < CALLERS; c++) {
            Thread.ofVirtual().start(() -> {
                try {
                    while (System.nanoTime() < end) {
                        call.call();
                        count.incrementAndGet();
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        return count.get() / ((System.nanoTime() - start) / 1e9);
    }

    private static void writeResult(String report, SoakMinute[] perMinute) throws IOException {
        StringBuilder rows = new StringBuilder();
        for (int m = 0; m < perMinute.length; m++) {
            rows.append(perMinute[m].describe(m + 1 - SETTLE_MINUTES)).append('\n');
        }
        Path results = Path.of("bench", "results");
        Files.createDirectories(results);
        Path file = results.resolve("soak-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".txt");
        Files.writeString(file, rows + report + "\n");
        System.out.println("per-minute results: " + file);
    }
}
