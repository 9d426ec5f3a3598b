package net.taskcluster.proxy.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import net.taskcluster.proxy.peer.SocketOwners.Connection;
import net.taskcluster.proxy.peer.SocketOwners.Owner;
import org.junit.jupiter.api.Test;

/**
 * What every way of finding a connection's owner must do, on real connections made here (this JVM's own sockets):
 * find the caller's established socket by all four addresses, and let no other row of its port answer for it.
 */
abstract class SocketOwnersContract {
    /** The implementation under test. */
    abstract SocketOwners sockets() throws IOException;

    private static final int SELF = SystemUsers.currentUid();
    private static final int TIME_WAIT = 6;

    static Connection seenBy(Socket accepted) {
        return new Connection((InetSocketAddress) accepted.getRemoteSocketAddress(),
                (InetSocketAddress) accepted.getLocalSocketAddress());
    }

    @Test
    void theOwnerOfAnEstablishedConnectionIsUs() throws Exception {
        SocketOwners sockets = sockets();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
                Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
                Socket accepted = server.accept()) {
            assertEquals(Optional.of(new Owner(SELF, Owner.ESTABLISHED)), sockets.ownerOf(seenBy(accepted)));
            Connection reversed = new Connection(seenBy(accepted).local(), seenBy(accepted).peer());
            assertEquals(Optional.of(new Owner(SELF, Owner.ESTABLISHED)), sockets.ownerOf(reversed),
                    "the proxy's own end, looked up the other way round");
        }
    }

    @Test
    void aTimeWaitRowOnTheSamePortDoesNotAnswerForTheConnection() throws Exception {
        SocketOwners sockets = sockets();
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket decoy = new ServerSocket(0, 50, loopback); ServerSocket proxy = new ServerSocket(0, 50, loopback)) {
            // A connection from port P that we close first: TIME_WAIT on our side, shown with uid 0.
            Socket first = new Socket();
            first.setReuseAddress(true);
            first.bind(new InetSocketAddress(loopback, 0));
            InetSocketAddress port = (InetSocketAddress) first.getLocalSocketAddress();
            first.connect(decoy.getLocalSocketAddress());
            Socket otherEnd = decoy.accept();
            first.close();
            otherEnd.close();
            Connection leftover = new Connection(port, (InetSocketAddress) decoy.getLocalSocketAddress());
            awaitState(sockets, leftover, TIME_WAIT);

            Connection toProxy = new Connection(port, (InetSocketAddress) proxy.getLocalSocketAddress());
            assertEquals(Optional.empty(), sockets.ownerOf(toProxy), "only a TIME_WAIT row of another connection on P");
            try (Socket second = new Socket()) {
                second.setReuseAddress(true);
                second.bind(port);
                second.connect(proxy.getLocalSocketAddress());
                try (Socket accepted = proxy.accept()) {
                    assertEquals(toProxy, seenBy(accepted));
                    assertEquals(Optional.of(new Owner(SELF, Owner.ESTABLISHED)), sockets.ownerOf(toProxy));
                    assertEquals(TIME_WAIT, sockets.ownerOf(leftover).orElseThrow().state(), "and the old row is still there");
                }
            }
        }
    }

    @Test
    void ipv6() throws Exception {
        SocketOwners sockets = sockets();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("::1"));
                Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
                Socket accepted = server.accept()) {
            assertEquals(Optional.of(new Owner(SELF, Owner.ESTABLISHED)), sockets.ownerOf(seenBy(accepted)));
        }
    }

    @Test
    void ipv4MappedOnADualStackListener() throws Exception {
        SocketOwners sockets = sockets();
        // Both ends IPv6 sockets talking IPv4: the kernel has them as ::ffff:127.0.0.1, Java shows 127.0.0.1.
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET6).bind(new InetSocketAddress(0));
                SocketChannel client = SocketChannel.open(StandardProtocolFamily.INET6)) {
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            client.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
            try (SocketChannel accepted = server.accept()) {
                Connection connection = new Connection((InetSocketAddress) accepted.getRemoteAddress(),
                        (InetSocketAddress) accepted.getLocalAddress());
                assertEquals("127.0.0.1", connection.peer().getAddress().getHostAddress());
                assertEquals(Optional.of(new Owner(SELF, Owner.ESTABLISHED)), sockets.ownerOf(connection));
            }
        }
    }

    @Test
    void aConnectionNobodyHasIsNotVisible() throws Exception {
        SocketOwners sockets = sockets();
        int unused;
        try (ServerSocket probe = new ServerSocket(0)) {
            unused = probe.getLocalPort();
        }
        assertTrue(sockets.ownerOf(new Connection(new InetSocketAddress(InetAddress.getByName("198.18.7.7"), unused),
                new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8080))).isEmpty());
    }

    /** Waits (a bounded while) for the kernel to move a closed connection into a state. */
    private static void awaitState(SocketOwners sockets, Connection connection, int state) throws IOException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (sockets.ownerOf(connection).map(Owner::state).orElse(-1) != state) {
            assertTrue(Instant.now().isBefore(deadline), "not in state " + state + ": " + sockets.ownerOf(connection));
            Thread.onSpinWait();
        }
    }
}
