package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.taskcluster.proxy.testing.Http;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.SilentListener;
import net.taskcluster.proxy.testing.WithFakeDeployment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Retries, budgets and timeouts (short values given as flags), and callers that go away. */
class RetriesIT extends WithFakeDeployment {
    /** Budget 5 s, idle timeout 1 s. */
    private ProxyProcess quick;
    /** The default budget (15 minutes) and a 60 s idle timeout: only a caller going away ends its requests. */
    private ProxyProcess patient;
    private int quickPort;
    private int patientPort;

    @BeforeAll
    void start() throws Exception {
        quick = proxies.start(proxy().args("--retry-budget", "5s", "--idle-timeout", "1s"));
        patient = proxies.start(proxy().args("--idle-timeout", "60s"));
        quickPort = quick.port();
        patientPort = patient.port();
    }

    private ProxyProcess started(String... args) {
        return proxy().args(args).start();
    }

    private List<Map<String, Object>> attemptsAt(String target) {
        return upstream.authLog().stream().filter(e -> target.equals(e.get("target"))).toList();
    }

    @Test
    void fiveHundredsAreRetriedAndEveryAttemptIsSignedAfresh() throws Exception {
        String target = "/api/test/v1/sequence/twice/500,500,200";
        RawResponse response = RawResponse.request(quickPort, "GET", target);
        assertEquals(200, response.status(), response.body());
        assertEquals("3", response.header("X-Attempt"));
        List<Map<String, Object>> attempts = attemptsAt(target);
        assertEquals(3, attempts.size());
        Set<Object> nonces = new HashSet<>();
        for (Map<String, Object> attempt : attempts) {
            assertEquals(true, attempt.get("ok"), attempt.toString());
            nonces.add(attempt.get("nonce"));
        }
        assertEquals(3, nonces.size(), "each attempt has its own nonce: " + attempts);
    }

    @Test
    void aBufferedBodyIsSentAgainOnEveryAttempt() throws Exception {
        String body = "{\"payload\":\"" + "x".repeat(1000) + "\"}";
        RawResponse response = RawResponse.withBody(quickPort, "POST", "/api/test/v1/sequence/with-body/503,200", body,
                "Content-Type: application/json");
        assertEquals(200, response.status());
        Map<String, Object> answer = com.fasterxml.jackson.jr.ob.JSON.std.mapFrom(response.body());
        assertEquals(2, answer.get("attempt"));
        assertEquals(body.length(), ((Map<?, ?>) answer.get("body")).get("length"));
    }

    @Test
    void whenTheBudgetEndsTheLast5xxIsPassedBack() {
        String target = "/api/test/v1/sequence/always/503";
        RawResponse response = RawResponse.request(quickPort, "GET", target);
        assertEquals(503, response.status());
        int attempts = attemptsAt(target).size();
        assertTrue(attempts >= 3, "retried within the budget: " + attempts);
        assertEquals(String.valueOf(attempts), response.header("X-Attempt"), "the last answer is the one passed back");
        assertTrue(response.body().contains("\"attempt\":" + attempts), response.body());
    }

    @Test
    void tooManyRequestsIsRetriedWithTheBackoffAsItsFloor() throws Exception {
        RawResponse response = RawResponse.request(quickPort, "GET", "/api/test/v1/too-many/plain/none");
        assertEquals(200, response.status(), response.body());
        assertEquals(3, attemptTimes("plain").size());

        RawResponse asked = RawResponse.request(quickPort, "GET", "/api/test/v1/too-many/asked/1");
        assertEquals(200, asked.status(), asked.body());
        List<Long> at = attemptTimes("asked");
        assertEquals(3, at.size());
        assertTrue(at.get(1) - at.get(0) >= 1000 && at.get(2) - at.get(1) >= 1000, "Retry-After: 1 lengthened the waits: " + at);
    }

    @Test
    void tooManyRequestsIsFinalWithRetry429False() throws Exception {
        try (ProxyProcess original = started("--retry-429=false")) {
            RawResponse response = RawResponse.request(original.port(), "GET", "/api/test/v1/too-many/final/none");
            assertEquals(429, response.status());
            assertEquals(1, attemptTimes("final").size());
        }
    }

