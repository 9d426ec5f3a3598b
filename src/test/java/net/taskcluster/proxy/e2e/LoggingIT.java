package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import net.taskcluster.proxy.testing.Http;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.Secrets;
import net.taskcluster.proxy.testing.WithFakeDeployment;
import org.junit.jupiter.api.Test;

/** What the proxy prints (SPEC §6), and how it stops on SIGTERM. */
class LoggingIT extends WithFakeDeployment {

    private ProxyProcess started() {
        return proxy()
                .args("--retry-budget", "10s", "test:*").start();
    }

    @Test
    void startUpRequestsRetriesAndUpdatesAreLoggedOneLineEach() throws Exception {
        try (ProxyProcess proxy = started()) {
            int port = proxy.port();
            assertTrue(port > 0 && Http.isListening(port), "the logged port is the real one (--port 0)");
            assertTrue(proxy.stderr().stream().anyMatch(l -> l.endsWith("listening on 127.0.0.1:" + port)), proxy.stderr().toString());
            String startup = proxy.awaitLine(l -> l.contains("root URL"), Duration.ofSeconds(1));
            assertTrue(startup.contains("Taskcluster proxy") && startup.contains(upstream.rootUrl())
                    && startup.contains("client id project/issuer") && startup.contains("access token not shown"), startup);
            proxy.awaitLine(l -> l.contains("authorized scopes: [\"test:*\"]"), Duration.ofSeconds(1));

            assertEquals(200, RawResponse.request(port, "GET", "/test/v1/echo/logged?x=1").status());
            String request = proxy.awaitLine(l -> l.contains("/test/v1/echo/logged?x=1 -> "), Duration.ofSeconds(10));
            assertTrue(request.contains("GET /test/v1/echo/logged?x=1 -> " + upstream.rootUrl() + "/api/test/v1/echo/logged?x=1 200 in ")
                    && request.matches(".* in \\d+ ms after 1 attempt$"), request);

            assertEquals(200, RawResponse.request(port, "GET", "/api/test/v1/sequence/logged/500,200").status());
            String retry = proxy.awaitLine(l -> l.contains("retrying GET") && l.contains("sequence/logged"), Duration.ofSeconds(10));
            assertTrue(retry.contains("attempt 1 answered 500"), retry);
            proxy.awaitLine(l -> l.contains("sequence/logged/500,200 200 in") && l.endsWith("after 2 attempts"), Duration.ofSeconds(10));

            String update = "{\"clientId\":\"project/limited\",\"accessToken\":\"" + clients.limited.accessToken() + "\"}";
            assertEquals(200, RawResponse.withBody(port, "PUT", "/credentials", update).status());
            proxy.awaitLine(l -> l.contains("credentials updated: client id project/limited"), Duration.ofSeconds(10));

            // Hidden in the log, as Taskcluster's services hide them: a bewit is a credential.
            String bewit = "c2VjcmV0LWJld2l0LXZhbHVlLTAxMjM0NTY3ODk";
            Secrets.register(bewit);
            RawResponse.request(port, "GET", "/api/test/v1/echo/x?a=1&bewit=" + bewit + "&b=2");
            String redacted = proxy.awaitLine(l -> l.contains("/api/test/v1/echo/x?a=1"), Duration.ofSeconds(10));
            assertTrue(redacted.contains("?a=1&bewit=REDACTED&b=2") && !redacted.contains(bewit), redacted);

            for (String line : proxy.stderr()) {
                assertFalse(line.contains(clients.issuer.accessToken()) || line.contains(clients.limited.accessToken()), line);
            }
        }
    }

    @Test
    void theShutdownTimeoutBoundsTheDrain() throws Exception {
        try (ProxyProcess proxy = proxy()
                .args("--shutdown-timeout", "1s").start()) {
            int port = proxy.port();
            HttpResponse<InputStream> download = Http.CLIENT.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/test/v1/slow/too-slow/60")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = download.body()) {
                assertEquals('x', body.read());
                proxy.terminate();
                assertEquals(0, proxy.awaitExit(Duration.ofSeconds(30)), "exits after the shutdown timeout, not the download");
                assertThrows(java.io.IOException.class, body::readAllBytes, "the cut download does not look complete");
            }
        }
    }

    @Test
    void sigtermLetsRequestsInFlightFinishAndExitsZero() throws Exception {
        ProxyProcess proxy = started();
        try (proxy) {
            int port = proxy.port();
            HttpResponse<InputStream> download = Http.CLIENT.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/test/v1/slow/drain/2")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = download.body()) {
                assertEquals('x', body.read(), "the download is under way");
                proxy.terminate();
                proxy.awaitLine(l -> l.contains("SIGTERM received"), Duration.ofSeconds(10));
                byte[] rest = body.readAllBytes();
                assertEquals(19, rest.length, "the download in flight completed");
            }
            assertEquals(0, proxy.awaitExit(Duration.ofSeconds(30)));
            assertFalse(Http.isListening(port));
            upstream.awaitEvent("slow-finished", "drain", Duration.ofSeconds(5));
            assertTrue(proxy.stderr().stream().anyMatch(l -> l.contains("stopped")), proxy.stderr().toString());
            List<String> lines = proxy.stderr();
            assertTrue(lines.stream().noneMatch(l -> l.contains("Exception")), lines.toString());
        }
    }
}
