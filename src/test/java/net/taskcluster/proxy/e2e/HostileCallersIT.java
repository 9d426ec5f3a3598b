package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawConnection;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.ScriptedUpstream;
import net.taskcluster.proxy.testing.Secrets;
import net.taskcluster.proxy.testing.WithFakeDeployment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Callers that misbehave, on purpose or not, against the real launcher over real sockets: heads and bodies over
 * the limits, malformed request targets, forward-proxy requests, Expect: 100-continue, pipelining, and a thousand
 * connections that hold on without asking anything. Bad input gets a 4xx that says what is wrong (and is never
 * forwarded), a refused credential update changes nothing, no answer shows a trace of Java, and the proxy keeps
 * serving.
 */
class HostileCallersIT extends WithFakeDeployment {
    private static final int MAX_HEAD = 16 * 1024;
    private static final int MAX_SMALL_BODY = 64 * 1024;
    /** A Java stack trace, an exception's class name, or a qualified class name of the JDK or Jetty. */
    private static final Pattern JAVA_TRACE = Pattern.compile(
            "\tat |\\bat [\\w$.]+\\(|Exception|Throwable|(?<![\\w.])(java|javax|jdk|sun|org\\.eclipse\\.jetty)\\.\\w");

    private ProxyProcess proxy;
    private int port;

    @BeforeAll
    void start() throws Exception {
        proxy = proxies.start(proxy()
                .args("--max-buffered-body", "16k"));
        port = proxy.port();
    }

    // --- request heads over 16 KiB ---

    @Test
    void headersOver16KiBInTotalAre431AndNotForwarded() {
        StringBuilder headers = new StringBuilder();
        for (int i = 0; headers.length() <= MAX_HEAD; i++) {
            headers.append(String.format("X-Filler-%03d: %s\r\n", i, "f".repeat(100)));
        }
        assertHeadTooLarge(headers.toString());
        assertStillServing();
    }

    @Test
    void oneHeaderLineOver16KiBIs431AndNotForwarded() {
        assertHeadTooLarge("X-Big: " + "b".repeat(MAX_HEAD + 1) + "\r\n");
        assertStillServing();
    }

    @Test
    void headersJustUnderTheLimitAreForwarded() throws Exception {
        String filler = "g".repeat(12 * 1024);
        RawResponse response = checked(RawResponse.request(port, "GET", "/api/test/v1/echo/big-head", "X-Big: " + filler));
        assertEquals(200, response.status(), response.body());
        assertEquals(filler, headersReceived(response).get("x-big"));
    }

    private void assertHeadTooLarge(String headerLines) {
        int before = upstream.authLog().size();
        try (RawConnection connection = RawConnection.open(port)) {
            // written by another thread: the proxy answers before it has read everything, and then closes
            connection.writeInBackground(("GET /api/test/v1/echo/too-large HTTP/1.1\r\nHost: taskcluster\r\n" + headerLines
                    + "\r\n").getBytes(StandardCharsets.US_ASCII));
            RawResponse response = checked(connection.read());
            assertEquals(431, response.status(), response.body());
            assertEquals("text/plain; charset=utf-8", response.header("Content-Type"));
            assertTrue(response.body().contains("431 Request Header Fields Too Large"), response.body());
            assertTrue(connection.isClosedByServer(), "the connection is closed after a 431");
        }
        assertEquals(before, upstream.authLog().size(), "nothing reached the upstream");
    }

    // --- /credentials and /bewit bodies over 64 KiB ---

    @ParameterizedTest(name = "chunked: {0}")
    @ValueSource(booleans = {false, true})
    void aCredentialsBodyOver64KiBIs413AndTheCredentialsStay(boolean chunked) {
        // Valid credentials of another client: only the size is wrong with them.
        String body = limitedCredentialsPaddedTo(MAX_SMALL_BODY + 1000);
        RawResponse response = sendBody("PUT", "/credentials", body.getBytes(StandardCharsets.UTF_8), chunked);
        assertEquals(413, response.status(), response.body());
        assertEquals("request body larger than 65536 bytes\n", response.body());
        assertSigningAs("project/issuer");
    }

