package net.taskcluster.proxy.bench;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.testing.FakeDeployment;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.TestClients;

/**
 * The soak run (bench/soak.sh; not a test): the built proxy against the fake deployment, which checks every
 * signature. First the maximum throughput of that pair is measured (closed loop, 64 callers), then requests are
 * sent at half of it, at a fixed rate, for SOAK_MINUTES (default 30), while the credentials are rotated every
 * second, alternating between permanent and temporary ones. Latency is measured from the moment a request was due,
 * so that a stalled proxy cannot hide behind callers that wait for it. The first minute at that rate lets the
 * switch from flat out to the fixed rate settle (the proxy's upstream pool shrinks, its JIT adapts); it counts for
 * errors but not for the comparison. Pass: no error and no failed rotation, and the p99 latency and the RSS of
 * the last SOAK_WINDOW minutes (default 5) within 10 % of the first SOAK_WINDOW minutes after that.
 */
public final class Soak {
    private static final int CALLERS = 64;
    private static final int SETTLE_MINUTES = 1;
    private static final String PATH = "/api/auth/v1/scopes/current";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    private final ConcurrentLinkedQueue<String> errorSamples = new ConcurrentLinkedQueue<>();
    private final AtomicLong errors = new AtomicLong();
    private final String base;

    private Soak(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    public static void main(String[] args) throws Exception {
        int minutes = Integer.parseInt(System.getenv().getOrDefault("SOAK_MINUTES", "30"));
        int window = Integer.parseInt(System.getenv().getOrDefault("SOAK_WINDOW", "5"));
        if (minutes < 2 * window) {
            throw new IllegalArgumentException("SOAK_MINUTES must be at least twice SOAK_WINDOW");
        }
        boolean passed = false;
        TestClients clients = new TestClients();
        List<Credentials> identities = List.of(clients.issuer, clients.temporary(null, List.of("*")));
        try (FakeDeployment upstream = FakeDeployment.start(clients.table(), Map.of(), false)) {
            Process proxy = startProxy(upstream, clients.issuer);
            try {
                ProxyLog log = new ProxyLog(proxy);
                Soak soak = new Soak(log.awaitPort());
                passed = soak.run(proxy.pid(), identities, minutes, window, log);
            } finally {
                proxy.destroy();
                proxy.waitFor();
            }
        }
        System.exit(passed ? 0 : 1);
    }

    private static Process startProxy(FakeDeployment upstream, Credentials credentials) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(ProxyProcess.LAUNCHER.toString(), "--port", "0", "--ip-address",
                "127.0.0.1", "--root-url", upstream.rootUrl(), "auth:current-scopes", "test:*");
        builder.environment().keySet().removeIf(k -> k.startsWith("TASKCLUSTER_"));
        builder.environment().put("TASKCLUSTER_CLIENT_ID", credentials.clientId());
        builder.environment().put("TASKCLUSTER_ACCESS_TOKEN", credentials.accessToken());
        builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        return builder.start();
    }

