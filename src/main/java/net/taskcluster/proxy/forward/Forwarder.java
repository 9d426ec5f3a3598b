package net.taskcluster.proxy.forward;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import net.taskcluster.proxy.auth.RequestSigner;
import net.taskcluster.proxy.config.EgressProxies;
import net.taskcluster.proxy.config.UpstreamHttp;
import net.taskcluster.proxy.identity.ProxyIdentity;
import net.taskcluster.proxy.plaintext.AnswerHead;
import net.taskcluster.proxy.routing.Target;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.ProxyAuthenticationProtocolHandler;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Forwards callers' requests to their targets, signed with the current identity, retrying where the policy says
 * so, and streams the answers back. One {@link ForwardedExchange} per caller request does the work.
 */
public final class Forwarder implements AutoCloseable {
    private static final int MAX_UPSTREAM_REQUEST_HEAD = 128 * 1024;

    private final Forwarding forwarding;

    public Forwarder(HttpClient client, RequestSigner signer, RetryPolicy retryPolicy, Duration idleTimeout,
            int maxBufferedBody, MemoryBudget bodyBudget, Scheduler scheduler, Clock clock,
            Supplier<ProxyIdentity> identity, EgressProxies egress) {
        CallerWatch callerWatch = new CallerWatch(scheduler);
        this.forwarding = new Forwarding(client, signer, retryPolicy, idleTimeout, scheduler, clock, callerWatch,
                identity, maxBufferedBody, bodyBudget, egress);
    }

    /**
     * A client that adds nothing of its own to what it forwards: no redirects followed, no cookies kept,
     * no User-Agent, Accept-Encoding or Content-Type invented, no content decoded, no 407 handling. (Jetty puts its
     * other protocol handlers back when the client starts: 100-continue, 103, and 401, which with no credentials
     * stored passes the answer on.) Connections to the upstream are kept alive and pooled.
     *
     * <p>It speaks HTTP/1.1 to http upstreams (no h2c), and with {@link UpstreamHttp#AUTO} HTTP/2 to https upstreams
     * whose TLS handshake picks h2 by ALPN, as Go's transport does; a server that picks http/1.1 or offers no ALPN
     * gets HTTP/1.1. With {@link UpstreamHttp#HTTP_1_1} h2 is never offered.
     *
     * <p>It reads and writes direct buffers from {@code pool} (the one the server shares), each handed out as a
     * {@link ClientBuffers} lease: Jetty 12.1's HTTP/1.1 receiver can go on touching its network buffer after
     * releasing it when an upstream resets a connection in the middle of an answer, and a plain pooled buffer is by
     * then another connection's, whose answers it corrupts (ClientBufferStormTest shows it). Answers are read in
     * large buffers within a budget ({@link ClientBuffers}).
     */
    public static HttpClient newHttpClient(Duration connectTimeout, Executor executor, Scheduler scheduler,
            UpstreamHttp http, ByteBufferPool pool) {
        return newHttpClient(connectTimeout, executor, scheduler, http, new ClientBuffers(pool, ClientBuffers.largeReadBudget()), true);
    }

    /** The same client with exactly these buffers (ClientBufferStormTest tries a plain pool). */
    static HttpClient newHttpClient(Duration connectTimeout, Executor executor, Scheduler scheduler, UpstreamHttp http,
            ByteBufferPool buffers, boolean direct) {
        ClientConnector connector = new UpstreamConnector();
        connector.setExecutor(executor);
        connector.setScheduler(scheduler);
        connector.setByteBufferPool(buffers);
        connector.setSslContextFactory(new LazyTls());
        HttpClient client = new HttpClient(switch (http) {
            case AUTO -> UpstreamHttp2.transport(connector, MAX_UPSTREAM_REQUEST_HEAD, AnswerHead.MAX);
            case HTTP_1_1 -> new HttpClientTransportOverHTTP(connector);
        });
        client.setExecutor(executor);
        client.setScheduler(scheduler);
        client.setByteBufferPool(buffers);
        client.setUseInputDirectByteBuffers(direct);
        client.setUseOutputDirectByteBuffers(direct);
        client.setConnectTimeout(connectTimeout.toMillis());
        client.setFollowRedirects(false);
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.setUserAgentField(null);
        client.setDefaultRequestContentType(null);
        client.setMaxConnectionsPerDestination(256);
        client.setMaxRequestsQueuedPerDestination(4096);
        client.setResponseBufferSize(ClientBuffers.READ_SIZE);
        // The caller's head (up to 16 KiB) plus the Authorization header, whose ext carries the certificate and every
        // authorized scope: the client's default of 8 KiB refused ordinary requests with a large header.
        client.setMaxRequestHeadersSize(MAX_UPSTREAM_REQUEST_HEAD);
        // An upstream's answer head is held whole while it is parsed: without a bound, one answer could fill the heap.
        client.setMaxResponseHeadersSize(AnswerHead.MAX);
        client.getProtocolHandlers().clear();
        // The client installs a decoder (and with it an Accept-Encoding header) for each compression it finds when
        // it starts. The pom leaves gzip's out, and this clears any that comes back with a new dependency.
        client.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStarted(LifeCycle started) {
                client.getContentDecoderFactories().clear();
                // Its protocol handlers too (the clear() above comes too early for them). The one for 407 would take
                // an egress proxy's 407, which the proxy answers with a 502 of its own, and never let it finish.
                client.getProtocolHandlers().remove(ProxyAuthenticationProtocolHandler.NAME);
            }
        });
        return client;
    }

    /**
     * Forwards the caller's request to {@code target}; completes {@code callback} when the answer is sent.
     *
     * @param id the request's number in the log, shared by its retry lines and its final line
     */
    public void forward(long id, Request caller, Response response, Callback callback, Target target) {
        new ForwardedExchange(forwarding, id, caller, response, callback, target).start();
    }

    /** Stops what the forwarder scheduled (the caller watch's sweeps). */
    @Override
    public void close() {
        forwarding.callerWatch().close();
    }
}
