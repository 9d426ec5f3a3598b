package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import net.taskcluster.proxy.testing.ClassProxies;
import net.taskcluster.proxy.testing.JettyUpstream;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.TestCa;
import net.taskcluster.proxy.testing.TestClients;
import net.taskcluster.proxy.testing.TlsUpstream;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An h2 upstream that resets its stream (RST_STREAM) or closes its connection (GOAWAY): in the middle of an answer,
 * the caller's answer is cut, never complete-looking, and the next request is served; before any answer, the
 * request is retried like any connection failure, and once the budget is spent the 502 says which it was. The
 * upstream is a Jetty h2 server in the test JVM, so that the test itself says when it fails: after the caller has
 * its first bytes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Http2FailuresIT {
    private static final String HOST = "failing.tc-h2.example";
    private static final int LENGTH = 1 << 20;

    @TempDir
    static Path directory;
    private final TestClients clients = new TestClients();
    @RegisterExtension
    final ClassProxies proxies = new ClassProxies();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    /** Completed by a test once its caller has the first bytes of the answer: the upstream then fails. */
    private final Map<String, CompletableFuture<Void>> proceed = new ConcurrentHashMap<>();
    private JettyUpstream upstream;
    private int port;
    private int noRetryPort;

    @BeforeAll
    void start() throws Exception {
        TestCa ca = TestCa.create(directory);
        upstream = JettyUpstream.startHttp2("127.0.0.1", 0, ca.serverKeystore("failing", "dns:" + HOST),
                TlsUpstream.PASSWORD, new Failing());
        Path hosts = Files.writeString(directory.resolve("hosts"), "127.0.0.1 " + HOST + "\n");
        port = proxies.start(proxy(ca, hosts, "5s")).port();
        noRetryPort = proxies.start(proxy(ca, hosts, "0s")).port();
    }

    private ProxyProcess.Options proxy(TestCa ca, Path hosts, String retryBudget) {
        return new ProxyProcess.Options().rootUrl("https://" + HOST + ":" + upstream.port())
                .credentials(clients.issuer.clientId(), clients.issuer.accessToken(), null)
                .env("SSL_CERT_FILE", ca.pem().toString()).javaOptions("-Djdk.net.hosts.file=" + hosts)
                .args("--retry-budget", retryBudget);
    }

    @AfterAll
    void stop() throws Exception {
        proxies.closeAll();
        upstream.close();
    }

    /**
     * /api/fail/v1/{ok | reset-mid-answer | goaway-mid-answer | reset-first | goaway-first | reset-always |
     * goaway-always}/key. Mid-answer: the head (Content-Length 1 MiB) and 64 KiB, then, once the test says so,
     * the failure. First: the first call for the key fails before any answer, later ones answer "ok".
     */
    private final class Failing extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String[] path = Request.getPathInContext(request).split("/");
            String what = path[4];
            String key = path.length > 5 ? path[5] : "";
            int call = calls.computeIfAbsent(what + "/" + key, k -> new AtomicInteger()).incrementAndGet();
            boolean reset = what.startsWith("reset");
            if (what.endsWith("mid-answer")) {
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, LENGTH);
                response.write(false, ByteBuffer.allocate(64 * 1024), Callback.from(
                        () -> proceed.computeIfAbsent(key, k -> new CompletableFuture<>())
                                .thenRun(() -> fail(request, reset, ErrorCode.INTERNAL_ERROR, true)),
                        callback::failed));
            } else if (what.endsWith("always") || (what.endsWith("first") && call == 1)) {
                fail(request, reset, reset ? ErrorCode.REFUSED_STREAM_ERROR : ErrorCode.NO_ERROR, false);
            } else {
                Content.Sink.write(response, true, "ok", callback);
            }
            return true;
        }

        /**
         * RST_STREAM for this request's stream; or GOAWAY. Once the answer has begun, the GOAWAY names this stream
         * as the last one the server took, and the connection is closed after it (as a server that goes away does;
         * Jetty's would wait for the client to close it). Before, it names none, so the client knows that the
         * request was not taken and can be sent again.
         */
        private void fail(Request request, boolean reset, ErrorCode error, boolean answering) {
            HTTP2Session session = ((HTTP2Connection) request.getConnectionMetaData().getConnection()).getSession();
            int id = Integer.parseInt(request.getId());
            if (reset) {
                session.getStream(id).reset(new ResetFrame(id, error.code), Callback.NOOP);
                return;
            }
            EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
            session.goAway(new GoAwayFrame(answering ? id : 0, error.code, null), answering ? Callback.from(endPoint::close) : Callback.NOOP);
        }
    }

    /** The caller gets the head and the first bytes; then the upstream fails, and the rest never comes. */
    private void assertCutMidAnswer(String what) throws Exception {
        String key = what + "-" + System.nanoTime();
        try (Socket caller = new Socket(InetAddress.getLoopbackAddress(), port)) {
            caller.setSoTimeout(30_000);
            caller.getOutputStream().write(("GET /api/fail/v1/" + what + "/" + key + " HTTP/1.1\r\nHost: taskcluster\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = caller.getInputStream();
            String head = RawResponse.readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            assertTrue(head.contains("Content-Length: " + LENGTH), head);
            assertTrue(in.read(new byte[1024]) > 0);
            proceed.computeIfAbsent(key, k -> new CompletableFuture<>()).complete(null);
            long total = 0;
            try {
                for (int n; (n = in.read(new byte[1 << 16])) > 0; ) {
                    total += n;
                }
            } catch (IOException cut) {
                // a reset is as good as an early end
            }
            assertTrue(total < LENGTH - 1024, "the answer was cut, not completed: " + total);
        }
        assertEquals(200, RawResponse.request(port, "GET", "/api/fail/v1/ok").status(), "the next request is served");
    }

    @Test
    void aStreamResetMidAnswerCutsTheCallersAnswer() throws Exception {
        assertCutMidAnswer("reset-mid-answer");
    }

    @Test
    void aGoawayMidAnswerCutsTheCallersAnswer() throws Exception {
        assertCutMidAnswer("goaway-mid-answer");
    }

    @Test
    void aResetOrGoawayBeforeTheAnswerIsRetried() throws Exception {
        for (String what : new String[] {"reset-first", "goaway-first"}) {
            RawResponse response = RawResponse.request(port, "GET", "/api/fail/v1/" + what + "/retried");
            assertEquals(200, response.status(), what + ": " + response.body());
            assertEquals("ok", response.body());
            assertEquals(2, calls.get(what + "/retried").get(), what);
        }
    }

    @Test
    void theBadGatewaySaysWhichItWas() throws Exception {
        RawResponse.request(noRetryPort, "GET", "/api/fail/v1/reset-always/x")
                .assertAnswers(502, "the upstream reset the HTTP/2 stream (refused_stream_error)");
        RawResponse.request(noRetryPort, "GET", "/api/fail/v1/goaway-always/x")
                .assertAnswers(502, "the HTTP/2 connection was closed (GOAWAY) before the upstream took the request");
    }
}
