package net.taskcluster.proxy.peer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who owns the caller's end of a TCP connection to the proxy, as the kernel of this network namespace sees it.
 * The caller's end is the socket whose local end is the caller's address and port, whose remote end is the
 * proxy's address and port for this connection: all four must match, so that no other socket of the caller's port
 * (a TIME_WAIT row, which shows uid 0, or another connection from the same port) can answer for it.
 */
public interface SocketOwners {

    /** A connection as the proxy sees it: the caller's end ({@code peer}) and the proxy's own ({@code local}). */
    record Connection(InetSocketAddress peer, InetSocketAddress local) {}

    /** The caller's socket: its owner's uid and its TCP state, in the kernel's numbering. */
    record Owner(int uid, int state) {
        static final int ESTABLISHED = 1;
        private static final List<String> STATES = List.of("?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
                "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV");

        public boolean established() {
            return state == ESTABLISHED;
        }

        public String stateName() {
            return state > 0 && state < STATES.size() ? STATES.get(state) : "state " + state;
        }
    }

    /**
     * The caller's socket of this connection, in the ESTABLISHED state if one is; empty when this network
     * namespace has no socket with its four addresses (the caller lives in another namespace, a container's).
     */
    Optional<Owner> ownerOf(Connection connection) throws IOException;

    /**
     * The kernel's own lookup by the four addresses (netlink sock_diag) when it works here, else the scan of
     * /proc/net/tcp and tcp6 (a kernel without sock_diag, or a sandbox that forbids netlink sockets).
     */
    static SocketOwners ofThisKernel() {
        try {
            return NetlinkSockDiag.open();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Exception | Error e) {
            // Besides I/O errors and a missing native-access grant, a native executable built without the FFM
            // runtime throws an Error (UnsupportedFeatureError) at the first downcall: each means "use /proc".
            // The missing runtime is how the native build made here always is, so it is no warning.
            Logger log = LoggerFactory.getLogger(SocketOwners.class);
            if (e.getClass().getSimpleName().equals("UnsupportedFeatureError")) {
                log.info("peer check: scanning /proc/net/tcp (this native build has no FFM runtime for the sock_diag lookup)");
            } else {
                log.warn("peer check: the kernel's sock_diag lookup is unavailable ({}): scanning /proc/net/tcp instead",
                        e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            }
            return new ProcNetTcp();
        }
    }
}
