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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What every way of finding a connection's owner must do, on real connections made here (this JVM's own sockets):
 * find the caller's established socket by all four addresses, and let no other row of its port answer for it.
 * Each case runs over IPv4 sockets, IPv6 sockets, and IPv6 sockets talking IPv4 (the kernel has them as
 * ::ffff:127.0.0.1 at both ends, Java shows 127.0.0.1), as a dual-stack listener gets them.
 */
abstract class SocketOwnersContract {
    private static final int SELF = SystemUsers.currentUid();
    private static final int TIME_WAIT = 6;

    /** The implementation under test. */
    abstract SocketOwners sockets() throws IOException;

    static Connection seenBy(Socket accepted) {
        return new Connection((InetSocketAddress) accepted.getRemoteSocketAddress(),
                (InetSocketAddress) accepted.getLocalSocketAddress());
    }

    private static ServerSocket listener(String family, String address) throws IOException {
        return ServerSocketChannel.open(StandardProtocolFamily.valueOf(family))
                .bind(new InetSocketAddress(InetAddress.getByName(address), 0)).socket();
    }

    private static Socket socket(String family) throws IOException {
        Socket socket = SocketChannel.open(StandardProtocolFamily.valueOf(family)).socket();
        socket.setReuseAddress(true);
        return socket;
    }

    @ParameterizedTest
    @CsvSource({"INET, 127.0.0.1", "INET6, ::1", "INET6, 127.0.0.1"})
    void theOwnerOfAnEstablishedConnectionIsUs(String family, String address) throws Exception {
        SocketOwners sockets = sockets();
        try (ServerSocket server = listener(family, address); Socket client = socket(family)) {
            client.connect(server.getLocalSocketAddress());
            try (Socket accepted = server.accept()) {
                assertEquals(address, seenBy(accepted).peer().getAddress().getHostAddress().replace("0:0:0:0:0:0:0:1", "::1"));
                assertEquals(Optional.of(new Owner(SELF, Owner.ESTABLISHED)), sockets.ownerOf(seenBy(accepted)));
                Connection reversed = new Connection(seenBy(accepted).local(), seenBy(accepted).peer());
                assertEquals(Optional.of(new Owner(SELF, Owner.ESTABLISHED)), sockets.ownerOf(reversed),
                        "the proxy's own end, looked up the other way round");
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"INET, 127.0.0.1", "INET6, ::1", "INET6, 127.0.0.1"})
    void aTimeWaitRowOnTheSamePortDoesNotAnswerForTheConnection(String family, String address) throws Exception {
        SocketOwners sockets = sockets();
        try (ServerSocket decoy = listener(family, address); ServerSocket proxy = listener(family, address)) {
            // A connection from port P that we close first: TIME_WAIT on our side, shown with uid 0.
            Socket first = socket(family);
            first.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
            InetSocketAddress port = (InetSocketAddress) first.getLocalSocketAddress();
            first.connect(decoy.getLocalSocketAddress());
            Socket otherEnd = decoy.accept();
            first.close();
            otherEnd.close();
            Connection leftover = new Connection(port, (InetSocketAddress) decoy.getLocalSocketAddress());
            awaitState(sockets, leftover, TIME_WAIT);

            Connection toProxy = new Connection(port, (InetSocketAddress) proxy.getLocalSocketAddress());
            assertEquals(Optional.empty(), sockets.ownerOf(toProxy), "only a TIME_WAIT row of another connection on P");
            try (Socket second = socket(family)) {
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
