package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import net.taskcluster.proxy.testing.NodeChecker;
import net.taskcluster.proxy.testing.Privileged;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.WithFakeDeployment;
import org.junit.jupiter.api.Test;

/**
 * The peer check holds nobody up: with 20,000 extra sockets open (so /proc/net/tcp and tcp6 are large), 64
 * concurrent clients, each opening a new connection per request, are all served. Prints the connected-to-first-byte
 * latency with and without --allowed-user (measured here, not asserted: performance belongs to benchmarks). The
 * two proxies are loaded in turns, several rounds each, so that what else the machine does weighs on both alike.
 */
class PeerCheckLoadIT extends WithFakeDeployment {
    private static final int EXTRA_SOCKET_PAIRS = 10_000;
    private static final int CLIENTS = 64;
    private static final int REQUESTS_PER_CLIENT = 15;
    private static final int ROUNDS = 4;

    @Test
    void sixtyFourClientsAreServedWithTwentyThousandSocketsOpen() throws Exception {
        Privileged.assumeRootWithUsers();
        Process holder = new ProcessBuilder("node", "hold-sockets.mjs").directory(NodeChecker.nodeDirectory().toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<Socket> extra = new ArrayList<>();
        try (ProxyProcess open = proxy().start();
                ProxyProcess checked = proxy().args("--allowed-user", "nobody").start()) {
            int holderPort = ((Number) JSON.std.mapFrom(new BufferedReader(new InputStreamReader(holder.getInputStream())).readLine())
                    .get("port")).intValue();
            for (int i = 0; i < EXTRA_SOCKET_PAIRS; i++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", holderPort), 10_000);
                extra.add(socket);
            }
            long tcp = Files.lines(Path.of("/proc/net/tcp")).count() + Files.lines(Path.of("/proc/net/tcp6")).count();
            assertTrue(tcp >= 2 * EXTRA_SOCKET_PAIRS, "sockets in the kernel's tables: " + tcp);

            int openPort = open.port();
            int checkedPort = checked.port();
            load(openPort); // warm both up: the first requests of a JVM are slow for other reasons
            load(checkedPort);
            List<Long> without = new ArrayList<>();
            List<Long> with = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                without.addAll(load(openPort));
                with.addAll(load(checkedPort));
            }
            Collections.sort(without);
            Collections.sort(with);
            assertEquals(ROUNDS * CLIENTS * REQUESTS_PER_CLIENT, without.size());
            assertEquals(ROUNDS * CLIENTS * REQUESTS_PER_CLIENT, with.size());
            System.out.printf("peer check, %d sockets in /proc/net/tcp{,6}, %d rounds of %d clients x %d new connections:%n"
                    + "  connected-to-first-byte without --allowed-user: median %.2f ms, p99 %.2f ms%n"
                    + "  connected-to-first-byte with --allowed-user:    median %.2f ms, p99 %.2f ms%n"
                    + "  added by the check: median %.2f ms, p99 %.2f ms%n",
                    tcp, ROUNDS, CLIENTS, REQUESTS_PER_CLIENT, ms(percentile(without, 50)), ms(percentile(without, 99)),
                    ms(percentile(with, 50)), ms(percentile(with, 99)),
                    ms(percentile(with, 50) - percentile(without, 50)), ms(percentile(with, 99) - percentile(without, 99)));
        } finally {
            for (Socket socket : extra) {
                socket.close();
            }
            holder.getOutputStream().close();
            holder.destroy();
        }
    }

    /** 64 clients, each making its requests one after another on new connections; returns every latency (ns), sorted. */
    private static List<Long> load(int port) throws InterruptedException {
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(CLIENTS);
        for (int c = 0; c < CLIENTS; c++) {
            Thread.ofVirtual().start(() -> {
                try {
                    for (int r = 0; r < REQUESTS_PER_CLIENT; r++) {
                        latencies.add(firstByte(port));
                    }
                } catch (IOException | RuntimeException e) {
                    failures.add(e.toString());
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        assertTrue(failures.isEmpty(), failures.size() + " clients failed, first: " + failures.peek());
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        return sorted;
    }

    /**
     * Connects, asks for a route the proxy answers itself (404, no upstream), and times the first byte from the
     * moment the connection is made. The check runs after that (the kernel completes the handshake before the
     * proxy accepts); the handshake itself is left out, since a SYN dropped from a full accept queue costs a 1 s
     * retransmit, with or without the check, which would swamp the p99.
     */
    private static long firstByte(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
            long start = System.nanoTime();
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /no-such-service HTTP/1.1\r\nHost: taskcluster\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            int first = in.read();
            long elapsed = System.nanoTime() - start;
            String rest = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            if (first != 'H' || !rest.startsWith("TTP/1.1 404")) {
                throw new IllegalStateException("not served: " + (char) first + rest);
            }
            return elapsed;
        }
    }

    private static long percentile(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
