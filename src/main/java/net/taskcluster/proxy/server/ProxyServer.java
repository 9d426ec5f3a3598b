package net.taskcluster.proxy.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import net.taskcluster.proxy.Version;
import net.taskcluster.proxy.auth.AuthorizedScopes;
import net.taskcluster.proxy.auth.Identity;
import net.taskcluster.proxy.auth.RequestSigner;
import net.taskcluster.proxy.cli.Config;
import net.taskcluster.proxy.peer.AllowedPeers;
import net.taskcluster.proxy.peer.PeerCheck;
import net.taskcluster.proxy.peer.PeerCheckedConnector;
import net.taskcluster.proxy.peer.SystemUsers;
import net.taskcluster.proxy.proxy.BodyBudget;
import net.taskcluster.proxy.proxy.AnswerHead;
import net.taskcluster.proxy.proxy.Forwarder;
import net.taskcluster.proxy.proxy.RetryPolicy;
import net.taskcluster.proxy.proxy.TaskScopes;
import net.taskcluster.proxy.routing.Router;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's HTTP server and its upstream client, sharing one thread pool, scheduler and buffer pool. Listening
 * starts last, once everything needed to serve is in place: launchers take an accepted TCP connection as "ready".
 */
public final class ProxyServer {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);
    /** The largest request head (request line and headers) accepted; larger ones are answered 431. */
    static final int MAX_REQUEST_HEAD = 16 * 1024;
    private static final int LISTEN_BACKLOG = Backlog.somaxconn();

    /** The one time source of the proxy: retries, timeouts, certificates, the log's durations. */
    private static final Clock CLOCK = Clock.systemUTC();

    private final Config config;
    private final Server server;
    private final HttpClient client;
    private final RetryPolicy retryPolicy;
    private final List<ServerConnector> connectors = new ArrayList<>();
    private Forwarder forwarder;
    private Draining draining;

    public ProxyServer(Config config) {
        this.config = config;
        // Everything the proxy does is non-blocking, so a few threads serve any load; on the 2-core machines it
        // was measured on, more threads only made more hand-offs (bench/README.md). An acceptor and a selector
        // per listener, and a selector for the upstream client, take 3 to 5 of them.
        QueuedThreadPool threads = new QueuedThreadPool(10, 4);
        threads.setName("proxy");
        threads.setReservedThreads(2);
        Scheduler scheduler = new ScheduledExecutorScheduler("proxy-scheduler", false);
        // The server's buffers are pooled, but never more than this much memory is kept: the pool is there for
        // speed, and what streams through needs only a few buffers at a time. (The client's are not pooled: see
        // Forwarder.newHttpClient.)
        ByteBufferPool buffers = new ArrayByteBufferPool(0, -1, -1, -1, 4L << 20, 8L << 20);
        this.server = new Server(threads, scheduler, buffers);
        this.client = Forwarder.newHttpClient(config.connectTimeout(), threads, scheduler);
        this.retryPolicy = new RetryPolicy(config.retryBudget(), CLOCK);
        server.addBean(client);
        server.setStopAtShutdown(false);
    }

    /**
     * The authorized scopes: those of the command line, plus, with --task-id, the task's (fetched now, before
     * anything listens).
     */
    public AuthorizedScopes authorizedScopes() throws Exception {
        startClient();
        if (config.taskId() == null) {
            return config.commandLineScopes();
        }
        List<String> scopes = new ArrayList<>(config.scopes());
        List<String> taskScopes = TaskScopes.fetch(client, config.rootUrl(), config.taskId(), retryPolicy, config.idleTimeout());
        LOG.info("task {} has {} scope(s)", config.taskId(), taskScopes.size());
        scopes.addAll(taskScopes);
        return AuthorizedScopes.restrictedTo(scopes);
    }

    /** Starts serving; returns the addresses listened on (with the real port when --port 0 was given). */
    public List<InetSocketAddress> start(AuthorizedScopes scopes) throws Exception {
        startClient();
        Clock clock = CLOCK;
        AllowedPeers allowed = config.allowedPeers();
        PeerCheck peerCheck = allowed == null ? null
                : new PeerCheck(allowed.user(), allowed.uid(), allowed.network(), SystemUsers.currentUid());
        IdentityStore identities = new IdentityStore(Identity.of(config.credentials(), scopes), Version.CURRENT);
        forwarder = new Forwarder(client, new RequestSigner(clock), retryPolicy, config.idleTimeout(),
                config.maxBufferedBody(), BodyBudget.ofThisHeap(), server.getScheduler(), clock, identities::current);
        draining = new Draining(new Dispatcher(new Router(config.rootUrl()), identities, forwarder, peerCheck, clock));
        server.setHandler(draining);
        server.setErrorHandler(new PlainErrorHandler(identities));

        ServerConnector main = connector(config.bindAddress(), config.port(), peerCheck);
        main.open();
        AllowedPeers peers = config.allowedPeers();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        if (peers != null && peers.network() != null && config.bindAddress() != null && !config.bindAddress().equals(loopback)) {
            // The launcher reaches the proxy over loopback (readiness probe, credential updates).
            connector(loopback, main.getLocalPort(), peerCheck).open();
        }
        server.start();
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (ServerConnector connector : connectors) {
            addresses.add((InetSocketAddress) ((ServerSocketChannel) connector.getTransport()).getLocalAddress());
        }
        return addresses;
    }

    // The client works before the server starts (the task's scopes are fetched first), so the shared thread
    // pool and scheduler start with it; the server, which manages them, finds them running.
    private void startClient() throws Exception {
        LifeCycle.start(server.getThreadPool());
        LifeCycle.start(server.getScheduler());
        LifeCycle.start(client);
    }

    private ServerConnector connector(InetAddress address, int port, PeerCheck peerCheck) {
        HttpConfiguration http = new HttpConfiguration();
        // The raw target is the route: //, %2F and %252F must arrive untouched.
        http.setUriCompliance(UriCompliance.UNSAFE);
        http.setRequestHeaderSize(MAX_REQUEST_HEAD);
        http.setResponseHeaderSize(AnswerHead.MAX);
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setSendDateHeader(false);
        HttpConnectionFactory factory = new OriginFormOnly(http);
        ServerConnector connector = peerCheck == null
                ? new ServerConnector(server, 1, 1, factory)
                : new PeerCheckedConnector(server, peerCheck, factory);
        connector.setHost(address == null ? null : address.getHostAddress());
        connector.setPort(port);
        connector.setReuseAddress(true);
        // As Go's net.Listen: the kernel's largest backlog, so that a burst of callers is not reset (Java's default
        // backlog of 50 dropped one in ten of 1,000 callers connecting at once).
        connector.setAcceptQueueSize(LISTEN_BACKLOG);
        server.addConnector(connector);
        connectors.add(connector);
        return connector;
    }

    /**
     * Stops accepting, lets requests in flight finish within the shutdown timeout, then stops, cutting those still
     * in flight; returns them (method and target, as a log line names them), none when every request finished.
     */
    public List<String> stop() throws Exception {
        List<String> cut = List.of();
        if (draining != null) {
            // First, so that a request arriving on a connection already open is refused (503) rather than taken on
            // with the short idle timeout the connectors give every connection next.
            CompletableFuture<Void> drained = draining.shutdown();
            for (ServerConnector connector : connectors) {
                connector.shutdown(); // no new connections; idle ones close within the shutdown idle timeout
                // The stop below shuts the connectors down again, which would shorten every idle timeout again.
                connector.setShutdownIdleTimeout(-1);
            }
            draining.keepTransfersGoing(connectors.getFirst().getIdleTimeout());
            cut = draining.await(drained, config.shutdownTimeout());
        }
        server.setStopTimeout(0); // the drain is over: what is still open is closed now
        server.stop();
        return cut;
    }

    public void join() throws InterruptedException {
        server.join();
    }
}
