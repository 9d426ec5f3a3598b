package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import net.taskcluster.proxy.testing.JettyUpstream;
import net.taskcluster.proxy.testing.NodeChecker;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.Secrets;
import net.taskcluster.proxy.testing.TestCa;
import net.taskcluster.proxy.testing.Tinyproxy;
import net.taskcluster.proxy.testing.TlsUpstream;
import net.taskcluster.proxy.testing.WithFakeDeployment;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Egress proxies, as Go reads HTTPS_PROXY, HTTP_PROXY and NO_PROXY, through a real forward proxy: Debian's
 * tinyproxy on 127.0.0.1. The deployments have names that only the test's hosts file knows: tinyproxy sees it as
 * its /etc/hosts, and the proxy's JVM through -Djdk.net.hosts.file (for what goes directly). Two deployments:
 * <ul>
 * <li>http: the fake deployment (Node, npm hawk) as {@code http://deploy.tc-egress.example:<port>}, reached through
 *     HTTP_PROXY with the URL in the request line;
 * <li>https: a Jetty server with a certificate of a throw-away CA (trusted through SSL_CERT_FILE) on
 *     127.0.0.9:443 as {@code queue.tc-egress.example}, reached through HTTPS_PROXY in a CONNECT tunnel, which
 *     checks every request's Hawk signature or bewit with the Node checker (npm hawk, Taskcluster's rules).
 * </ul>
 * Each deployment reads the host and port it verifies from the Host header: a request signed for the proxy's
 * address (127.0.0.1 and tinyproxy's port) would not verify.
 */
class EgressProxyIT extends WithFakeDeployment {
    private static final String DEPLOY = "deploy.tc-egress.example";
    private static final String QUEUE = "queue.tc-egress.example";
    private static final String PROXY_USER = "egress-user";
    /** tinyproxy's BasicAuth takes letters, digits and "-._"; the URL escapes the "-" to show it is decoded. */
    private static final String PROXY_PASSWORD = "pw-" + UUID.randomUUID().toString().replace("-", "");
    private static final String PROXY_PASSWORD_IN_URL = PROXY_PASSWORD.replace("-", "%2D");

    @TempDir
    static Path directory;
    private Path hosts;
    private TestCa ca;
    private NodeChecker checker;
    private JettyUpstream queue;
    private Tinyproxy open;
    private Tinyproxy guarded;

    @Override
    protected Map<String, Object> tasks() {
        return Map.of("EgressTask00000000000", Map.of("scopes", List.of("queue:get-artifact:egress/*")));
    }

    @BeforeAll
    void start() throws Exception {
        Tinyproxy.skipUnlessPossible();
        Secrets.register(PROXY_PASSWORD);
        Secrets.register(Base64.getEncoder().encodeToString((PROXY_USER + ":" + PROXY_PASSWORD).getBytes(StandardCharsets.UTF_8)));
        hosts = directory.resolve("hosts");
        Files.writeString(hosts, "127.0.0.1 localhost\n127.0.0.1 " + DEPLOY + "\n127.0.0.9 " + QUEUE + "\n");
        ca = TestCa.create(directory);
        checker = NodeChecker.start();
        checker.call(Map.of("op", "clients", "clients", clients.table()));
        queue = JettyUpstream.start("127.0.0.9", 443, ca.serverKeystore("queue", "dns:" + QUEUE), TlsUpstream.PASSWORD, new HawkChecking());
        open = Tinyproxy.start(directory, "open", hosts, null);
        guarded = Tinyproxy.start(directory, "guarded", hosts, PROXY_USER + " " + PROXY_PASSWORD);
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable peer : new AutoCloseable[] {guarded, open, queue, checker}) {
            if (peer != null) {
                peer.close();
            }
        }
    }

    /** The https deployment: 200 and what it verified when the request's Hawk header or bewit verifies, else 401. */
    private final class HawkChecking extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String resource = request.getHttpURI().getPathQuery();
            String host = request.getHeaders().get(HttpHeader.HOST);
            Map<String, Object> check = new HashMap<>(Map.of("resource", resource, "hostHeader", host, "https", true));
            String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
            if (resource.contains("bewit=")) {
                check.put("op", "bewit");
            } else {
                check.put("op", "header");
                check.put("method", request.getMethod());
                check.put("authorization", authorization == null ? "" : authorization);
            }
            Map<String, Object> result = checker.call(check);
            Map<String, Object> answer = new HashMap<>(result);
            answer.put("host", host);
            answer.put("resource", resource);
            answer.put("proxyAuthorization", request.getHeaders().get(HttpHeader.PROXY_AUTHORIZATION));
            response.setStatus(Boolean.TRUE.equals(result.get("ok")) ? 200 : 401);
            response.getHeaders().put("Content-Type", "application/json");
            Content.Sink.write(response, true, JSON.std.asString(answer), callback);
            return true;
        }
    }

    private String httpRoot() {
        return "http://" + DEPLOY + ":" + upstream.port();
    }

    /** A proxy signing for the http or https deployment, with these environment variables. */
    private ProxyProcess proxy(String rootUrl, String... env) throws InterruptedException {
        return proxies.start(options(rootUrl, env));
    }

    private ProxyProcess.Options options(String rootUrl, String... env) {
        ProxyProcess.Options options = new ProxyProcess.Options().rootUrl(rootUrl)
                .credentials(clients.issuer.clientId(), clients.issuer.accessToken(), null)
                .env("SSL_CERT_FILE", ca.pem().toString())
                .args("--retry-budget", "1s")
                .javaOptions("-Djdk.net.hosts.file=" + hosts);
        for (int i = 0; i < env.length; i += 2) {
            options.env(env[i], env[i + 1]);
        }
        return options;
    }

    private static Map<String, Object> json(RawResponse response) throws Exception {
        return JSON.std.mapFrom(response.body());
    }

    private static long connects(Tinyproxy proxy, String authority) {
        return proxy.log().stream().filter(line -> line.contains("CONNECT " + authority)).count();
    }

    /** Waits until tinyproxy has logged more CONNECTs to {@code authority} than {@code before}. */
    private static void awaitConnect(Tinyproxy proxy, String authority, long before) throws InterruptedException {
        proxy.awaitLine(line -> connects(proxy, authority) > before, Duration.ofSeconds(10));
    }

    /** The answer of the https deployment through the proxy on {@code port}, which verified the request's signature. */
    private void assertVerifiedByTheHttpsDeployment(RawResponse response, String resource) throws Exception {
        assertEquals(200, response.status(), response.body());
        Map<String, Object> verified = json(response);
        assertEquals(true, verified.get("ok"), response.body());
        assertEquals(clients.issuer.clientId(), verified.get("clientId"));
        assertEquals(QUEUE, verified.get("host"), "the Host header names the deployment");
        assertEquals(resource, verified.get("resource"));
        assertNull(verified.get("proxyAuthorization"), "the proxy's credentials stay outside the tunnel");
    }

    /**
     * That tinyproxy saw none of these: a request sent through it after them, by the test itself, is logged, and
     * nothing before it names them.
     */
    private void assertNotThroughTinyproxy(String... fragments) throws Exception {
        String marker = "marker-" + UUID.randomUUID();
        HttpClient viaTinyproxy = HttpClient.newBuilder().proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", open.port()))).build();
        viaTinyproxy.send(HttpRequest.newBuilder(URI.create(httpRoot() + "/api/queue/v1/echo/" + marker)).build(),
                HttpResponse.BodyHandlers.discarding());
        open.awaitLine(line -> line.contains(marker), Duration.ofSeconds(10));
        for (String line : open.log()) {
            for (String fragment : fragments) {
                assertFalse(line.contains(fragment), "went through tinyproxy: " + line);
            }
        }
    }

    /**
     * The second target is one that java.net.URI refuses ("|" and "{}"): Jetty would have sent it without the URL
     * (origin form), which a proxy cannot forward. Both go in absolute form, byte for byte as they would directly.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/api/queue/v1/echo/through-http-proxy?b=2&a=1", "/api/queue/v1/echo/a|b{c}%2F"})
    void signedRequestsReachAnHttpDeploymentThroughHttpProxy(String path) throws Exception {
        ProxyProcess proxy = proxy(httpRoot(), "HTTP_PROXY", open.url());
        RawResponse response = RawResponse.request(proxy.port(), "GET", path);
        assertEquals(200, response.status(), response.body());
        Map<String, Object> echo = json(response);
        assertEquals(path, echo.get("target"));
        assertEquals(clients.issuer.clientId(), echo.get("clientId"), "the deployment verified the signature");
        @SuppressWarnings("unchecked")
        Map<String, Object> headers = (Map<String, Object>) echo.get("headers");
        assertEquals(DEPLOY + ":" + upstream.port(), headers.get("host"));
        open.awaitLine(line -> line.contains("GET " + httpRoot() + path + " HTTP/1.1"), Duration.ofSeconds(5));
        // The shortcut form goes to the same root URL, the same way.
        RawResponse shortcut = RawResponse.request(proxy.port(), "GET", "/queue/v1/echo/shortcut-through-http-proxy");
        assertEquals(200, shortcut.status(), shortcut.body());
        open.awaitLine(line -> line.contains("GET " + httpRoot() + "/api/queue/v1/echo/shortcut-through-http-proxy "), Duration.ofSeconds(5));
        proxy.awaitLine(line -> line.contains("egress proxies: https targets directly, http targets through " + open.url()
                + " (from HTTP_PROXY); never proxied: localhost, loopback addresses"), Duration.ofSeconds(5));
    }

    @Test
    void signedRequestsReachAnHttpsDeploymentThroughAConnectTunnel() throws Exception {
        ProxyProcess proxy = proxy("https://" + QUEUE, "HTTPS_PROXY", open.url());
        long before = connects(open, QUEUE + ":443");
        assertVerifiedByTheHttpsDeployment(RawResponse.request(proxy.port(), "GET", "/api/queue/v1/task/through-connect"),
                "/api/queue/v1/task/through-connect");
        awaitConnect(open, QUEUE + ":443", before);
        // The hostname form: https://<host>/...
        assertVerifiedByTheHttpsDeployment(RawResponse.request(proxy.port(), "GET", "/" + QUEUE + "/api/auth/v1/scopes/current?x=1"),
                "/api/auth/v1/scopes/current?x=1");
        proxy.awaitLine(line -> line.contains("egress proxies: https targets through " + open.url()
                + " (from HTTPS_PROXY), http targets directly"), Duration.ofSeconds(5));
    }

    /** A bewit is signed for the deployment's host and port: fetched through the egress proxy, it verifies there. */
    @Test
    void signedUrlsVerifyAtTheDeploymentWhenFetchedThroughTheProxy() throws Exception {
        ProxyProcess proxy = proxy(httpRoot(), "HTTP_PROXY", open.url(), "HTTPS_PROXY", open.url());
        HttpClient viaTinyproxy = HttpClient.newBuilder().proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", open.port())))
                .sslContext(trusting(ca.pem())).build();

        String https = "https://" + QUEUE + "/api/queue/v1/task/abc/artifacts/private/log.txt?a=1";
        String signed = signedUrl(proxy, https);
        long before = connects(open, QUEUE + ":443");
        HttpResponse<String> fetched = viaTinyproxy.send(HttpRequest.newBuilder(URI.create(signed)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, fetched.statusCode(), fetched.body());
        assertEquals(true, JSON.std.mapFrom(fetched.body()).get("ok"), fetched.body());
        awaitConnect(open, QUEUE + ":443", before);

        String http = httpRoot() + "/api/queue/v1/echo/signed-url-through-http-proxy";
        fetched = viaTinyproxy.send(HttpRequest.newBuilder(URI.create(signedUrl(proxy, http))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, fetched.statusCode(), fetched.body());
        assertEquals(clients.issuer.clientId(), JSON.std.mapFrom(fetched.body()).get("clientId"));
        open.awaitLine(line -> line.contains("GET " + http + "?bewit="), Duration.ofSeconds(5));
    }

    private static String signedUrl(ProxyProcess proxy, String url) throws InterruptedException {
        RawResponse response = RawResponse.withBody(proxy.port(), "POST", "/bewit", url);
        assertEquals(303, response.status(), response.body());
        String signed = response.header("Location");
        Secrets.register(signed.substring(signed.indexOf("bewit=") + 6));
        return signed;
    }

    private static SSLContext trusting(Path pem) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    @Test
    void noProxyBypassesTheProxy() throws Exception {
        ProxyProcess proxy = proxy(httpRoot(), "HTTP_PROXY", open.url(), "HTTPS_PROXY", open.url(),
                "NO_PROXY", "nothing.example, .tc-egress.example");
        RawResponse http = RawResponse.request(proxy.port(), "GET", "/api/queue/v1/echo/bypassing-http-proxy");
        assertEquals(200, http.status(), http.body());
        long before = connects(open, QUEUE);
        assertVerifiedByTheHttpsDeployment(RawResponse.request(proxy.port(), "GET", "/" + QUEUE + "/api/queue/v1/bypassing-https-proxy"),
                "/api/queue/v1/bypassing-https-proxy");
        assertNotThroughTinyproxy("bypassing-http-proxy");
        assertEquals(before, connects(open, QUEUE), "no CONNECT for the https deployment");
        proxy.awaitLine(line -> line.endsWith("never proxied: localhost, loopback addresses and NO_PROXY=nothing.example, .tc-egress.example"),
                Duration.ofSeconds(5));
    }

    @Test
    void theLowerCaseFormsCountAndTheUpperCaseOnesWin() throws Exception {
        ProxyProcess lower = proxy(httpRoot(), "http_proxy", open.url(), "https_proxy", open.url());
        RawResponse http = RawResponse.request(lower.port(), "GET", "/api/queue/v1/echo/lower-case-http-proxy");
        assertEquals(200, http.status(), http.body());
        open.awaitLine(line -> line.contains("/api/queue/v1/echo/lower-case-http-proxy"), Duration.ofSeconds(5));
        long before = connects(open, QUEUE);
        assertVerifiedByTheHttpsDeployment(RawResponse.request(lower.port(), "GET", "/" + QUEUE + "/api/queue/v1/lower-case"),
                "/api/queue/v1/lower-case");
        awaitConnect(open, QUEUE, before);

        // HTTP_PROXY names a port where nothing listens: it wins over http_proxy, which names tinyproxy.
        ProxyProcess upper = proxy(httpRoot(), "HTTP_PROXY", "127.0.0.1:1", "http_proxy", open.url());
        RawResponse refused = RawResponse.request(upper.port(), "GET", "/api/queue/v1/echo/upper-case-wins");
        refused.assertAnswers(502,
                "cannot connect to the egress proxy http://127.0.0.1:1 (from HTTP_PROXY): connection refused");
    }

    @Test
    void withRequestMethodSetHttpProxyIsIgnored() throws Exception {
        ProxyProcess proxy = proxy(httpRoot(), "REQUEST_METHOD", "GET", "HTTP_PROXY", open.url(), "HTTPS_PROXY", open.url());
        RawResponse http = RawResponse.request(proxy.port(), "GET", "/api/queue/v1/echo/cgi-http-proxy-ignored");
        assertEquals(200, http.status(), http.body());
        assertNotThroughTinyproxy("cgi-http-proxy-ignored");
        long before = connects(open, QUEUE);
        assertVerifiedByTheHttpsDeployment(RawResponse.request(proxy.port(), "GET", "/" + QUEUE + "/api/queue/v1/cgi-https"),
                "/api/queue/v1/cgi-https");
        awaitConnect(open, QUEUE, before); // HTTPS_PROXY still counts, as in Go
        proxy.awaitLine(line -> line.contains("http targets directly (HTTP_PROXY ignored: REQUEST_METHOD is set"), Duration.ofSeconds(5));
    }

    @Test
    void proxyCredentialsAreSentAndNeverLogged() throws Exception {
        String withCredentials = "http://" + PROXY_USER + ":" + PROXY_PASSWORD_IN_URL + "@127.0.0.1:" + guarded.port();
        ProxyProcess proxy = proxy(httpRoot(), "HTTP_PROXY", withCredentials, "HTTPS_PROXY", withCredentials);
        RawResponse http = RawResponse.request(proxy.port(), "GET", "/api/queue/v1/echo/with-proxy-credentials");
        assertEquals(200, http.status(), http.body());
        guarded.awaitLine(line -> line.contains("GET " + httpRoot() + "/api/queue/v1/echo/with-proxy-credentials "), Duration.ofSeconds(5));
        long before = connects(guarded, QUEUE);
        assertVerifiedByTheHttpsDeployment(RawResponse.request(proxy.port(), "GET", "/" + QUEUE + "/api/queue/v1/with-proxy-credentials"),
                "/api/queue/v1/with-proxy-credentials");
        awaitConnect(guarded, QUEUE, before);
        String shown = "http://" + PROXY_USER + ":xxxxx@127.0.0.1:" + guarded.port();
        proxy.awaitLine(line -> line.contains("https targets through " + shown + " (from HTTPS_PROXY), http targets through "
                + shown + " (from HTTP_PROXY)"), Duration.ofSeconds(5));
        for (String line : proxy.stderr()) {
            assertFalse(line.contains(PROXY_PASSWORD) || line.contains(PROXY_PASSWORD_IN_URL), line);
        }
    }

    /** The task's scopes are fetched at start-up through the proxy too, with its credentials. */
    @Test
    void theTasksScopesAreFetchedThroughTheProxy() throws Exception {
        String withCredentials = "http://" + PROXY_USER + ":" + PROXY_PASSWORD_IN_URL + "@127.0.0.1:" + guarded.port();
        ProxyProcess proxy = proxies.start(options(httpRoot(), "HTTP_PROXY", withCredentials).args("--task-id", "EgressTask00000000000"));
        proxy.awaitLine(line -> line.contains("task EgressTask00000000000 has 1 scope(s)"), Duration.ofSeconds(5));
        guarded.awaitLine(line -> line.contains("GET " + httpRoot() + "/api/queue/v1/task/EgressTask00000000000 "), Duration.ofSeconds(5));
    }

    /** tinyproxy answers 407 when a request has no credentials (and, not as RFC 9110 says, 401 to wrong ones). */
    @Test
    void aProxyThatWantsCredentialsIsA502SayingSo() throws Exception {
        ProxyProcess without = proxy(httpRoot(), "HTTP_PROXY", guarded.url(), "HTTPS_PROXY", guarded.url());
        RawResponse http = RawResponse.request(without.port(), "GET", "/api/queue/v1/echo/no-credentials");
        assertEquals(502, http.status(), http.body());
        assertTrue(http.body().endsWith("failed after 1 attempt: the egress proxy " + guarded.url() + " (from HTTP_PROXY) answered"
                + " 407 Proxy Authentication Required: HTTP_PROXY has no credentials\n"), http.body());
        RawResponse https = RawResponse.request(without.port(), "GET", "/" + QUEUE + "/api/queue/v1/no-credentials");
        assertEquals(502, https.status(), https.body());
        assertTrue(https.body().endsWith("failed after 1 attempt: the egress proxy " + guarded.url() + " (from HTTPS_PROXY) answered"
                + " 407 Proxy Authentication Required: HTTPS_PROXY has no credentials\n"), https.body());

        String wrong = "wrong-" + UUID.randomUUID().toString().replace("-", "");
        Secrets.register(wrong);
        ProxyProcess refused = proxy(httpRoot(), "HTTPS_PROXY", "http://" + PROXY_USER + ":" + wrong + "@127.0.0.1:" + guarded.port());
        RawResponse tunnel = RawResponse.request(refused.port(), "GET", "/" + QUEUE + "/api/queue/v1/wrong-credentials");
        assertEquals(502, tunnel.status(), tunnel.body());
        assertTrue(tunnel.body().endsWith("failed after 1 attempt: the egress proxy http://" + PROXY_USER + ":xxxxx@127.0.0.1:"
                + guarded.port() + " (from HTTPS_PROXY) did not open a tunnel to the upstream: it answered CONNECT with 401\n"),
                tunnel.body());
        for (String line : refused.stderr()) {
            assertFalse(line.contains(wrong), line);
        }
    }

    /** Guards against the test passing for the wrong reason: without the proxy variables nothing reaches tinyproxy. */
    @Test
    void withoutTheVariablesNothingGoesThroughTheProxy() throws Exception {
        ProxyProcess proxy = proxy(httpRoot());
        RawResponse http = RawResponse.request(proxy.port(), "GET", "/api/queue/v1/echo/no-variables");
        assertEquals(200, http.status(), http.body());
        assertNotThroughTinyproxy("no-variables");
        assertTrue(proxy.stderr().stream().noneMatch(line -> line.contains("egress proxies")), String.join("\n", proxy.stderr()));
    }
}
