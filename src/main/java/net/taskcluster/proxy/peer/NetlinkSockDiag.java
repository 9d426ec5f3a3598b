package net.taskcluster.proxy.peer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The kernel's answer for one connection, asked by its four addresses over NETLINK_SOCK_DIAG (inet_diag, what
 * {@code ss} uses), through the FFM API. The kernel finds the socket in its hash table by the exact 4-tuple: no
 * table is scanned, however many sockets the machine has.
 *
 * <p>That exact lookup also requires the socket's bound device to match (SO_BINDTODEVICE, or an IPv6 link-local
 * scope), which the proxy cannot know. So when it finds nothing, a dump of the sockets with the connection's two
 * ports (filtered by the kernel, every state, every device) makes sure the namespace really has none before the
 * caller is called invisible, and the --allowed-network rule applies.
 */
final class NetlinkSockDiag implements SocketOwners {
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int AF_NETLINK = 16;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int NETLINK_SOCK_DIAG = 4;
    private static final int IPPROTO_TCP = 6;
    private static final short SOCK_DIAG_BY_FAMILY = 20;
    private static final short NLMSG_ERROR = 2;
    private static final short NLMSG_DONE = 3;
    private static final short NLM_F_REQUEST = 0x1;
    private static final short NLM_F_DUMP = 0x300;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int ENOENT = 2;
    private static final int EVERY_STATE = 0xfff; // TCP states 1 (ESTABLISHED) to 11 (CLOSING)
    private static final int NO_COOKIE = -1; // INET_DIAG_NOCOOKIE: any socket, not only one of a given cookie