    private boolean run(long pid, List<Credentials> identities, int minutes, int window, ProxyLog log) throws Exception {
        System.out.println("warming up (10 s), then measuring the maximum throughput (20 s, " + CALLERS + " callers)");
        closedLoop(Duration.ofSeconds(10));
        double max = closedLoop(Duration.ofSeconds(20));
        double rate = max / 2;
        long errorsBefore = errors.get();
        System.out.printf(Locale.ROOT, "maximum %.0f req/s (%d errors); soaking at %.0f req/s for %d minutes (after %d to settle)%n",
                max, errorsBefore, rate, minutes, SETTLE_MINUTES);

        int total = SETTLE_MINUTES + minutes;
        Minute[] perMinute = new Minute[total];
        for (int i = 0; i < total; i++) {
            perMinute[i] = new Minute();
        }
        Rotation rotation = new Rotation(identities);
        Thread rotator = Thread.ofPlatform().daemon().name("rotator").start(rotation);
        Thread sampler = Thread.ofPlatform().daemon().name("rss").start(() -> sampleRss(pid, perMinute));

        long period = (long) (1e9 / rate);
        long start = System.nanoTime();
        long end = start + Duration.ofMinutes(total).toNanos();
        AtomicLong tickets = new AtomicLong();
        CountDownLatch done = new CountDownLatch(CALLERS);
        for (int c = 0; c < CALLERS; c++) {
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        long due = start + tickets.getAndIncrement() * period;
                        if (due >= end) {
                            return;
                        }
                        LockSupport.parkNanos(due - System.nanoTime());
                        boolean ok = call();
                        long now = System.nanoTime();
                        perMinute[(int) ((due - start) / 60_000_000_000L)].record(now - due, ok);
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        for (int m = 0; m < total; m++) {
            LockSupport.parkNanos(start + (m + 1) * 60_000_000_000L - System.nanoTime());
            System.out.println(perMinute[m].describe(m + 1 - SETTLE_MINUTES));
        }
        done.await();
        rotation.stop();
        rotator.join();
        sampler.interrupt();

        Summary first = Summary.of(Arrays.copyOfRange(perMinute, SETTLE_MINUTES, SETTLE_MINUTES + window));
        Summary last = Summary.of(Arrays.copyOfRange(perMinute, total - window, total));
        long soakErrors = errors.get() - errorsBefore;
        double p99Change = last.p99Ms / first.p99Ms - 1;
        double rssChange = last.rssMiB / first.rssMiB - 1;
        boolean pass = soakErrors == 0 && rotation.failures.get() == 0 && Math.abs(p99Change) <= 0.10
                && Math.abs(rssChange) <= 0.10;
        String report = String.format(Locale.ROOT, """
                soak: %d minutes (+1 settling) at %.0f req/s (half of the measured maximum, %.0f req/s), %d requests, %d errors
                rotations: %d (every second), %d failed
                first %d minutes after settling: p99 %.2f ms, RSS %.1f MiB
                last %d minutes:  p99 %.2f ms, RSS %.1f MiB
                change: p99 %+.1f %%, RSS %+.1f %% (limit ±10 %%)
                proxy log: %d lines, %d warnings or errors
                %s""", minutes, rate, max, Arrays.stream(perMinute).mapToLong(Minute::count).sum(), soakErrors,
                rotation.count.get(), rotation.failures.get(), window, first.p99Ms, first.rssMiB, window, last.p99Ms,
                last.rssMiB, 100 * p99Change, 100 * rssChange, log.lines.get(), log.warnings.get(),
                pass ? "PASS" : "FAIL");
        System.out.println(report);
        errorSamples.stream().limit(5).forEach(e -> System.out.println("error: " + e));
        log.problems.stream().limit(5).forEach(l -> System.out.println("proxy: " + l));
        writeResult(report, perMinute);
        return pass;
    }

    /** Every caller sends its next request as soon as the last is answered; returns requests per second. */
    private double closedLoop(Duration duration) throws InterruptedException {
        long end = System.nanoTime() + duration.toNanos();
        AtomicLong count = new AtomicLong();
        CountDownLatch done = new CountDownLatch(CALLERS);
        long start = System.nanoTime();
        for (int c = 0; c < CALLERS; c++) {
            Thread.ofVirtual().start(() -> {
                try {
                    while (System.nanoTime() < end) {
                        call();
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

    private boolean call() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + PATH)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200 && response.body().contains("\"scopes\"")) {
                return true;
            }
            error(response.statusCode() + " " + response.body());
        } catch (IOException e) {
            error(e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(e.toString());
        }
        return false;
    }

    private void error(String what) {
        if (errors.incrementAndGet() <= 20) {
            errorSamples.add(what);
        }
    }

    /**
     * Each second: the proxy's RSS, and the share of the host's CPU time stolen by the hypervisor (on a shared VM
     * latency follows it, so the per-minute lines show it beside the p99).
     */
    private static void sampleRss(long pid, Minute[] perMinute) {
        long start = System.nanoTime();
        long[] lastCpu = cpuTimes();
        while (!Thread.currentThread().isInterrupted()) {
            int minute = (int) ((System.nanoTime() - start) / 60_000_000_000L);
            if (minute >= perMinute.length) {
                return;
            }
            try {
                for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        perMinute[minute].rss(Long.parseLong(line.replaceAll("\\D", "")) / 1024.0);
                    }
                }
                long[] cpu = cpuTimes();
                long total = cpu[0] - lastCpu[0];
                if (total > 0) {
                    perMinute[minute].steal(total, cpu[1] - lastCpu[1]);
                }
                lastCpu = cpu;
                Thread.sleep(1000);
            } catch (IOException e) {
                return; // the proxy is gone: the run reports it through its errors
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** All CPU time of the host and the stolen part of it, in ticks, from /proc/stat. */
    private static long[] cpuTimes() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < fields.length && i <= 8; i++) { // user .. steal (guest time is within user)
                total += Long.parseLong(fields[i]);
            }
            return new long[] {total, fields.length > 8 ? Long.parseLong(fields[8]) : 0};
        } catch (IOException e) {
            return new long[] {0, 0};
        }
    }

    private void writeResult(String report, Minute[] perMinute) throws IOException {
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

    /** PUT /credentials every second, alternating identities; counts answers other than 200. */
    private final class Rotation implements Runnable {
        private final List<Credentials> identities;
        private final AtomicLong count = new AtomicLong();
        private final AtomicLong failures = new AtomicLong();
        private volatile boolean stopped;

        Rotation(List<Credentials> identities) {
            this.identities = identities;
        }

        @Override
        public void run() {
            long next = System.nanoTime();
            while (!stopped) {
                next += 1_000_000_000L;
                Credentials credentials = identities.get((int) (count.incrementAndGet() % identities.size()));
                try {
                    // As generic-worker sends them: the certificate as a string of JSON.
                    String body = JSON.std.asString(Map.of("clientId", credentials.clientId(), "accessToken",
                            credentials.accessToken(), "certificate", credentials.isTemporary() ? credentials.certificate().toJson() : ""));
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/credentials"))
                            .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() != 200) {
                        failures.incrementAndGet();
                        error("rotation: " + response.statusCode() + " " + response.body());
                    }
                } catch (IOException | InterruptedException e) {
                    failures.incrementAndGet();
                    error("rotation: " + e);
                }
                LockSupport.parkNanos(next - System.nanoTime());
            }
        }

        void stop() {
            stopped = true;
        }
    }

    /** The latencies, errors and RSS samples of one minute. */
    private static final class Minute {
        private long[] latencies = new long[1 << 16];
        private int count;
        private int errors;
        private final List<Double> rss = new ArrayList<>();
        private long cpuTicks;
        private long stolenTicks;

        synchronized void record(long nanos, boolean ok) {
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = nanos;
            if (!ok) {
                errors++;
            }
        }

        synchronized void steal(long ticks, long stolen) {
            cpuTicks += ticks;
            stolenTicks += stolen;
        }

        synchronized void rss(double mib) {
            rss.add(mib);
        }

        synchronized long count() {
            return count;
        }

        synchronized long[] latencies() {
            return Arrays.copyOf(latencies, count);
        }

        synchronized List<Double> rssSamples() {
            return List.copyOf(rss);
        }

        /** One line for this minute; minutes up to 0 are the settling ones. */
        synchronized String describe(int minute) {
            long[] sorted = latencies();
            Arrays.sort(sorted);
            return String.format(Locale.ROOT, "%s %7d requests, %d errors, p50 %.2f ms, p99 %.2f ms, max %.1f ms, RSS %.1f MiB, CPU steal %.1f %%",
                    minute <= 0 ? "settling: " : String.format(Locale.ROOT, "minute %2d:", minute), count, errors,
                    percentile(sorted, 0.50), percentile(sorted, 0.99), sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6,
                    rss.stream().mapToDouble(Double::doubleValue).average().orElse(0),
                    cpuTicks == 0 ? 0 : 100.0 * stolenTicks / cpuTicks);
        }
    }

    private static double percentile(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] / 1e6;
    }

    /** p99 latency and mean RSS over some minutes. */
    private record Summary(double p99Ms, double rssMiB) {
        static Summary of(Minute[] minutes) {
            long[] all = Arrays.stream(minutes).map(Minute::latencies).flatMapToLong(Arrays::stream).sorted().toArray();
            double rss = Arrays.stream(minutes).flatMap(m -> m.rssSamples().stream()).mapToDouble(Double::doubleValue)
                    .average().orElse(Double.NaN);
            return new Summary(percentile(all, 0.99), rss);
        }
    }

    /** Reads the proxy's log as it comes (a worker would): counts lines, keeps warnings and errors. */
    private static final class ProxyLog {
        private final AtomicLong lines = new AtomicLong();
        private final AtomicLong warnings = new AtomicLong();
        private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        private final CountDownLatch listening = new CountDownLatch(1);
        private volatile int port;

        ProxyLog(Process proxy) {
            Thread.ofPlatform().daemon().name("proxy-log").start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(proxy.getErrorStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lines.incrementAndGet();
                        int at = line.indexOf("listening on ");
                        if (at >= 0 && port == 0) {
                            port = Integer.parseInt(line.substring(line.lastIndexOf(':') + 1).trim());
                            listening.countDown();
                        }
                        if (line.contains(":WARN") || line.contains(":ERROR")) {
                            warnings.incrementAndGet();
                            if (problems.size() < 20) {
                                problems.add(line);
                            }
                        }
                    }
                } catch (IOException e) {
                    // the proxy was stopped: its log ends here
                }
            });
        }

        int awaitPort() throws InterruptedException {
            if (!listening.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("the proxy did not start");
            }
            return port;
        }
    }
}
