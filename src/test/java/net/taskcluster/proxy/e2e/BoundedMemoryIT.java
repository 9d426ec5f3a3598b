package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import net.taskcluster.proxy.testing.Http;
import net.taskcluster.proxy.testing.Pattern;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.WithFakeDeployment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bodies stream both ways in bounded memory: with the proxy's heap capped at 64 MiB, a 1 GiB download and a 1 GiB
 * upload pass through intact. Bodies above --max-buffered-body stream once; smaller ones are held and retried.
 */
class BoundedMemoryIT extends WithFakeDeployment {
    private static final long GIB = 1L << 30;

    private ProxyProcess proxy;
    private String proxyUrl;
    private int port;

    @BeforeAll
    void start() throws Exception {
        proxy = proxies.start(proxy()
                .args("--max-buffered-body", "1k", "--retry-budget", "5s")
                .javaOptions("-Xmx64m"));
        port = proxy.port();
        proxyUrl = "http://127.0.0.1:" + port;
        String cmdline = Files.readString(Path.of("/proc", String.valueOf(proxy.pid()), "cmdline")).replace('\0', ' ');
        // The JVM, or the native executable (lib/taskcluster-proxy), which takes the same heap option.
        assertTrue(cmdline.contains("-Xmx64m") && (ProxyProcess.isNative()
                        ? cmdline.split(" ")[0].endsWith("/lib/taskcluster-proxy")
                        : cmdline.contains("net.taskcluster.proxy.Main")),
                "the launcher exec'd the proxy with the heap cap: " + cmdline);
    }

    @AfterAll
    void stop() throws Exception {
        System.out.println("proxy peak RSS (VmHWM) after 1 GiB each way: " + peakRss());
    }

    private String peakRss() throws Exception {
        return Files.readAllLines(Path.of("/proc", String.valueOf(proxy.pid()), "status")).stream()
                .filter(l -> l.startsWith("VmHWM")).findFirst().orElse("?").replaceAll("\\s+", " ");
    }

    @Test
    void aOneGibDownloadArrivesWhole() throws Exception {
        Http.assertPatternDownload(proxyUrl + "/api/test/v1/bytes/" + GIB, GIB);
    }

    @Test
    void aOneGibUploadArrivesWhole() throws Exception {
        HttpResponse<String> response = Http.putPattern(proxyUrl + "/api/test/v1/upload", GIB);
        assertEquals(200, response.statusCode(), response.body());
        Map<String, Object> received = JSON.std.mapFrom(response.body());
        assertEquals(GIB, ((Number) received.get("length")).longValue());
        assertEquals(Pattern.sha256(GIB), received.get("sha256"));
    }

    @Test
    void aBodyAboveTheBufferLimitStreamsOnceAndIsNotRetried() throws Exception {
        String large = "y".repeat(64 * 1024);
        RawResponse response = RawResponse.withBody(port, "POST", "/api/test/v1/sequence/large/503,200", large);
        assertEquals(503, response.status(), "a streamed body cannot be sent again: the 503 is the answer");
        assertEquals("1", response.header("X-Attempt"));
        Map<String, Object> answer = JSON.std.mapFrom(response.body());
        assertEquals(large.length(), ((Map<?, ?>) answer.get("body")).get("length"));

        String small = "z".repeat(1000);
        RawResponse retried = RawResponse.withBody(port, "POST", "/api/test/v1/sequence/small/503,200", small);
        assertEquals(200, retried.status());
        assertEquals("2", retried.header("X-Attempt"));
        assertEquals(small.length(), ((Map<?, ?>) JSON.std.mapFrom(retried.body()).get("body")).get("length"));
    }
}
