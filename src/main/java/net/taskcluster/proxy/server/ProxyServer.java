package net.taskcluster.proxy.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import net.taskcluster.proxy.Version;
import net.taskcluster.proxy.auth.RequestSigner;
import net.taskcluster.proxy.config.Config;
import net.taskcluster.proxy.forward.MemoryBudget;
import net.taskcluster.proxy.forward.Forwarder;
import net.taskcluster.proxy.forward.UpstreamClient;
import net.taskcluster.proxy.identity.Identity;
import net.taskcluster.proxy.identity.IdentityStore;
import net.taskcluster.proxy.peer.AllowedPeers;
import net.taskcluster.proxy.peer.PeerCheck;
import net.taskcluster.proxy.peer.PeerCheckedConnector;
import net.taskcluster.proxy.peer.SystemUsers;
import net.taskcluster.proxy.plaintext.AnswerHead;
import net.taskcluster.proxy.routing.Router;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The proxy's HTTP server, built from the configuration and the identity resolved at start-up, sharing the
 * upstream client's threads, scheduler and buffer pool. Listening starts last, once everything needed to serve is
 * in place: launchers take an accepted TCP connection as "ready".
 */
public final class ProxyServer {
    /** The largest request head (request line and headers) accepted; larger ones are answered 431. */
    static final int MAX_REQUEST_HEAD = 16 * 1024;
    private static final int LISTEN_BACKLOG = Backlog.somaxconn();

    private final Config config;
    private final Identity identity;
    private final Clock clock;
    private final UpstreamClient upstream;
    private final Server server;
    private final List<ServerConnector> connectors = new ArrayList<>();
    private Forwarder forwarder;
    private Draining draining;

    /**
     * @param identity who to sign as at first (StartupIdentity resolved it)
     * @param upstream the started threads, scheduler and client, which the server shares
     * @param clock    the one time source: retries, timeouts, certificates, the log's durations
     */
    public ProxyServer(Config config, Identity identity, UpstreamClient upstream, Clock clock) {
        this.config = config;
        this.identity = identity;
        this.clock = clock;
        this.upstream = upstream;
        this.server = new Server(upstream.threads(), upstream.scheduler(), upstream.buffers());
        server.addBean(upstream.client());
        server.setStopAtShutdown(false);
    }

    /** Starts serving; returns the addresses listened on (with the real port when --port 0 was given). */
    public List<InetSocketAddress> start() throws Exception {
        AllowedPeers allowed = config.allowedPeers();
        PeerCheck peerCheck = allowed == null ? null
                : new PeerCheck(allowed.user(), allowed.uid(), allowed.network(), SystemUsers.currentUid());
        IdentityStore identities = new IdentityStore(identity, Version.CURRENT);
        forwarder = new Forwarder(upstream.client(), new RequestSigner(clock), upstream.retryPolicy(),
                config.timeouts().idle(), config.maxBufferedBody(), MemoryBudget.ofThisHeap(), upstream.scheduler(), clock,
                identities::current, upstream.egress());
        draining = new Draining(new Dispatcher(new Router(config.rootUrl()), identities, forwarder, peerCheck, clock));
        server.setHandler(draining);
        server.setErrorHandler(new PlainErrorHandler(identities));

        InetAddress bindAddress = config.listen().address();
        ServerConnector main = connector(bindAddress, config.listen().port(), peerCheck);
        main.open();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        if (allowed != null && allowed.network() != null && bindAddress != null && !bindAddress.equals(loopback)) {
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

    private ServerConnector connector(InetAddress address, int port, PeerCheck peerCheck) {
        HttpConfiguration http = new HttpConfiguration();
        // The raw target is the route: //, %2F and %252F must arrive untouched.
        http.setUriCompliance(UriCompliance.UNSAFE);
        http.setRequestHeaderSize(MAX_REQUEST_HEAD);
        // Answer heads start in a pooled buffer of Jetty's default size and may grow to AnswerHead.MAX: a first
        // buffer of that size (128 KiB) was larger than any the pool keeps, so every answer allocated a fresh direct
        // one, and that garbage filled the direct memory limit until the JVM ran System.gc() (full pauses).
        http.setMaxResponseHeaderSize(AnswerHead.MAX);
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
     * in flight; returns how many it cut (0 when every request finished). Each cut exchange's line says so.
     */
    public int stop() throws Exception {
        int cut = 0;
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
            cut = draining.await(drained, config.timeouts().shutdown());
        }
        server.setStopTimeout(0); // the drain is over: what is still open is closed now
        server.stop();
        return cut;
    }

    public void join() throws InterruptedException {
        server.join();
    }
}