    // struct nlmsghdr (16 bytes), then struct inet_diag_req_v2 (56) in a request, struct inet_diag_msg in a reply.
    // Both carry a struct inet_diag_sockid (ports and addresses in network order): at 8 in a request, 4 in a reply.
    private static final int HEADER = 16;
    private static final int REQUEST_LENGTH = HEADER + 56;
    private static final int REQUEST_SOCKID = 8;
    private static final int REPLY_SOCKID = 4;
    private static final int REPLY_UID = 64;
    private static final int REPLY_LENGTH = 72;
    private static final ValueLayout.OfShort PORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final int RECEIVE_BUFFER = 64 * 1024; // more than the kernel puts in one dump message

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SOCKET = function("socket",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SEND = function("send", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle RECV = function("recv", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = function("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private NetlinkSockDiag() {}

    /**
     * The lookup, once it has found a connection of its own, established and owned by this process's user: a
     * kernel without inet_diag would answer "no such socket" for every connection, which must not pass for
     * "every caller is in another namespace".
     */
    static NetlinkSockDiag open() throws IOException {
        NetlinkSockDiag lookup = new NetlinkSockDiag();
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                SocketChannel client = SocketChannel.open(server.getLocalAddress());
                SocketChannel accepted = server.accept()) {
            Connection own = new Connection((InetSocketAddress) client.getLocalAddress(),
                    (InetSocketAddress) accepted.getLocalAddress());
            Optional<Owner> owner = lookup.ownerOf(own);
            if (owner.isEmpty() || !owner.get().established() || owner.get().uid() != SystemUsers.currentUid()) {
                throw new IOException("it does not see this process's own connection as it is: " + owner);
            }
        }
        return lookup;
    }

    @Override
    public Optional<Owner> ownerOf(Connection connection) throws IOException {
        InetAddress peer = connection.peer().getAddress();
        InetAddress local = connection.local().getAddress();
        // An IPv4 connection's socket can also be an IPv6 one with IPv4-mapped addresses (a dual-stack socket):
        // the kernel's IPv4 lookup finds both, its IPv4 dump only the former.
        List<Integer> families = peer instanceof Inet4Address && local instanceof Inet4Address
                ? List.of(AF_INET, AF_INET6) : List.of(AF_INET6);
        List<Owner> found = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            ask(arena, families.getFirst(), false, connection, found);
            for (int i = 0; found.isEmpty() && i < families.size(); i++) {
                ask(arena, families.get(i), true, connection, found);
            }
        }
        return found.stream().filter(Owner::established).findFirst().or(() -> found.stream().findFirst());
    }

    /** One request (the exact lookup, or the dump by ports); adds the sockets with the connection's 4-tuple. */
    private static void ask(Arena arena, int family, boolean dump, Connection connection, List<Owner> found) throws IOException {
        MemorySegment state = arena.allocate(CALL_STATE);
        int fd = (int) call(SOCKET, state, AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        if (fd < 0) {
            throw failure("socket", state);
        }
        try {
            MemorySegment request = request(arena, family, dump, connection);
            if ((long) call(SEND, state, fd, request, request.byteSize(), 0) != request.byteSize()) {
                throw failure("send", state);
            }
            MemorySegment buffer = arena.allocate(RECEIVE_BUFFER);
            while (true) {
                // The kernel answers while handling send and the previous recv: the answer is always there already.
                long length = (long) call(RECV, state, fd, buffer, RECEIVE_BUFFER, MSG_DONTWAIT);
                if (length < 0) {
                    throw failure("recv", state);
                }
                if (!readMessages(buffer.asSlice(0, length), connection, found) || !dump) {
                    return;
                }
            }
        } finally {
            call(CLOSE, state, fd);
        }
    }

    private static MemorySegment request(Arena arena, int family, boolean dump, Connection connection) {
        MemorySegment request = arena.allocate(REQUEST_LENGTH); // zeroed: no extensions, no interface
        request.set(INT, 0, REQUEST_LENGTH);
        request.set(SHORT, 4, SOCK_DIAG_BY_FAMILY);
        request.set(SHORT, 6, dump ? (short) (NLM_F_REQUEST | NLM_F_DUMP) : NLM_F_REQUEST);
        MemorySegment body = request.asSlice(HEADER);
        body.set(ValueLayout.JAVA_BYTE, 0, (byte) family);
        body.set(ValueLayout.JAVA_BYTE, 1, (byte) IPPROTO_TCP);
        body.set(INT, 4, EVERY_STATE); // the state decides in ownerOf: a socket in another state is not invisible
        // The caller's socket: its source is the peer, its destination the proxy (a dump filters by ports only).
        MemorySegment id = body.asSlice(REQUEST_SOCKID);
        id.set(PORT, 0, (short) connection.peer().getPort());
        id.set(PORT, 2, (short) connection.local().getPort());
        MemorySegment.copy(addressBytes(connection.peer().getAddress(), family), 0, id, ValueLayout.JAVA_BYTE, 4, family == AF_INET ? 4 : 16);
        MemorySegment.copy(addressBytes(connection.local().getAddress(), family), 0, id, ValueLayout.JAVA_BYTE, 20, family == AF_INET ? 4 : 16);
        id.set(INT, 40, NO_COOKIE);
        id.set(INT, 44, NO_COOKIE);
        return request;
    }

    /** Reads one recv's messages; returns false at the end of the answer (NLMSG_DONE, or an error). */
    private static boolean readMessages(MemorySegment messages, Connection connection, List<Owner> found) throws IOException {
        long offset = 0;
        while (offset + HEADER <= messages.byteSize()) {
            int length = messages.get(INT, offset);
            short type = messages.get(SHORT, offset + 4);
            if (length < HEADER || offset + length > messages.byteSize()) {
                throw new IOException("sock_diag: a truncated answer");
            }
            if (type == NLMSG_DONE) {
                return false;
            }
            if (type == NLMSG_ERROR) {
                int error = -messages.get(INT, offset + HEADER);
                if (error == 0 || error == ENOENT) { // ENOENT: the exact lookup found no such socket
                    return false;
                }
                throw new IOException("sock_diag: error " + error);
            }
            if (type == SOCK_DIAG_BY_FAMILY && length >= HEADER + REPLY_LENGTH) {
                MemorySegment reply = messages.asSlice(offset + HEADER, length - HEADER);
                if (isConnection(reply, connection)) {
                    found.add(new Owner(reply.get(INT, REPLY_UID), reply.get(ValueLayout.JAVA_BYTE, 1) & 0xff));
                }
            }
            offset += (length + 3) & ~3;
        }
        return true;
    }

    /** Whether a reply is the caller's socket: a dump lists every socket with the two ports, whatever the addresses. */
    private static boolean isConnection(MemorySegment reply, Connection connection) throws IOException {
        int family = reply.get(ValueLayout.JAVA_BYTE, 0);
        int size = family == AF_INET ? 4 : 16;
        MemorySegment id = reply.asSlice(REPLY_SOCKID);
        return (id.get(PORT, 0) & 0xffff) == connection.peer().getPort()
                && (id.get(PORT, 2) & 0xffff) == connection.local().getPort()
                && address(id.asSlice(4, size)).equals(address(connection.peer().getAddress().getAddress()))
                && address(id.asSlice(20, size)).equals(address(connection.local().getAddress().getAddress()));
    }

    /** An address of 4 or 16 bytes, without any scope; an IPv4-mapped IPv6 address becomes IPv4. */
    private static InetAddress address(MemorySegment bytes) throws IOException {
        return address(bytes.toArray(ValueLayout.JAVA_BYTE));
    }

    private static InetAddress address(byte[] bytes) throws IOException {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IOException("sock_diag: an address of " + bytes.length + " bytes");
        }
    }

    /** The address as the family's request carries it: IPv4 in 4 bytes, or IPv6 (IPv4 as ::ffff:a.b.c.d) in 16. */
    private static byte[] addressBytes(InetAddress address, int family) {
        byte[] bytes = address.getAddress();
        if (family == AF_INET || bytes.length == 16) {
            return bytes;
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(bytes, 0, mapped, 12, 4);
        return mapped;
    }

    @SuppressWarnings("restricted") // native access is enabled in jvm.args; without it the JVM only warns
    private static MethodHandle function(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError(name));
        return LINKER.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"));
    }

    private static Object call(MethodHandle function, Object... arguments) {
        try {
            return function.invokeWithArguments(arguments);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e); // the C functions throw nothing
        }
    }

    private static IOException failure(String function, MemorySegment state) {
        return new IOException("sock_diag: " + function + " failed, errno " + (int) ERRNO.get(state, 0L));
    }
}
