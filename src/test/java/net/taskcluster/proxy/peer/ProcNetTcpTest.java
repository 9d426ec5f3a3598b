package net.taskcluster.proxy.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.net.StandardProtocolFamily;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The socket tables of /proc, with the original's hex vectors (reference-tests.md §7). */
class ProcNetTcpTest {
    private static final ProcNetTcp SOCKETS = new ProcNetTcp();

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1, 8080, 0100007F:1F90",
        "0.0.0.0, 0, 00000000:0000",
        "192.168.1.1, 443, 0101A8C0:01BB",
        "10.0.0.1, 65535, 0100000A:FFFF",
        "::1, 8080, 00000000000000000000000001000000:1F90",
        "::, 0, 00000000000000000000000000000000:0000",
    })
    void hexNotation(String address, int port, String expected) throws Exception {
        assertEquals(expected, ProcNetTcp.hex(InetAddress.getByName(address), port));
    }

    @Test
    void theOwnerOfOurOwnConnectionIsUs() throws Exception {
        int self = SystemUsers.currentUid();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // An IPv4 socket (in /proc/net/tcp) and a dual-stack one (in /proc/net/tcp6 as ::ffff:127.0.0.1).
            try (SocketChannel v4 = SocketChannel.open(StandardProtocolFamily.INET);
                    Socket dualStack = new Socket()) {
                v4.connect(server.getLocalSocketAddress());
                dualStack.connect(server.getLocalSocketAddress());
                try (Socket a = server.accept(); Socket b = server.accept()) {
                    assertEquals(OptionalInt.of(self), SOCKETS.ownerOf((InetSocketAddress) v4.getLocalAddress()));
                    assertEquals(OptionalInt.of(self), SOCKETS.ownerOf((InetSocketAddress) dualStack.getLocalSocketAddress()));
                    // what the server side sees as the peer, which is what the proxy looks up
                    assertEquals(OptionalInt.of(self), SOCKETS.ownerOf((InetSocketAddress) a.getRemoteSocketAddress()));
                    assertEquals(OptionalInt.of(self), SOCKETS.ownerOf((InetSocketAddress) b.getRemoteSocketAddress()));
                }
            }
        }
    }

    @Test
    void concurrentLookupsShareReadsAndAllGetTheirAnswer() throws Exception {
        int self = SystemUsers.currentUid();
        ProcNetTcp sockets = new ProcNetTcp();
        try (ServerSocket server = new ServerSocket(0, 500, InetAddress.getLoopbackAddress())) {
            java.util.List<Socket> clients = new java.util.ArrayList<>();
            java.util.List<Socket> accepted = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 300; i++) {
                    Socket client = new Socket();
                    client.connect(server.getLocalSocketAddress());
                    clients.add(client);
                    accepted.add(server.accept());
                }
                java.util.concurrent.ConcurrentLinkedQueue<String> wrong = new java.util.concurrent.ConcurrentLinkedQueue<>();
                try (var pool = java.util.concurrent.Executors.newFixedThreadPool(32)) {
                    for (Socket socket : accepted) {
                        pool.submit(() -> {
                            InetSocketAddress peer = (InetSocketAddress) socket.getRemoteSocketAddress();
                            OptionalInt owner = sockets.ownerOf(peer);
                            if (!owner.equals(OptionalInt.of(self))) {
                                wrong.add(peer + " -> " + owner);
                            }
                            return null;
                        });
                    }
                }
                assertTrue(wrong.isEmpty(), wrong.toString());
            } finally {
                for (Socket socket : clients) {
                    socket.close();
                }
                for (Socket socket : accepted) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void aSocketThatIsNotThereHasNoOwner() throws Exception {
        int unused;
        try (ServerSocket probe = new ServerSocket(0)) {
            unused = probe.getLocalPort();
        }
        assertTrue(SOCKETS.ownerOf(new InetSocketAddress(InetAddress.getByName("198.18.7.7"), unused)).isEmpty());
    }
}