    @Test
    void clientErrorsAndRedirectsAreFinal() {
        for (int status : List.of(400, 404, 409, 302, 304)) {
            String target = "/api/test/v1/sequence/final-" + status + "/" + status + ",200";
            RawResponse response = RawResponse.request(quickPort, "GET", target);
            assertEquals(status, response.status());
            assertEquals(1, attemptsAt(target).size());
        }
    }

    @Test
    void retryAfterIsHonoured() throws Exception {
        RawResponse response = RawResponse.request(quickPort, "GET", "/api/test/v1/retry-after/honoured/2");
        assertEquals(200, response.status());
        long first = ((Number) upstream.awaitEvent("retry-after-1", "honoured", Duration.ofSeconds(5)).get("at")).longValue();
        long second = ((Number) upstream.awaitEvent("retry-after-2", "honoured", Duration.ofSeconds(5)).get("at")).longValue();
        // Without Retry-After the first wait is at most 750 ms; the upstream asked for 2 s.
        assertTrue(second - first >= 2000, "waited " + (second - first) + " ms");
    }

    /**
     * An upstream answering 503 with Retry-After: 0 gets no more attempts than the backoff allows: the waits are at
     * least 250, 375, 562, 843 and 1,265 ms (the schedule less its randomisation), so at most 6 attempts fit in the
     * first 5 s. Before the floor, one request made 3,245 attempts in 5 s.
     */
    @Test
    void retryAfterZeroDoesNotShortenTheBackoff() throws Exception {
        try (ProxyProcess storm = started("--retry-budget", "10s")) {
            int port = storm.port();
            RawResponse response = RawResponse.request(port, "GET", "/api/test/v1/unavailable/zero/0");
            assertEquals(503, response.status(), "the last 503 is passed back when the budget ends");
            List<Long> at = attemptTimes("zero");
            long inFirstFiveSeconds = at.stream().filter(t -> t - at.get(0) < 5000).count();
            System.out.println("Retry-After: 0 for 10 s: " + at.size() + " attempts, " + inFirstFiveSeconds + " in the first 5 s");
            assertTrue(inFirstFiveSeconds <= 6 && at.size() <= 8, "attempts at " + at);
            assertTrue(at.size() >= 4, "retried within the budget: " + at);
            assertRetryLinesShareTheFinalLinesId(storm, "/api/test/v1/unavailable/zero/0", at.size());
        }
    }

    @Test
    void retryAfterPastTheBudgetEndsTheRetriesWithThatAnswer() {
        RawResponse response = RawResponse.request(quickPort, "GET", "/api/test/v1/unavailable/a-day/86400");
        assertEquals(503, response.status());
        assertEquals("86400", response.header("Retry-After"), "the answer that asked for it is passed back");
        assertEquals(1, attemptTimes("a-day").size());
    }

    @Test
    void retryAfterAsADateInThePastCountsAsZero() throws Exception {
        RawResponse response = RawResponse.request(quickPort, "GET", "/api/test/v1/unavailable/past/past");
        assertEquals(503, response.status());
        List<Long> at = attemptTimes("past");
        assertTrue(at.size() >= 3, "retried: " + at);
        for (int i = 1; i < at.size(); i++) {
            assertTrue(at.get(i) - at.get(i - 1) >= 250, "no wait under the backoff's floor: " + at);
        }
    }

    private List<Long> attemptTimes(String key) {
        return upstream.events().stream().filter(e -> key.equals(e.get("key")))
                .map(e -> ((Number) e.get("at")).longValue()).sorted().toList();
    }

    /** One line per retry and one final line, all with the same request number. */
    private static void assertRetryLinesShareTheFinalLinesId(ProxyProcess proxy, String target, int attempts) throws Exception {
        String last = proxy.awaitLine(l -> l.contains(" " + target + " -> ") && l.contains("after " + attempts + " attempts"),
                Duration.ofSeconds(10));
        String id = last.replaceFirst("^.*?: (#\\d+) .*$", "$1");
        List<String> retries = proxy.stderr().stream().filter(l -> l.contains("retrying GET") && l.contains(target)).toList();
        assertEquals(attempts - 1, retries.size(), String.join("\n", retries));
        for (String retry : retries) {
            assertTrue(retry.contains(": " + id + " retrying"), "the retry line carries the request's number " + id + ": " + retry);
        }
    }

