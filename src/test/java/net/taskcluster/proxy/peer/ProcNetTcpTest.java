package net.taskcluster.proxy.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import net.taskcluster.proxy.peer.SocketOwners.Connection;
import net.taskcluster.proxy.peer.SocketOwners.Owner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The fallback: the socket tables of /proc, with the original's hex vectors (reference-tests.md §7). */
class ProcNetTcpTest extends SocketOwnersContract {
    @Override
    SocketOwners sockets() {
        return new ProcNetTcp();
    }

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
    void concurrentLookupsShareReadsAndAllGetTheirAnswer() throws Exception {
        int self = SystemUsers.currentUid();
        ProcNetTcp sockets = new ProcNetTcp();
        try (ServerSocket server = new ServerSocket(0, 500, InetAddress.getLoopbackAddress())) {
            List<Socket> clients = new ArrayList<>();
            List<Socket> accepted = new ArrayList<>();
            try {
                for (int i = 0; i < 300; i++) {
                    Socket client = new Socket();
                    client.connect(server.getLocalSocketAddress());
                    clients.add(client);
                    accepted.add(server.accept());
                }
                ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
                try (var pool = Executors.newFixedThreadPool(32)) {
                    for (Socket socket : accepted) {
                        pool.submit(() -> {
                            Connection connection = seenBy(socket);
                            Optional<Owner> owner = sockets.ownerOf(connection);
                            if (!owner.equals(Optional.of(new Owner(self, Owner.ESTABLISHED)))) {
                                wrong.add(connection + " -> " + owner);
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
}
