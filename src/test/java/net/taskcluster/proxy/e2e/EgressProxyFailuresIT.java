package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.ScriptedUpstream;
import net.taskcluster.proxy.testing.Secrets;
import net.taskcluster.proxy.testing.TestClients;
import org.junit.jupiter.api.Test;

/**
 * Egress proxies that cannot be used: one that is down is a 502 naming it, after the retries any connection failure
 * gets; a variable that is not a usable proxy URL stops the start-up, naming the variable and never its value.
 * (Nothing here needs a proxy that works, nor the deployment: nothing reaches them.)
 */
class EgressProxyFailuresIT {
    private static final Pattern FINAL_LINE = Pattern.compile("#\\d+ GET (\\S+) -> (\\S+) 502 in \\d+ ms after (\\d+) attempts");
    private final TestClients clients = new TestClients();

    private ProxyProcess.Options proxy(String rootUrl) {
        return new ProxyProcess.Options().rootUrl(rootUrl)
                .credentials(clients.issuer.clientId(), clients.issuer.accessToken(), null);
    }

    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void aProxyThatIsDownIsA502NamingItAfterRetries() throws Exception {
        String down = "http://127.0.0.1:" + closedPort();
        // The names need not resolve: the proxy would resolve them, and it cannot be reached.
        try (ProxyProcess proxy = proxy("http://deploy.tc-egress.example:8080").args("--retry-budget", "2s")
                .env("HTTPS_PROXY", down).env("HTTP_PROXY", down).start()) {
            int port = proxy.port();
            for (String[] c : List.of(new String[] {"/queue.tc-egress.example/api/queue/v1/ping", "HTTPS_PROXY"},
                    new String[] {"/api/queue/v1/task/x", "HTTP_PROXY"})) {
                RawResponse response = RawResponse.request(port, "GET", c[0]);
                assertEquals(502, response.status(), response.body());
                String reason = "cannot connect to the egress proxy " + down + " (from " + c[1] + "): connection refused";
                assertTrue(response.body().contains(reason), response.body());
                String last = proxy.awaitLine(line -> FINAL_LINE.matcher(line).find() && line.contains(" " + c[0] + " "), Duration.ofSeconds(30));
                Matcher m = FINAL_LINE.matcher(last);
                assertTrue(m.find());
                int attempts = Integer.parseInt(m.group(3));
                assertTrue(attempts >= 2, "retried like any connection failure: " + last);
                assertTrue(response.body().contains("failed after " + attempts + " attempts: " + reason), response.body());
                long retries = proxy.stderr().stream()
                        .filter(line -> line.contains("retrying GET " + m.group(2) + " in ") && line.contains("failed: " + reason))
                        .count();
                assertEquals(attempts - 1, retries, String.join("\n", proxy.stderr()));
            }
        }
    }

    /**
     * A raw socket in the proxy's place that answers 407 to everything: the credentials went, decoded as Go decodes
     * them, on the CONNECT of the https target and on the http target's request (absolute form); the caller gets a
     * 502 that says the proxy refused them, and nothing is retried.
     */
    @Test
    void aProxyThatRefusesTheCredentialsIsA502SayingSo() throws Exception {
        String password = "s3cret@" + UUID.randomUUID();
        Secrets.register(password);
        String token = Base64.getEncoder().encodeToString(("proxy user:" + password).getBytes(StandardCharsets.UTF_8));
        Secrets.register(token);
        try (ScriptedUpstream refusing = new ScriptedUpstream((request, out) -> out.write(ScriptedUpstream.answer(
                "407 Proxy Authentication Required", "Proxy-Authenticate: Basic realm=\"egress\"\r\n", "")))) {
            String port = refusing.rootUrl().substring(refusing.rootUrl().lastIndexOf(':') + 1);
            String url = "http://proxy%20user:" + password.replace("@", "%40") + "@127.0.0.1:" + port;
            try (ProxyProcess proxy = proxy("http://deploy.tc-egress.example:8080").env("HTTPS_PROXY", url).env("HTTP_PROXY", url).start()) {
                String shown = "the egress proxy http://proxy user:xxxxx@127.0.0.1:" + port;
                RawResponse https = RawResponse.request(proxy.port(), "GET", "/queue.tc-egress.example/api/queue/v1/ping");
                assertEquals(502, https.status(), https.body());
                assertTrue(https.body().endsWith("failed after 1 attempt: " + shown + " (from HTTPS_PROXY) answered 407 Proxy"
                        + " Authentication Required: it refused the credentials of HTTPS_PROXY\n"), https.body());
                RawResponse http = RawResponse.request(proxy.port(), "GET", "/api/queue/v1/task/x");
                assertEquals(502, http.status(), http.body());
                assertTrue(http.body().endsWith("failed after 1 attempt: " + shown + " (from HTTP_PROXY) answered 407 Proxy"
                        + " Authentication Required: it refused the credentials of HTTP_PROXY\n"), http.body());
                List<ScriptedUpstream.Received> received = refusing.received();
                assertEquals(2, received.size(), "not retried");
                assertEquals("CONNECT queue.tc-egress.example:443 HTTP/1.1", received.get(0).requestLine());
                assertEquals("GET http://deploy.tc-egress.example:8080/api/queue/v1/task/x HTTP/1.1", received.get(1).requestLine());
                for (ScriptedUpstream.Received request : received) {
                    assertEquals("Basic " + token, request.header("Proxy-Authorization"), request.requestLine());
                }
                assertTrue(received.get(1).header("Authorization").startsWith("Hawk "), "the request itself is signed");
                for (String line : proxy.stderr()) {
                    assertFalse(line.contains(password) || line.contains(token), line);
                }
            }
        }
    }