    /**
     * JSON nested deeper than the parser's limit is refused before the reader's recursion can overflow the stack:
     * the first try used to be a 400, later ones (once compiled code took fewer checks) a 500 with a
     * StackOverflowError's thousand-line trace in the log. Objects nest deeper per stack frame than arrays.
     */
    @ParameterizedTest(name = "depth {0}")
    @ValueSource(ints = {10, 1_000, 2_000, 100_000})
    void deeplyNestedCredentialsAreRefusedEveryTimeAndTheCredentialsStay(int depth) {
        String nested = "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
        byte[] body = ("{\"clientId\":" + nested + ",\"accessToken\":\"x\"}").getBytes(StandardCharsets.UTF_8);
        int before = proxy.stderr().size();
        for (int i = 0; i < 8; i++) {
            RawResponse response = checked(sendBody("PUT", "/credentials", body, false));
            if (body.length > MAX_SMALL_BODY) { // refused on its size, before a byte of it is parsed
                assertEquals(413, response.status(), response.body());
            } else {
                assertEquals(400, response.status(), response.body());
                assertTrue(response.body().startsWith(depth > 100
                        ? "invalid credentials: the body is JSON beyond the parser's limits"
                        : "invalid credentials: \"clientId\" must be a non-empty string"), response.body());
            }
            assertEquals("project/issuer", response.header("X-Taskcluster-Proxy-Perm-ClientId"));
        }
        assertSigningAs("project/issuer");
        List<String> lines = proxy.stderr();
        for (String line : lines.subList(before, lines.size())) {
            assertFalse(JAVA_TRACE.matcher(line).find(), "a trace of Java in the proxy's log: " + line);
        }
    }

