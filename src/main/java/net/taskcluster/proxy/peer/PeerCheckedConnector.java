package net.taskcluster.proxy.peer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server connector that checks every accepted connection's peer before any byte is read from it. Each check
 * runs in a virtual thread of its own, not in the accept loop and not on the server's few threads, since it
 * blocks on the kernel's socket tables: a slow lookup never holds up other connections. A refused connection is
 * closed without an HTTP answer, as launchers expect.
 */
public final class PeerCheckedConnector extends ServerConnector {
    private static final Logger LOG = LoggerFactory.getLogger(PeerCheckedConnector.class);

    private final PeerCheck check;
    private final Executor executor;

    public PeerCheckedConnector(Server server, PeerCheck check, ConnectionFactory... factories) {
        super(server, 1, 1, factories);
        this.check = check;
        this.executor = runnable -> Thread.ofVirtual().name("peer-check").start(runnable);
    }

    /** The acceptor loop: accept, and leave the check (and the hand-over to a selector) to the thread pool. */
    @Override
    public void accept(int acceptorId) throws IOException {
        if (getTransport() instanceof ServerSocketChannel server && server.isOpen()) {
            SocketChannel channel = server.accept();
            executor.execute(() -> admitOrClose(channel));
        }
    }

    private void admitOrClose(SocketChannel channel) {
        try {
            PeerCheck.Decision decision = check.check(new SocketOwners.Connection(
                    (InetSocketAddress) channel.getRemoteAddress(), (InetSocketAddress) channel.getLocalAddress()));
            if (decision.admitted()) {
                // What ServerConnector does with an accepted channel.
                channel.configureBlocking(false);
                configure(channel.socket());
                getSelectorManager().accept(channel);
                return;
            }
            LOG.warn("refused: {}", decision.reason());
        } catch (IOException e) {
            LOG.debug("connection failed before it was checked", e);
        }
        try {
            channel.close();
        } catch (IOException e) {
            // closing a refused connection: nothing to do about it
        }
    }
}
