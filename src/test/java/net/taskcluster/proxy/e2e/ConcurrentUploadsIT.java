package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.taskcluster.proxy.testing.FakeDeployment;
import net.taskcluster.proxy.testing.Pattern;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.TestClients;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Many honest callers at once: 1,000 concurrent uploads to an upstream that answers each after 2 s, with the
 * distribution's own heap (32 MiB). Bodies held in memory for retries share one budget; the rest stream once. Every
 * caller gets the upstream's answer or a clean 503, the proxy stays up and serves the next request, and its peak RSS
 * stays within the README's figure.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcurrentUploadsIT {
    private static final int CALLERS = 1000;
    /** README, "Hardening": the peak RSS of the proxy under this load. */
    static final long PEAK_RSS_LIMIT_KIB = 160 * 1024;

    private final TestClients clients = new TestClients();
    private FakeDeployment upstream;

    @BeforeAll
    void startDeployment() {
        // Not recording: the deployment's per-connection bookkeeping would slow it down under this many callers.
        upstream = FakeDeployment.start(clients.table(), Map.of(), false);
    }

    @AfterAll
    void stopDeployment() {
        upstream.close();
    }

    @ParameterizedTest(name = "{0} bytes each, chunked: {1}")
    @CsvSource({"262144, false", "65536, false", "1048576, false", "262144, true"})
    void everyCallerGetsItsAnswerOrACleanRefusal(int size, boolean chunked) throws Exception {
        try (ProxyProcess proxy = new ProxyProcess.Options().rootUrl(upstream.rootUrl())
                .credentials(clients.issuer.clientId(), clients.issuer.accessToken(), null)
                .start()) {
            int port = proxy.port();
            Map<String, Integer> outcomes = new TreeMap<>();
            List<String> wrong = new ArrayList<>();
            try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<String>> results = new ArrayList<>();
                for (int i = 0; i < CALLERS; i++) {
                    results.add(callers.submit(() -> upload(port, size, chunked)));
                }
                for (Future<String> result : results) {
                    String outcome = result.get();
                    outcomes.merge(outcome.startsWith("wrong") ? "wrong" : outcome, 1, Integer::sum);
                    if (outcome.startsWith("wrong")) {
                        wrong.add(outcome);
                    }
                }
            }
            long peak = peakRssKib(proxy);
            System.out.printf("%d callers x %d bytes (chunked %s): %s; proxy peak RSS (VmHWM) %.1f MiB%n", CALLERS, size,
                    chunked, outcomes, peak / 1024.0);
            assertTrue(wrong.isEmpty(), wrong.size() + " callers got a wrong answer, e.g. " + wrong.subList(0, Math.min(3, wrong.size())));
            assertTrue(proxy.isAlive(), "the proxy is still running");
            RawResponse next = RawResponse.request(port, "GET", "/api/test/v1/scopes/current");
            assertEquals(200, next.status(), next.body());
            assertTrue(peak <= PEAK_RSS_LIMIT_KIB, "peak RSS " + peak + " KiB is over the README's " + PEAK_RSS_LIMIT_KIB);
        }
    }

    /** One caller: "200", or "503" with a reason, or "wrong: ..." for anything else. */
    private static String upload(int port, int size, boolean chunked) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(180_000);
            OutputStream out = socket.getOutputStream();
            String framing = chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + size + "\r\n";
            out.write(("POST /api/test/v1/slow-upload/2000 HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n" + framing
                    + "Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] piece = new byte[16 * 1024];
            try (InputStream body = Pattern.stream(size)) {
                for (int n; (n = body.readNBytes(piece, 0, piece.length)) > 0; ) {
                    if (chunked) {
                        out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    }
                    out.write(piece, 0, n);
                    if (chunked) {
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                }
            }
            if (chunked) {
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
            RawResponse response = RawResponse.read(socket.getInputStream());
            if (response == null) {
                return "wrong: no answer";
            }
            if (response.status() == 503 && response.body().startsWith("taskcluster-proxy: ")) {
                return "503";
            }
            if (response.status() != 200) {
                return "wrong: " + response.status() + " " + response.body().strip();
            }
            Map<String, Object> received = JSON.std.mapFrom(response.body());
            boolean intact = ((Number) received.get("length")).intValue() == size
                    && Pattern.sha256(size).equals(received.get("sha256"));
            return intact ? "200" : "wrong: the upstream received " + received;
        } catch (IOException e) {
            return "wrong: " + e;
        }
    }

    private static long peakRssKib(ProxyProcess proxy) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(proxy.pid()), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmHWM");
    }
}