    /** A proxy that cannot reach the upstream answers CONNECT with a 5xx: a 502 saying so, retried. */
    @Test
    void aTunnelTheProxyCannotOpenIsA502RetriedWhen5xx() throws Exception {
        try (ScriptedUpstream failing = new ScriptedUpstream((request, out) -> out.write(ScriptedUpstream.answer(
                "503 Service Unavailable", "", "")))) {
            try (ProxyProcess proxy = proxy("https://queue.tc-egress.example").args("--retry-budget", "2s")
                    .env("HTTPS_PROXY", failing.rootUrl()).start()) {
                RawResponse response = RawResponse.request(proxy.port(), "GET", "/api/queue/v1/ping");
                response.assertAnswers(502, " attempts: the egress proxy " + failing.rootUrl()
                        + " (from HTTPS_PROXY) did not open a tunnel to the upstream: it answered CONNECT with 503\n");
                assertTrue(failing.received().size() >= 2, "retried: " + failing.received().size());
            }
        }
    }

    @Test
    void aMalformedProxyUrlStopsTheStartUpWithoutShowingIt() throws Exception {
        String password = "hunter2-" + UUID.randomUUID();
        Secrets.register(password);
        for (String[] c : List.of(
                new String[] {"HTTPS_PROXY", "http://user:" + password + "@proxy.example:port", "HTTPS_PROXY has an invalid port"},
                new String[] {"http_proxy", "http://user:" + password + "%zz@proxy.example:3128",
                    "http_proxy has an invalid percent-escape in its user or password"},
                new String[] {"HTTP_PROXY", "http://user:" + password + "@", "HTTP_PROXY is not a proxy URL of the form"
                    + " [http://][user:password@]host[:port]"})) {
            try (ProxyProcess proxy = proxy("https://tc.example.com").env(c[0], c[1]).start()) {
                assertEquals(1, proxy.awaitExit(Duration.ofSeconds(30)));
                String stderr = String.join("\n", proxy.stderr());
                assertTrue(stderr.startsWith("taskcluster-proxy: " + c[2]), stderr);
                assertFalse(stderr.contains(password), stderr);
                assertFalse(stderr.contains("listening on"), stderr);
            }
        }
    }

    /** Go would speak TLS or SOCKS5 to these; this proxy refuses them rather than connect directly. */
    @Test
    void proxiesOtherThanHttpAreRefusedAtStartUp() throws Exception {
        for (String[] c : List.of(new String[] {"HTTPS_PROXY", "socks5://127.0.0.1:1080", "socks5"},
                new String[] {"HTTP_PROXY", "https://proxy.example:3128", "https"})) {
            try (ProxyProcess proxy = proxy("https://tc.example.com").env(c[0], c[1]).start()) {
                assertEquals(1, proxy.awaitExit(Duration.ofSeconds(30)));
                assertEquals("taskcluster-proxy: " + c[0] + " names a " + c[2] + ":// proxy: only http:// egress proxies are"
                        + " supported (CONNECT is used for https targets) (see --help)", String.join("\n", proxy.stderr()));
            }
        }
    }
}