    /** A task definition nested 100,000 deep, fetched with --task-id: refused at start-up with a reason. */
    @Test
    void aDeeplyNestedTaskDefinitionStopsTheStartWithAReasonAndNoTrace() throws Exception {
        int depth = 100_000;
        String task = "{\"scopes\":[],\"payload\":" + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) + "}";
        try (ScriptedUpstream queue = new ScriptedUpstream((request, out) -> out.write(ScriptedUpstream.answer("200 OK",
                "Content-Type: application/json\r\n", task)));
                ProxyProcess started = new ProxyProcess.Options().rootUrl(queue.rootUrl())
                        .credentials(clients.issuer.clientId(), clients.issuer.accessToken(), null)
                        .args("--task-id", "DeepTask000000000000A").start()) {
            assertEquals(1, started.awaitExit(java.time.Duration.ofSeconds(60)));
            String stderr = String.join("\n", started.stderr());
            assertTrue(stderr.contains("JSON beyond the parser's limits (numbers up to 1000 digits, nesting up to 100 deep)"), stderr);
            for (String line : started.stderr()) {
                assertFalse(JAVA_TRACE.matcher(line).find(), "a trace of Java in the proxy's log: " + line);
            }
        }
    }

    @Test
    void aCredentialsBodyOf64KiBIsStillRead() {
        try {
            RawResponse response = sendBody("PUT", "/credentials",
                    limitedCredentialsPaddedTo(MAX_SMALL_BODY).getBytes(StandardCharsets.UTF_8), true);
            assertEquals(200, response.status(), response.body());
            assertSigningAs("project/limited");
        } finally {
            restoreIssuerCredentials();
        }
    }

    @Test
    void anOversizedCredentialsBodyAnnouncedWithExpectIsRefusedBeforeItIsSent() {
        byte[] body = limitedCredentialsPaddedTo(MAX_SMALL_BODY + 1).getBytes(StandardCharsets.UTF_8);
        try (RawConnection connection = RawConnection.open(port)) {
            connection.write("PUT /credentials HTTP/1.1\r\nHost: taskcluster\r\nExpect: 100-continue\r\nContent-Length: "
                    + body.length + "\r\n\r\n");
            RawResponse response = checked(connection.read()); // no 100 Continue first: the body is not wanted
            assertEquals(413, response.status(), response.body());
        }
        assertSigningAs("project/issuer");
    }

    @ParameterizedTest(name = "chunked: {0}")
    @ValueSource(booleans = {false, true})
    void aBewitBodyOver64KiBIs413(boolean chunked) {
        String url = "https://example.com/x?q=" + "a".repeat(MAX_SMALL_BODY);
        RawResponse response = sendBody("POST", "/bewit", url.getBytes(StandardCharsets.UTF_8), chunked);
        assertEquals(413, response.status(), response.body());
        assertEquals("request body larger than 65536 bytes\n", response.body());
        assertNull(response.header("Location"));
        assertStillServing();
    }

    /** {"clientId": "project/limited", "accessToken": ..., "padding": "ppp..."}, exactly {@code length} bytes. */
    private String limitedCredentialsPaddedTo(int length) {
        String start = "{\"clientId\":\"project/limited\",\"accessToken\":\"" + clients.limited.accessToken() + "\",\"padding\":\"";
        return start + "p".repeat(length - start.length() - 2) + "\"}";
    }

    /** Sends the body with a Content-Length, or chunked (8 KiB chunks), from another thread; reads the answer. */
    private RawResponse sendBody(String method, String target, byte[] body, boolean chunked) {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes((method + " " + target + " HTTP/1.1\r\nHost: taskcluster\r\nConnection: close\r\n"
                + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.length + "\r\n") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        request.writeBytes(chunked ? chunked(body) : body);
        try (RawConnection connection = RawConnection.open(port)) {
            connection.writeInBackground(request.toByteArray());
            return checked(connection.read());
        }
    }

    private static byte[] chunked(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int at = 0; at < body.length; at += 8192) {
            int length = Math.min(8192, body.length - at);
            out.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, at, length);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    // --- malformed request targets ---

    @ParameterizedTest
    @CsvSource({
        "/api/test/v1/echo/%zz, %zz",
        "/api/test/v1/echo/%, %",
        "/api/test/v1/echo/%2, %2",
        "/api/test/v1/echo/a%2g/b, %2g",
        "/api/test/v1/echo/%u0041, %u0",
        "/api/test/v1/echo/x?q=%zz, %zz",
        "/api/test/v1/echo/x?q=%, %",
        "/api/test/v1/echo/x?q=%2, %2",
        "/bewit%zz, %zz",
        "/credentials?%2, %2",
    })
    void aMalformedPercentEscapeIs400NamingItAndNotForwarded(String target, String escape) {
        RawResponse response = notForwarded(() -> RawResponse.request(port, "GET", target));
        assertEquals(400, response.status(), response.body());
        assertEquals("text/plain; charset=utf-8", response.header("Content-Type"));
        assertTrue(response.body().contains("the request target has a malformed percent-escape \"" + escape + "\""),
                response.body());
    }

    static Stream<Arguments> controlCharacters() {
        return Stream.of(
                Arguments.of("/api/test/v1/echo/a\u0001b", "Illegal character CNTL=0x1"),
                Arguments.of("/api/test/v1/echo/a\u007fb", "Illegal character CNTL=0x7f"),
                Arguments.of("/api/test/v1/echo/a\u0000b", "Illegal character CNTL=0x0"),
                Arguments.of("/api/test/v1/echo/a?q=\u0001", "Illegal character CNTL=0x1"),
                Arguments.of("/api/test/v1/echo/a\tb", "Illegal character HTAB=0x9"),
                Arguments.of("/api/test/v1/echo/a\rb", "Bad EOL"));
    }

    @ParameterizedTest
    @MethodSource("controlCharacters")
    void aControlCharacterInTheTargetIs400NamingItAndNotForwarded(String target, String problem) {
        RawResponse response = notForwarded(() -> RawResponse.request(port, "GET", target));
        assertEquals(400, response.status(), response.body());
        assertEquals("text/plain; charset=utf-8", response.header("Content-Type"));
        assertTrue(response.body().contains(problem), response.body());
    }

    // --- forward-proxy requests ---

    @Test
    void connectIs400AndTheConnectionIsClosed() {
        RawResponse response = notForwarded(() -> {
            try (RawConnection connection = RawConnection.open(port)) {
                // a client sure of its tunnel sends its TLS hello at once: it must not be read as a request
                connection.write("CONNECT queue.taskcluster.net:443 HTTP/1.1\r\nHost: queue.taskcluster.net:443\r\n\r\n"
                        + "\u0016\u0003\u0001\u0000\u0005hello");
                RawResponse answer = checked(connection.read());
                assertTrue(connection.isClosedByServer(), "the connection is closed after CONNECT");
                return answer;
            }
        });
        assertEquals(400, response.status(), response.body());
        assertEquals("close", response.header("Connection"));
        assertEquals("CONNECT is not supported: this is not a forward proxy\n", response.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://queue.taskcluster.net/api/queue/v1/ping", "https://queue.taskcluster.net/api/queue/v1/ping",
        "http://127.0.0.1:UPSTREAM/api/test/v1/echo/absolute"})
    void anAbsoluteFormTargetIs400AndTheConnectionIsClosed(String target) {
        String absolute = target.replace("UPSTREAM", String.valueOf(upstream.port()));
        String host = absolute.substring(absolute.indexOf("//") + 2, absolute.indexOf('/', absolute.indexOf("//") + 2));
        RawResponse response = notForwarded(() -> {
            try (RawConnection connection = RawConnection.open(port)) {
                connection.write("GET " + absolute + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
                RawResponse answer = checked(connection.read());
                assertTrue(connection.isClosedByServer(), "the connection is closed after an absolute-form request");
                return answer;
            }
        });
        response.assertAnswers(400, "absolute-form request targets are not supported: this is not a forward proxy");
    }

    // --- Expect: 100-continue ---

    @ParameterizedTest
    @CsvSource({
        "PUT, 1000, false",        // up to --max-buffered-body (16k here): buffered for retries
        "POST, 200000, false",     // over it: streamed
        "POST, 200000, true",      // chunked: streamed
    })
    void aProxiedBodySentAfter100ContinueArrivesWhole(String method, int length, boolean chunked) throws Exception {
        byte[] body = new byte[length];
        new Random(length).nextBytes(body);
        try (RawConnection connection = RawConnection.open(port)) {
            connection.write(method + " /api/test/v1/echo/continue HTTP/1.1\r\nHost: taskcluster\r\nExpect: 100-continue\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + length + "\r\n") + "\r\n");
            RawResponse interim = checked(connection.read());
            assertEquals(100, interim.status(), "100 Continue comes before the body is sent");

            connection.write(chunked ? chunked(body) : body);
            RawResponse response = checked(connection.read());
            assertEquals(200, response.status(), response.body());
            Map<String, Object> echo = json(response);
            assertEquals(method, echo.get("method"));
            @SuppressWarnings("unchecked")
            Map<String, Object> received = (Map<String, Object>) echo.get("body");
            assertEquals(length, ((Number) received.get("length")).intValue());
            assertEquals(sha256(body), received.get("sha256"));
            assertFalse(headersReceived(response).containsKey("expect"), "Expect is not forwarded");
        }
    }

    @Test
    void aCredentialsUpdateSentAfter100ContinueIsApplied() {
        byte[] body = ("{\"clientId\":\"project/limited\",\"accessToken\":\"" + clients.limited.accessToken() + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        try (RawConnection connection = RawConnection.open(port)) {
            connection.write("PUT /credentials HTTP/1.1\r\nHost: taskcluster\r\nExpect: 100-continue\r\nContent-Length: "
                    + body.length + "\r\n\r\n");
            RawResponse interim = checked(connection.read());
            assertEquals(100, interim.status(), "100 Continue comes before the body is sent");
            connection.write(body);
            RawResponse response = checked(connection.read());
            assertEquals(200, response.status(), response.body());
            assertSigningAs("project/limited");
        } finally {
            restoreIssuerCredentials();
        }
    }

    // --- pipelining ---

    @Test
    void pipelinedRequestsAreAllAnsweredInOrder() throws Exception {
        String url = upstream.rootUrl() + "/api/test/v1/echo/signed?b=2&a=1";
        try (RawConnection connection = RawConnection.open(port)) {
            connection.write("GET /api/test/v1/echo/first HTTP/1.1\r\nHost: taskcluster\r\n\r\n"
                    + "POST /bewit HTTP/1.1\r\nHost: taskcluster\r\nContent-Length: " + url.length() + "\r\n\r\n" + url
                    + "PUT /api/test/v1/echo/third?x=3 HTTP/1.1\r\nHost: taskcluster\r\nContent-Length: 5\r\n\r\nhello"
                    + "GET /api/test/v1/echo/fourth HTTP/1.1\r\nHost: taskcluster\r\nConnection: close\r\n\r\n");

            RawResponse first = checked(connection.read());
            assertEquals(200, first.status(), first.body());
            assertEquals("GET", json(first).get("method"));
            assertEquals("/api/test/v1/echo/first", json(first).get("target"));

            RawResponse bewit = checked(connection.read());
            assertEquals(303, bewit.status(), bewit.body());
            String signed = bewit.body();
            Secrets.register(signed.substring(signed.indexOf("bewit=") + 6));
            assertTrue(signed.startsWith(url + "&bewit="), signed);
            assertEquals(signed, bewit.header("Location"));

            RawResponse third = checked(connection.read());
            assertEquals(200, third.status(), third.body());
            Map<String, Object> echo = json(third);
            assertEquals("PUT", echo.get("method"));
            assertEquals("/api/test/v1/echo/third?x=3", echo.get("target"));
            assertEquals(Map.of("length", 5, "sha256", sha256("hello".getBytes(StandardCharsets.US_ASCII))), echo.get("body"));

            RawResponse fourth = checked(connection.read());
            assertEquals(200, fourth.status(), fourth.body());
            assertEquals("/api/test/v1/echo/fourth", json(fourth).get("target"));
            assertTrue(connection.isClosedByServer(), "closed after the request that said Connection: close");
        }
    }

    // --- connections that hold on ---

    @Test
    void aNewCallerIsServedWhileAThousandIdleAndAHundredSlowLorisConnectionsStayOpen() throws Exception {
        List<RawConnection> idle = new ArrayList<>();
        List<RawConnection> slow = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread driver = null;
        try {
            for (int i = 0; i < 1000; i++) {
                idle.add(RawConnection.open(port));
            }
            // Slow loris: a request head that never ends, one more byte of a header on every connection every 100 ms.
            for (int i = 0; i < 100; i++) {
                slow.add(RawConnection.open(port).write("GET /api/test/v1/echo/slow HTTP/1.1\r\nHost: taskcluster\r\nX-Slow: "));
            }
            CountDownLatch twoRounds = new CountDownLatch(2);
            AtomicReference<Throwable> driverFailure = new AtomicReference<>();
            AtomicInteger sent = new AtomicInteger();
            driver = Thread.ofVirtual().name("slow-loris").start(() -> {
                try {
                    while (!stop.get()) {
                        for (RawConnection connection : slow) {
                            connection.write("s");
                        }
                        sent.incrementAndGet();
                        twoRounds.countDown();
                        Thread.sleep(100); // pacing, as a slow loris does: nothing waits on it
                    }
                } catch (Throwable e) {
                    driverFailure.set(e);
                    twoRounds.countDown();
                    twoRounds.countDown();
                }
            });
            assertTrue(twoRounds.await(60, TimeUnit.SECONDS), "the slow loris started");
            assertNull(driverFailure.get());

            // Accepted after all the others (one listen queue, served in order), and answered while they hold on.
            RawResponse fresh = checked(RawResponse.request(port, "GET", "/api/test/v1/echo/fresh"));
            assertEquals(200, fresh.status(), fresh.body());
            assertEquals("/api/test/v1/echo/fresh", json(fresh).get("target"));

            assertNull(driverFailure.get(), "every slow-loris byte was written");
            int idleClosed = 0;
            for (RawConnection connection : idle) {
                idleClosed += connection.isOpenAndSilent() ? 0 : 1;
            }
            int slowClosed = 0;
            for (RawConnection connection : slow) {
                slowClosed += connection.isOpenAndSilent() ? 0 : 1;
            }
            assertEquals(0, idleClosed, "idle connections closed or answered while the new caller was served");
            assertEquals(0, slowClosed, "slow-loris connections closed or answered while the new caller was served");

            // The slow callers were being served all along: once their heads end, each gets its answer.
            stop.set(true);
            driver.join();
            assertNull(driverFailure.get());
            for (RawConnection connection : slow) {
                connection.write("\r\nConnection: close\r\n\r\n");
            }
            for (RawConnection connection : slow) {
                RawResponse answer = checked(connection.read());
                assertEquals(200, answer.status(), answer.body());
                assertEquals("/api/test/v1/echo/slow", json(answer).get("target"));
                String received = headersReceived(answer).get("x-slow");
                assertEquals("s".repeat(sent.get()), received);
            }
        } finally {
            stop.set(true);
            if (driver != null) {
                driver.join();
            }
            idle.forEach(RawConnection::close);
            slow.forEach(RawConnection::close);
        }
        assertStillServing();
    }

    // --- helpers ---

    // --- requests refused while parsing are logged, in one escaped line ---

    static Stream<Arguments> refusedWhileParsing() {
        return Stream.of(
                // what is sent (after the request line "GET /api/test/v1/echo/<mark>"), status, what the line says
                Arguments.of(" HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                        400, "Transfer-Encoding and Content-Length"),
                Arguments.of(" HTTP/1.1\r\nHost: a\r\nX-Filler: " + "f".repeat(MAX_HEAD) + "\r\n\r\n", 431, "431 Request Header Fields Too Large"),
                Arguments.of("/" + "u".repeat(MAX_HEAD) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, "414 URI Too Long"),
                Arguments.of(" HTTP/7.1\r\nHost: a\r\n\r\n", 505, "505 Unknown Version"),
                Arguments.of("\u001b[2J\u001b]0;owned\u0007 HTTP/1.1\r\nHost: a\r\n\r\n", 400, "\\x1b[2J"),
                Arguments.of("\rINFO forged line HTTP/1.1\r\nHost: a\r\n\r\n", 400, "400 Bad EOL"),
                Arguments.of("\u00ff\u00fe\u0085 HTTP/1.1\r\nHost: a\r\nHost: b\u00ff\u009b[31m\r\n\r\n", 400,
                        "400 Duplicate Host Header; request line \"GET /api/test/v1/echo/MARK\\xff\\xfe\\x85 HTTP/1.1\""),
                Arguments.of(" HTTP/1.1\r\nHost: a\r\nX-Evil: a\u001b[31mred\r\n\r\n", 400, "Illegal character CNTL=0x1b"));
    }

    /**
     * The bytes are sent as they are (each character one byte); the refusal is logged in one line that names the
     * request, with every control byte and every byte outside ASCII escaped, and no line of the log holds one raw.
     */
    @ParameterizedTest
    @MethodSource("refusedWhileParsing")
    void aRequestRefusedWhileParsingLeavesOneEscapedLogLine(String rest, int status, String logged) throws Exception {
        String mark = "mark-" + java.util.UUID.randomUUID();
        byte[] request = ("GET /api/test/v1/echo/" + mark + rest).getBytes(StandardCharsets.ISO_8859_1);
        RawResponse response = notForwarded(() -> {
            try (RawConnection connection = RawConnection.open(port)) {
                connection.writeInBackground(request);
                return connection.read();
            }
        });
        assertEquals(status, response.status(), response.body());
        String line = proxy.awaitLine(l -> l.contains("refused while reading the request") && l.contains(mark),
                java.time.Duration.ofSeconds(10));
        assertTrue(line.replace(mark, "MARK").contains(logged), line);
        assertTrue(line.contains(" " + status + " "), line);
        for (String any : proxy.stderr()) {
            assertNull(LogAuditIT.unescapedCharacter(any), any);
        }
    }

    /** Every answer of this class passes through here: none may show a stack trace or a Java class. */
    private static RawResponse checked(RawResponse response) {
        assertFalse(JAVA_TRACE.matcher(response.body()).find(), "an answer with a trace of Java in it: " + response.body());
        return response;
    }

    /** Runs the request and checks that nothing reached the upstream meanwhile; returns the (checked) answer. */
    private RawResponse notForwarded(java.util.function.Supplier<RawResponse> request) {
        int before = upstream.authLog().size();
        RawResponse response = checked(request.get());
        assertEquals(before, upstream.authLog().size(), "nothing reached the upstream");
        assertNull(response.header("X-Taskcluster-Endpoint"));
        return response;
    }

    /** A proxied request succeeds, signed with the credentials of {@code clientId}, which the answer names too. */
    private void assertSigningAs(String clientId) {
        RawResponse response = checked(RawResponse.request(port, "GET", "/api/test/v1/echo/whoami"));
        assertEquals(200, response.status(), response.body());
        assertEquals(clientId, response.header("X-Taskcluster-Proxy-Perm-ClientId"));
        assertEquals(clientId, json(response).get("clientId"));
        List<Map<String, Object>> log = upstream.authLog();
        Map<String, Object> last = log.get(log.size() - 1);
        assertEquals(true, last.get("ok"), last.toString());
        assertEquals(clientId, last.get("clientId"));
    }

    private void assertStillServing() {
        assertSigningAs("project/issuer");
    }

    private void restoreIssuerCredentials() {
        String body = "{\"clientId\":\"project/issuer\",\"accessToken\":\"" + clients.issuer.accessToken() + "\"}";
        assertEquals(200, checked(RawResponse.withBody(port, "PUT", "/credentials", body)).status());
    }

    private static Map<String, Object> json(RawResponse response) {
        try {
            return JSON.std.mapFrom(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    /** The headers the upstream received, as the fake deployment's echo reports them (names in lower case). */
    @SuppressWarnings("unchecked")
    private static Map<String, String> headersReceived(RawResponse echoResponse) {
        return (Map<String, String>) (Map<String, ?>) json(echoResponse).get("headers");
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
