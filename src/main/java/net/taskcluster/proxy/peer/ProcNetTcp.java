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
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Who owns a TCP socket of this network namespace, from the kernel's tables {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6}: the line whose local and remote addresses are the caller's socket's, and its state and
 * uid columns. Used only where the kernel's sock_diag lookup is unavailable ({@link NetlinkSockDiag}).
 *
 * <p>Reading a table costs the kernel a walk of every socket on the machine (tens of milliseconds with tens of
 * thousands of sockets), so lookups are batched: while one thread reads, the lookups that arrive queue up, and
 * the next read answers all of them at once. A read stops as soon as every connection it looks for is found
 * established.
 */
final class ProcNetTcp implements SocketOwners {
    private static final Path TCP = Path.of("/proc/net/tcp");
    private static final Path TCP6 = Path.of("/proc/net/tcp6");
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final Path tcp;
    private final Path tcp6;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readDone = lock.newCondition();
    private final List<Lookup> queue = new ArrayList<>(); // guarded by lock
    private boolean reading; // guarded by lock

    ProcNetTcp() {
        this(TCP, TCP6);
    }

    ProcNetTcp(Path tcp, Path tcp6) {
        this.tcp = tcp;
        this.tcp6 = tcp6;
    }

    /**
     * {@inheritDoc} IPv4 connections are also looked for in tcp6, where a dual-stack socket shows both ends as
     * {@code ::ffff:a.b.c.d}.
     */
    @Override
    public Optional<Owner> ownerOf(Connection connection) throws IOException {
        Lookup mine = new Lookup(connection);
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
            if (lookup.ipv4()) {
                v4.computeIfAbsent(lookup.key(false), k -> new ArrayList<>()).add(lookup);
            }
        }
        if (!v4.isEmpty()) {
            scan(tcp, v4);
        }
        Map<String, List<Lookup>> v6 = new HashMap<>();
        for (Lookup lookup : batch) {
            if (lookup.owner == null || !lookup.owner.established()) {
                v6.computeIfAbsent(lookup.key(true), k -> new ArrayList<>()).add(lookup);
            }
        }
        if (!v6.isEmpty()) {
            scan(tcp6, v6);
        }
    }

    // Each line: "  sl: local rem st tx:rx tr:when retrnsmt uid timeout inode ...". Reads until every wanted
    // connection is found established (the kernel produces the table as it is read, so stopping early saves its
    // work); a connection found in another state is kept looking for, in case its established row comes later.
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

    /**
     * Gives this line's owner to the lookups wanting its local and remote addresses; returns 1 if that settles
     * them (the line is ESTABLISHED), else 0.
     */
    private static int match(byte[] line, int start, int end, Map<String, List<Lookup>> wanted) throws IOException {
        int colon = indexOf(line, start, end, (byte) ':');
        int localStart = colon + 2;
        int localEnd = indexOf(line, localStart, end, (byte) ' ');
        int remoteEnd = localEnd < 0 ? -1 : indexOf(line, localEnd + 1, end, (byte) ' ');
        if (colon < 0 || remoteEnd < 0) {
            throw new IOException("unexpected line in the socket table");
        }
        String addresses = new String(line, localStart, remoteEnd - localStart, StandardCharsets.US_ASCII);
        List<Lookup> lookups = wanted.get(addresses);
        if (lookups == null) {
            return 0;
        }
        // After the remote address: st (hex), tx:rx queue, tr:tm->when, retrnsmt, then uid (decimal).
        int state = number(line, remoteEnd + 1, end, 16);
        int position = remoteEnd;
        for (int field = 0; field < 4; field++) {
            position = skipField(line, position, end);
        }
        Owner owner = new Owner(number(line, position, end, 10), state);
        for (Lookup lookup : lookups) {
            if (lookup.owner == null || owner.established()) {
                lookup.owner = owner;
            }
        }
        if (!owner.established()) {
            return 0;
        }
        wanted.remove(addresses);
        return 1;
    }

    private static int number(byte[] line, int position, int end, int radix) throws IOException {
        int value = 0;
        int digits = 0;
        for (; position < end && Character.digit(line[position], radix) >= 0; position++, digits++) {
            value = value * radix + Character.digit(line[position], radix);
        }
        if (digits == 0) {
            throw new IOException("unexpected line in the socket table");
        }
        return value;
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

    private static String hex(InetSocketAddress socket, boolean tcp6) {
        InetAddress address = socket.getAddress();
        return hex(tcp6 && address instanceof Inet4Address ? mapped(address) : address, socket.getPort());
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

    /** One connection being looked up; its fields are published by the lock once it is queued. */
    private static final class Lookup {
        final Connection connection;
        Owner owner;
        IOException failure;
        boolean done;

        Lookup(Connection connection) {
            this.connection = connection;
        }

        boolean ipv4() {
            return connection.peer().getAddress() instanceof Inet4Address
                    && connection.local().getAddress() instanceof Inet4Address;
        }

        /** The caller's socket's local and remote addresses as a table line shows them, in tcp6 or in tcp. */
        String key(boolean tcp6) {
            return hex(connection.peer(), tcp6) + " " + hex(connection.local(), tcp6);
        }

        Optional<Owner> result() throws IOException {
            if (failure != null) {
                throw failure;
            }
            return Optional.ofNullable(owner);
        }
    }
}
