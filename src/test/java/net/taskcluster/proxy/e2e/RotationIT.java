package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.testing.Http;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.WithFakeDeployment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Credential rotation never stalls requests and never mixes identities. */
class RotationIT extends WithFakeDeployment {
    private ProxyProcess proxy;
    private String proxyUrl;
    private Credentials a;
    private Credentials b;

    @BeforeAll
    void start() throws Exception {
        a = clients.issuer;
        b = clients.temporary("project/rotating", List.of("test:*"));
        proxy = proxies.start(new ProxyProcess.Options().rootUrl(upstream.rootUrl()).credentials(a.clientId(), a.accessToken(), null)
                .args("test:*"));
        proxyUrl = "http://127.0.0.1:" + proxy.port();
    }

    private static String body(Credentials credentials) throws Exception {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("accessToken", credentials.accessToken());
        body.put("certificate", credentials.isTemporary() ? credentials.certificate().toJson() : "");
        body.put("clientId", credentials.clientId());
        return JSON.std.asString(body);
    }

    private HttpResponse<String> put(Credentials credentials) throws Exception {
        return Http.send(HttpRequest.newBuilder(URI.create(proxyUrl + "/credentials"))
                .PUT(HttpRequest.BodyPublishers.ofString(body(credentials))).build());
    }

    @Test
    void sixtyFourClientsWhileCredentialsSwitchEvery50Milliseconds() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicInteger requests = new AtomicInteger();
        AtomicInteger[] seen = {new AtomicInteger(), new AtomicInteger()};
        CountDownLatch done = new CountDownLatch(64);
        for (int i = 0; i < 64; i++) {
            Thread.ofVirtual().start(() -> {
                try {
                    while (running.get()) {
                        HttpResponse<String> response = Http.get(proxyUrl + "/api/auth/v1/scopes/current");
                        requests.incrementAndGet();
                        if (response.statusCode() != 200) {
                            problems.add(response.statusCode() + " " + response.body());
                            continue;
                        }
                        Object clientId = Http.json(response).get("clientId");
                        String header = response.headers().firstValue("X-Taskcluster-Proxy-Perm-ClientId")
                                .or(() -> response.headers().firstValue("X-Taskcluster-Proxy-Temp-ClientId")).orElse(null);
                        if (a.clientId().equals(clientId)) {
                            seen[0].incrementAndGet();
                        } else if (b.clientId().equals(clientId)) {
                            seen[1].incrementAndGet();
                        } else {
                            problems.add("signed as " + clientId);
                        }
                        if (!clientId.equals(header)) {
                            problems.add("signed as " + clientId + " but the headers describe " + header);
                        }
                    }
                } catch (RuntimeException e) {
                    problems.add(e.toString());
                } finally {
                    done.countDown();
                }
            });
        }
        List<Long> updateMillis = new ArrayList<>();
        // A count of switches, not a time: a busy host makes them slower, and that is not what is tested here.
        int switches = 0;
        while (switches < 100) {
            long start = System.nanoTime();
            HttpResponse<String> response = put(switches % 2 == 0 ? b : a);
            updateMillis.add((System.nanoTime() - start) / 1_000_000);
            assertEquals(200, response.statusCode(), response.body());
            switches++;
            Thread.sleep(50); // the pace of the rotation, not synchronisation
        }
        running.set(false);
        done.await();

        assertTrue(problems.isEmpty(), problems.size() + " problems, first: " + problems.peek());
        assertTrue(seen[0].get() > 0 && seen[1].get() > 0, "both identities signed requests: " + seen[0] + " / " + seen[1]);
        List<Map<String, Object>> log = upstream.authLog();
        assertTrue(log.size() >= requests.get());
        for (Map<String, Object> entry : log) {
            assertEquals(true, entry.get("ok"), entry.toString());
        }
        updateMillis.sort(null);
        System.out.printf("rotation: %d requests by 64 clients, %d credential updates (median %d ms, max %d ms), %d as A, %d as B%n",
                requests.get(), switches, updateMillis.get(updateMillis.size() / 2), updateMillis.get(updateMillis.size() - 1),
                seen[0].get(), seen[1].get());
    }

    @Test
    void anUpdateIsAnsweredWhileASlowDownloadIsInFlight() throws Exception {
        HttpResponse<InputStream> download = Http.CLIENT.send(
                HttpRequest.newBuilder(URI.create(proxyUrl + "/api/test/v1/slow/in-flight/30")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = download.body()) {
            assertEquals(200, download.statusCode());
            assertEquals('x', body.read(), "the download is under way");

            HttpResponse<String> update = put(b);
            assertEquals(200, update.statusCode());

            assertEquals('x', body.read(), "the download is still going after the update was answered");
            assertFalse(upstream.events().stream().anyMatch(e -> "slow-finished".equals(e.get("name")) && "in-flight".equals(e.get("key"))));

            HttpResponse<String> next = Http.get(proxyUrl + "/api/auth/v1/scopes/current");
            assertEquals(b.clientId(), Http.json(next).get("clientId"));
        } finally {
            put(a);
        }
        upstream.awaitEvent("slow-aborted", "in-flight", Duration.ofSeconds(10));
    }
}