    @Test
    void anUpstreamThatIsNotListeningGives502NamingTheCause() throws Exception {
        int closed = Http.freePort();
        try (ProxyProcess nowhere = new ProxyProcess.Options().rootUrl("http://127.0.0.1:" + closed)
                .credentials(clients.issuer.clientId(), clients.issuer.accessToken(), null)
                .args("--retry-budget", "1s").start()) {
            int port = nowhere.port();
            RawResponse response = RawResponse.request(port, "GET", "/api/queue/v1/task/x");
            response.assertAnswers(502,
                    "http://127.0.0.1:" + closed + "/api/queue/v1/task/x", "cannot connect", "attempts");
            assertEquals("http://127.0.0.1:" + closed + "/api/queue/v1/task/x", response.header("X-Taskcluster-Endpoint"));
        }
    }

    @Test
    void aConnectionThatCannotBeEstablishedIsCutByTheConnectTimeout() throws Exception {
        try (SilentListener silent = new SilentListener();
                ProxyProcess proxy = new ProxyProcess.Options().rootUrl("http://127.0.0.1:" + silent.port())
                        .credentials(clients.issuer.clientId(), clients.issuer.accessToken(), null)
                        .args("--connect-timeout", "300ms", "--retry-budget", "1s").start()) {
            int port = proxy.port();
            RawResponse.request(port, "GET", "/api/queue/v1/task/x").assertAnswers(504, "timed out");
        }
    }

    @Test
    void anUpstreamThatSendsNothingIsCutByTheIdleTimeout() throws Exception {
        RawResponse.request(quickPort, "GET", "/api/test/v1/hang/idle").assertAnswers(504, "timed out");
        upstream.awaitEvent("hang-closed", "idle", Duration.ofSeconds(10));
    }

    @Test
    void anUpstreamThatStallsMidBodyAbortsTheCallersResponse() throws Exception {
        // 10 bytes of 1000 arrive, then the upstream goes quiet: the caller must see a failure, not a short body.
        Http.assertBodyCutShort("http://127.0.0.1:" + quickPort + "/api/test/v1/stall/mid-body", "1000");
        upstream.awaitEvent("stall-closed", "mid-body", Duration.ofSeconds(10));
    }

    @Test
    void aCallerThatHangsUpAbortsTheUpstreamRequest() throws Exception {
        hangUpOnceTheUpstreamHas("/api/test/v1/hang/caller-gone", "hang-started", "caller-gone");
        upstream.awaitEvent("hang-closed", "caller-gone", Duration.ofSeconds(10));
        patient.awaitLine(line -> line.contains("/api/test/v1/hang/caller-gone") && line.contains("caller gone"), Duration.ofSeconds(10));
    }

    @Test
    void aCallerThatHangsUpStopsTheRetries() throws Exception {
        hangUpOnceTheUpstreamHas("/api/test/v1/unavailable/stop/2", "unavailable-1", "stop");
        patient.awaitLine(line -> line.contains("/api/test/v1/unavailable/stop/2") && line.contains("caller gone"), Duration.ofSeconds(10));
        // The upstream asked for its retry 2 s after the first attempt. This wait is not synchronisation: it lets
        // that moment pass, to show that no second attempt comes.
        Thread.sleep(3000);
        assertEquals(1, upstream.events().stream().filter(e -> "stop".equals(e.get("key"))).count(), upstream.events().toString());
    }

    /** Sends a GET to the patient proxy and closes the connection once the upstream has seen the event. */
    private void hangUpOnceTheUpstreamHas(String target, String event, String key) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", patientPort));
            socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: taskcluster\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            upstream.awaitEvent(event, key, Duration.ofSeconds(10));
        }
    }
}
