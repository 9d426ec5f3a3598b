package net.taskcluster.proxy.peer;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * Who owns a TCP socket of this network namespace, from the kernel's tables {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6}: the line whose local address is the socket's address, and its uid column.
 */
public final class ProcNetTcp {
    private static final Path TCP = Path.of("/proc/net/tcp");
    private static final Path TCP6 = Path.of("/proc/net/tcp6");
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private ProcNetTcp() {}

    /**
     * The uid owning the socket whose local address is {@code socket}, or empty when no such socket is visible
     * here (it lives in another network namespace, or is gone). IPv4 sockets are also looked for in tcp6, where a
     * dual-stack socket shows them as {@code ::ffff:a.b.c.d}.
     */
    public static OptionalInt ownerOf(InetSocketAddress socket) throws IOException {
        InetAddress address = socket.getAddress();
        int port = socket.getPort();
        if (address instanceof Inet4Address) {
            OptionalInt owner = find(TCP, hex(address, port));
            return owner.isPresent() ? owner : find(TCP6, hex(mapped(address), port));
        }
        return find(TCP6, hex(address, port));
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
        byte[] v4 = ipv4.getAddress();
        byte[] v6 = new byte[16];
        v6[10] = (byte) 0xff;
        v6[11] = (byte) 0xff;
        System.arraycopy(v4, 0, v6, 12, 4);
        try {
            return Inet6Address.getByAddress(null, v6, -1);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // 16 bytes are always an IPv6 address
        }
    }

    // Each line: "  sl: local rem st tx:rx tr:when retrnsmt uid timeout inode ...". The local address is the only
    // field that follows ": ", so searching for ": <local> " finds the line without parsing the others.
    private static OptionalInt find(Path table, String local) throws IOException {
        byte[] content;
        try {
            content = Files.readAllBytes(table);
        } catch (NoSuchFileException e) {
            return OptionalInt.empty(); // no IPv6 in this kernel
        }
        byte[] needle = (": " + local + " ").getBytes(StandardCharsets.US_ASCII);
        int at = indexOf(content, needle);
        if (at < 0) {
            return OptionalInt.empty();
        }
        // After the local address: rem_address, st, tx:rx queue, tr:tm->when, retrnsmt, then uid.
        int position = at + needle.length;
        for (int field = 0; field < 5; field++) {
            position = skipField(content, position);
        }
        int uid = 0;
        boolean digits = false;
        while (position < content.length && content[position] >= '0' && content[position] <= '9') {
            uid = uid * 10 + (content[position++] - '0');
            digits = true;
        }
        if (!digits) {
            throw new IOException("unexpected line format in " + table);
        }
        return OptionalInt.of(uid);
    }

    private static int skipField(byte[] content, int position) {
        while (position < content.length && content[position] == ' ') {
            position++;
        }
        while (position < content.length && content[position] != ' ' && content[position] != '\n') {
            position++;
        }
        while (position < content.length && content[position] == ' ') {
            position++;
        }
        return position;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        byte first = needle[0];
        int last = haystack.length - needle.length;
        outer:
        for (int i = 0; i <= last; i++) {
            if (haystack[i] != first) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
