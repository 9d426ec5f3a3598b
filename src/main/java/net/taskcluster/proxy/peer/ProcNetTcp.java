package net.taskcluster.proxy.peer;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Who owns a TCP socket of this network namespace, from the kernel's tables {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6}: the line whose local address is the socket's address, and its uid column.
 *
 * <p>Reading a table costs the kernel a walk of every socket on the machine (tens of milliseconds with tens of
 * thousands of sockets), so lookups are batched: while one thread reads, the lookups that arrive queue up, and
 * the next read answers all of them at once. A read stops as soon as everything it looks for is found.
 */
public final class ProcNetTcp {
    private static final Path TCP = Path.of("/proc/net/tcp");
    private static final Path TCP6 = Path.of("/proc/net/tcp6");
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final Path tcp;
    private final Path tcp6;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readDone = lock.newCondition();
    private final List<Lookup> queue = new ArrayList<>(); // guarded by lock
    private boolean reading; // guarded by lock

    public ProcNetTcp() {
        this(TCP, TCP6);
    }

    ProcNetTcp(Path tcp, Path tcp6) {
        this.tcp = tcp;
        this.tcp6 = tcp6;
    }

    /**
     * The uid owning the socket whose local address is {@code socket}, or empty when no such socket is visible
     * here (it lives in another network namespace, or is gone). IPv4 sockets are also looked for in tcp6, where a
     * dual-stack socket shows them as {@code ::ffff:a.b.c.d}.
     */
    public OptionalInt ownerOf(InetSocketAddress socket) throws IOException {
        Lookup mine = new Lookup(socket);
        List<Lookup> batch;
        lock.lock();
        try {
            queue.add(mine);
            while (reading && !mine.done) {
                readDone.awaitUninterruptibly();
            }
            if (mine.done) {
                return mine.result();
            }
            reading = true; // this thread reads for everyone queued
            batch = new ArrayList<>(queue);
            queue.clear();
        } finally {
            lock.unlock();
        }
        try {
            resolve(batch);
        } catch (IOException e) {
            for (Lookup lookup : batch) {
                lookup.failure = e;
            }
        } finally {
            lock.lock();
            try {
                for (Lookup lookup : batch) {
                    lookup.done = true;
                }
                reading = false;
                readDone.signalAll();
            } finally {
                lock.unlock();
            }
        }
        return mine.result();
    }

    private void resolve(List<Lookup> batch) throws IOException {
        Map<String, List<Lookup>> v4 = new HashMap<>();
        for (Lookup lookup : batch) {
            if (lookup.socket.getAddress() instanceof Inet4Address) {
                v4.computeIfAbsent(hex(lookup.socket.getAddress(), lookup.socket.getPort()), k -> new ArrayList<>()).add(lookup);
            }
        }
        if (!v4.isEmpty()) {
            scan(tcp, v4);
        }
        Map<String, List<Lookup>> v6 = new HashMap<>();
        for (Lookup lookup : batch) {
            if (lookup.uid < 0) {
                InetAddress address = lookup.socket.getAddress();
                address = address instanceof Inet4Address ? mapped(address) : address;
                v6.computeIfAbsent(hex(address, lookup.socket.getPort()), k -> new ArrayList<>()).add(lookup);
            }
        }
        if (!v6.isEmpty()) {
            scan(tcp6, v6);
        }
    }

    // Each line: "  sl: local rem st tx:rx tr:when retrnsmt uid timeout inode ...". Reads until every wanted
    // local address is found (the kernel produces the table as it is read, so stopping early saves its work).
    private static void scan(Path table, Map<String, List<Lookup>> wanted) throws IOException {
        int left = wanted.size();
        try (FileChannel channel = FileChannel.open(table)) {
            ByteBuffer buffer = ByteBuffer.allocate(256 * 1024);
            boolean header = true;
            while (left > 0 && channel.read(buffer) > 0) {
                buffer.flip();
                byte[] bytes = buffer.array();
                int start = 0;
                for (int end = 0; end < buffer.limit() && left > 0; end++) {
                    if (bytes[end] != '\n') {
                        continue;
                    }
                    if (!header) {
                        left -= match(bytes, start, end, wanted);
                    }
                    header = false;
                    start = end + 1;
                }
                buffer.position(start);
                buffer.compact();
            }
        } catch (NoSuchFileException e) {
            // no IPv6 in this kernel: nothing to find there
        }
    }

    /** Resolves the lookups wanting this line's local address; returns 1 if it was wanted, else 0. */
    private static int match(byte[] line, int start, int end, Map<String, List<Lookup>> wanted) throws IOException {
        int colon = indexOf(line, start, end, (byte) ':');
        int localStart = colon + 2;
        int localEnd = indexOf(line, localStart, end, (byte) ' ');
        if (colon < 0 || localEnd < 0) {
            throw new IOException("unexpected line in the socket table");
        }
        List<Lookup> lookups = wanted.remove(new String(line, localStart, localEnd - localStart, StandardCharsets.US_ASCII));
        if (lookups == null) {
            return 0;
        }
        // After the local address: rem_address, st, tx:rx queue, tr:tm->when, retrnsmt, then uid.
        int position = localEnd;
        for (int field = 0; field < 5; field++) {
            position = skipField(line, position, end);
        }
        int uid = 0;
        int digits = 0;
        while (position < end && line[position] >= '0' && line[position] <= '9') {
            uid = uid * 10 + (line[position++] - '0');
            digits++;
        }
        if (digits == 0) {
            throw new IOException("unexpected line in the socket table");
        }
        for (Lookup lookup : lookups) {
            lookup.uid = uid;
        }
        return 1;
    }

    private static int skipField(byte[] line, int position, int end) {
        while (position < end && line[position] == ' ') {
            position++;
        }
        while (position < end && line[position] != ' ') {
            position++;
        }
        while (position < end && line[position] == ' ') {
            position++;
        }
        return position;
    }

    private static int indexOf(byte[] bytes, int from, int to, byte wanted) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The kernel's notation of an address and port: the address as 32-bit words, each printed little-endian in
     * upper-case hex, then a colon and the port in four hex digits. 127.0.0.1:8080 is {@code 0100007F:1F90}.
     */
    public static String hex(InetAddress address, int port) {
        byte[] bytes = address.getAddress();
        StringBuilder out = new StringBuilder(bytes.length * 2 + 5);
        for (int word = 0; word < bytes.length; word += 4) {
            for (int i = word + 3; i >= word; i--) {
                out.append(HEX[(bytes[i] >> 4) & 0xf]).append(HEX[bytes[i] & 0xf]);
            }
        }
        out.append(':');
        for (int shift = 12; shift >= 0; shift -= 4) {
            out.append(HEX[(port >> shift) & 0xf]);
        }
        return out.toString();
    }

    private static InetAddress mapped(InetAddress ipv4) {
        byte[] v6 = new byte[16];
        v6[10] = (byte) 0xff;
        v6[11] = (byte) 0xff;
        System.arraycopy(ipv4.getAddress(), 0, v6, 12, 4);
        try {
            return Inet6Address.getByAddress(null, v6, -1);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // 16 bytes are always an IPv6 address
        }
    }

    /** One socket being looked up; its fields are published by the lock once it is queued. */
    private static final class Lookup {
        final InetSocketAddress socket;
        int uid = -1;
        IOException failure;
        boolean done;

        Lookup(InetSocketAddress socket) {
            this.socket = socket;
        }

        OptionalInt result() throws IOException {
            if (failure != null) {
                throw failure;
            }
            return uid < 0 ? OptionalInt.empty() : OptionalInt.of(uid);
        }
    }
}
