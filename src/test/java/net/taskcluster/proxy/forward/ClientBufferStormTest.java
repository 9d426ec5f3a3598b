package net.taskcluster.proxy.forward;

import net.taskcluster.proxy.config.UpstreamHttp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Jetty 12.1 HTTP/1.1 client bug the proxy's buffers work around, in one JVM: a real socket upstream resets
 * a third of the connections in the middle of an answer while the others stream known bytes, and the client reads
 * the answers as the proxy does (each chunk retained, handed to another thread, released, then more demanded).
 * Every byte of every complete answer is checked against what the upstream sent on that connection.
 *
 * <p>With buffers from a plain pool, a receiver whose upstream reset goes on touching the network buffer it
 * released, which by then is another connection's: that connection's next read finds its buffer's limit moved
 * under it ({@code IllegalArgumentException: newPosition > limit}, Jetty issue #13400, or a
 * {@code BufferOverflowException}) and its intact answer fails, or its bytes come out shifted. In runs here that
 * happened to about one request in a thousand (heap or direct buffers). The race is probabilistic: the plain-pool
 * storm stops at the first sign and is bounded by {@link #ROUNDS} storms, in which it would be missed about once
 * in 400,000 runs at that rate. The product's buffers must come through every round with every answer intact.
 */
class ClientBufferStormTest {
    /** Requests per storm, and storms at most (each with a fresh client): 16,000 requests, 10 to 20 seconds. */
    private static final int REQUESTS = 4_000;
    private static final int ROUNDS = 4;
    private static final int CONCURRENCY = 32;
    private static final Duration CONNECT = Duration.ofSeconds(5);

    private StormUpstream upstream;
    private QueuedThreadPool threads;
    private ScheduledExecutorScheduler scheduler;
    private ExecutorService writers;
    private HttpClient client;

    @BeforeEach
    void start() throws Exception {
        upstream = new StormUpstream();
        threads = new QueuedThreadPool(10, 4);
        scheduler = new ScheduledExecutorScheduler("storm-scheduler", true);
        writers = Executors.newFixedThreadPool(4);
        threads.start();
        scheduler.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.stop();
        }
        writers.shutdownNow();
        scheduler.stop();
        threads.stop();
        upstream.close();
    }

    @Test
    void aPlainPoolLetsAResetConnectionBreakAnothersAnswer() throws Exception {
        ArrayByteBufferPool pool = new ArrayByteBufferPool();
        Storm storm = storms(() -> smallReads(Forwarder.newHttpClient(CONNECT, threads, scheduler, UpstreamHttp.AUTO, pool, false)), true);
        assertTrue(storm.broken(), "Jetty's receiver no longer touches released buffers? Then the proxy's client can"
                + " take plain pooled buffers (Forwarder.newHttpClient, ClientBuffers). " + storm);
    }

    @Test
    void theProductsBuffersKeepEveryAnswerIntact() throws Exception {
        Storm storm = storms(() -> smallReads(Forwarder.newHttpClient(CONNECT, threads, scheduler, UpstreamHttp.AUTO, new ArrayByteBufferPool())), false);
        assertEquals(0, storm.corrupted.get(), storm.toString());
        assertEquals(0, storm.goodFailed.get(), storm.toString());
        assertEquals(REQUESTS * ROUNDS, storm.good.get() + storm.reset.get(), storm.toString());
    }

    /**
     * Reads of 16 KiB, the size the proxy's client falls back to once its large reads are spent (ClientBuffers):
     * there the storm shows the bug within seconds. In the 128 KiB reads it starts with, most answers here fit one
     * read, and 16,000 requests showed none; the receiver's code is the same.
     */
    private static HttpClient smallReads(HttpClient client) {
        client.setResponseBufferSize(ClientBuffers.SMALL_READ_SIZE);
        return client;
    }

    /** Storms until one shows the bug (if {@code untilBroken}) or ROUNDS have passed, with a fresh client each. */
    private Storm storms(Supplier<HttpClient> clients, boolean untilBroken) throws Exception {
        Storm storm = new Storm();
        int round = 0;
        for (; round < ROUNDS && !(untilBroken && storm.broken()); round++) {
            client = clients.get();
            client.start();
            storm(storm, untilBroken);
            client.stop();
            client = null;
        }
        System.out.println(round + " storms: " + storm);
        return storm;
    }

    /** REQUESTS requests, CONCURRENCY at a time: a third reset mid-answer, the rest stream known bytes. */
    private void storm(Storm storm, boolean untilBroken) throws InterruptedException {
        Semaphore inFlight = new Semaphore(CONCURRENCY);
        for (int i = 0; i < REQUESTS && !(untilBroken && storm.broken()); i++) {
            inFlight.acquire();
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int seed = random.nextInt();
            boolean reset = i % 3 == 0;
            int length = reset ? 1 + random.nextInt(48 * 1024) : 1 + random.nextInt(256 * 1024);
            String path = (reset ? "/reset/" : "/good/") + seed + "/" + length;
            client.newRequest("http://127.0.0.1:" + upstream.port() + path).idleTimeout(5, TimeUnit.SECONDS)
                    .send(new Answer(storm, seed, reset ? -1 : length, inFlight::release));
        }
        inFlight.acquire(CONCURRENCY); // every answer has ended
        inFlight.release(CONCURRENCY);
    }

    /** What the storms saw. */
    static final class Storm {
        final AtomicInteger good = new AtomicInteger();
        final AtomicInteger reset = new AtomicInteger();
        final AtomicInteger corrupted = new AtomicInteger();
        final AtomicInteger goodFailed = new AtomicInteger();
        final ConcurrentLinkedQueue<String> firstSigns = new ConcurrentLinkedQueue<>();

        boolean broken() {
            return corrupted.get() > 0 || goodFailed.get() > 0;
        }

        void sign(String what) {
            if (firstSigns.size() < 3) {
                firstSigns.add(what);
            }
        }

        @Override
        public String toString() {
            return good + " intact, " + reset + " reset as planned, " + corrupted + " corrupted, " + goodFailed
                    + " intact answers failed; first signs: " + firstSigns;
        }
    }

    /**
     * One answer, read as the proxy's UpstreamAnswer reads it: the chunk retained and handed to a writer thread,
     * which releases it and then demands the next. Its bytes are checked when it arrives and again when the writer
     * has it (a buffer reused meanwhile changes under the reader).
     */
    private final class Answer implements Response.Listener {
        private final Storm storm;
        private final int seed;
        private final long length;
        private final Runnable done;
        private long offset;
        private volatile String problem;

        /** An answer of {@code length} bytes of the seed's pattern, or (length -1) one the upstream resets. */
        Answer(Storm storm, int seed, long length, Runnable done) {
            this.storm = storm;
            this.seed = seed;
            this.length = length;
            this.done = done;
        }

        @Override
        public void onContent(Response response, Content.Chunk chunk, Runnable demander) {
            ByteBuffer bytes = chunk.getByteBuffer().slice();
            long at = offset;
            offset += bytes.remaining();
            check(bytes, at, "on arrival");
            chunk.retain();
            writers.execute(() -> {
                check(bytes, at, "while held");
                try {
                    chunk.release();
                } catch (IllegalStateException e) {
                    problem = "a buffer released once too often: " + e.getMessage();
                }
                demander.run();
            });
        }

        private void check(ByteBuffer bytes, long at, String when) {
            if (length < 0 || problem != null) {
                return;
            }
            for (int i = 0; i < bytes.remaining(); i++) {
                if (bytes.get(i) != StormUpstream.expected(seed, at + i)) {
                    problem = "byte " + (at + i) + " of " + length + " wrong " + when;
                    return;
                }
            }
        }

        @Override
        public void onComplete(Result result) {
            try {
                if (problem != null && problem.startsWith("a buffer released")) {
                    storm.corrupted.incrementAndGet();
                    storm.sign(problem);
                } else if (length < 0) {
                    if (result.isFailed()) {
                        storm.reset.incrementAndGet();
                    } else {
                        storm.corrupted.incrementAndGet();
                        storm.sign("a reset answer completed");
                    }
                } else if (result.isFailed()) {
                    storm.goodFailed.incrementAndGet();
                    storm.sign("an intact answer failed: " + result.getFailure());
                } else if (problem != null || offset != length) {
                    storm.corrupted.incrementAndGet();
                    storm.sign(problem != null ? problem : offset + " bytes of " + length);
                } else {
                    storm.good.incrementAndGet();
                }
            } finally {
                done.run();
            }
        }
    }

    /**
     * The upstream: /good/{seed}/{length} streams {@code length} bytes of the seed's pattern in pieces and keeps
     * the connection; /reset/{seed}/{length} promises more than it sends, sends {@code length} bytes and resets.
     */
    static final class StormUpstream implements AutoCloseable {
        private final ServerSocket server;

        StormUpstream() throws IOException {
            server = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
            Thread.ofPlatform().daemon().name("storm-upstream").start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket socket = server.accept();
                        Thread.ofVirtual().start(() -> serve(socket));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        static byte expected(int seed, long position) {
            int x = (int) (position ^ (position >>> 17)) * 0x9E3779B1 + seed;
            return (byte) (x ^ (x >>> 15));
        }

        private static void serve(Socket socket) {
            try (socket) {
                InputStream in = socket.getInputStream();
                OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 8192);
                for (String target; (target = readTarget(in)) != null; ) {
                    String[] parts = target.split("/");
                    int seed = Integer.parseInt(parts[2]);
                    int length = Integer.parseInt(parts[3]);
                    boolean reset = parts[1].equals("reset");
                    long promised = reset ? length + 1_000_000L : length;
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + promised
                            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    byte[] body = new byte[length];
                    for (int i = 0; i < length; i++) {
                        body[i] = expected(seed, i);
                    }
                    out.write(body);
                    out.flush();
                    if (reset) {
                        socket.setSoLinger(true, 0);
                        return;
                    }
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        /** The target of the next request (which has no body), or null at the end of the connection. */
        private static String readTarget(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            for (int c; (c = in.read()) >= 0; ) {
                head.append((char) c);
                int n = head.length();
                if (n >= 4 && head.charAt(n - 1) == '\n' && head.charAt(n - 2) == '\r' && head.charAt(n - 3) == '\n') {
                    return head.substring(head.indexOf(" ") + 1, head.indexOf(" ", head.indexOf(" ") + 1));
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
