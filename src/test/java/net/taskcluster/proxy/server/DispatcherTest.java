package net.taskcluster.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.taskcluster.proxy.cli.Cli;
import net.taskcluster.proxy.testing.InJvmProxy;
import net.taskcluster.proxy.testing.JettyUpstream;
import net.taskcluster.proxy.testing.RawResponse;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every route, dispatched by a proxy server in this JVM to an upstream in this JVM that answers with the target it
 * received: forwarded forms, the proxy's own endpoints, and refusals. (CONNECT and absolute-form targets are
 * refused while the request line is parsed: HostileCallersIT.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DispatcherTest {
    private JettyUpstream upstream;
    private InJvmProxy proxy;
    private int port;

    @BeforeAll
    void start() throws Exception {
        upstream = JettyUpstream.start(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Content.Sink.write(response, true, "upstream saw " + request.getMethod() + " " + request.getHttpURI().getPathQuery(), callback);
                return true;
            }
        });
        proxy = InJvmProxy.start(upstream.rootUrl(), "--client-id", "test/dispatcher", "--access-token",
                "dispatcher-test-token-not-secret", "--retry-budget", "0s");
        port = proxy.port();
    }

    @AfterAll
    void stop() throws Exception {
        proxy.close();
        upstream.close();
    }

    @Test
    void theApiFormIsForwardedAsItIs() {
        RawResponse response = RawResponse.request(port, "GET", "/api/queue/v1/task/abc?x=1");
        assertEquals(200, response.status());
        assertEquals("upstream saw GET /api/queue/v1/task/abc?x=1", response.body());
    }

    @Test
    void theShortcutFormGetsItsApiPrefix() {
        RawResponse response = RawResponse.request(port, "POST", "/queue/v1/task/abc");
        assertEquals("upstream saw POST /api/queue/v1/task/abc", response.body());
    }

    @Test
    void theHostnameFormGoesToThatHostOverHttps() {
        RawResponse response = RawResponse.request(port, "GET", "/tc.example.invalid/v1/x");
        assertEquals(502, response.status(), "nothing resolves there: " + response.body());
        assertEquals("https://tc.example.invalid/v1/x", response.header("X-Taskcluster-Endpoint"));
    }

    @Test
    void bewitSignsTheUrlOfTheBody() {
        RawResponse response = RawResponse.withBody(port, "POST", "/bewit", "https://tc.example.com/api/queue/v1/x");
        assertEquals(303, response.status());
        assertTrue(response.header("Location").startsWith("https://tc.example.com/api/queue/v1/x?bewit="), response.header("Location"));
    }

    @Test
    void credentialsTakesAPutOnly() {
        assertEquals(405, RawResponse.request(port, "GET", "/credentials").status());
        RawResponse bad = RawResponse.withBody(port, "PUT", "/credentials", "{}");
        assertEquals(400, bad.status());
        assertTrue(bad.body().startsWith("invalid credentials: "), bad.body());
    }

    @Test
    void unknownRoutesAre404AndCarryTheProxysHeaders() {
        RawResponse response = RawResponse.request(port, "GET", "/nosuchservice");
        assertEquals(404, response.status());
        assertEquals("test/dispatcher", response.header("X-Taskcluster-Proxy-Perm-ClientId"));
    }
}
