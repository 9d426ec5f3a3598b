package net.taskcluster.proxy.peer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.OptionalInt;

/**
 * Who may connect (--allowed-user, --allowed-network): a peer whose socket belongs to root or to the allowed user;
 * or, only when its socket cannot be seen at all (it lives in another network namespace, a container's), a peer
 * whose address is in the allowed network. A socket seen with the wrong owner is refused even inside the network.
 */
public final class PeerCheck {
    private final String allowedUser;
    private final int allowedUid;
    private final Cidr allowedNetwork;
    private final int ownUid;
    private final ProcNetTcp sockets;

    /** @param allowedNetwork may be null */
    public PeerCheck(String allowedUser, int allowedUid, Cidr allowedNetwork, int ownUid) {
        this(allowedUser, allowedUid, allowedNetwork, ownUid, new ProcNetTcp());
    }

    PeerCheck(String allowedUser, int allowedUid, Cidr allowedNetwork, int ownUid, ProcNetTcp sockets) {
        this.allowedUser = allowedUser;
        this.allowedUid = allowedUid;
        this.allowedNetwork = allowedNetwork;
        this.ownUid = ownUid;
        this.sockets = sockets;
    }

    /** What was decided about a peer: admitted or not, and why (for the log). */
    public record Decision(boolean admitted, String reason) {}

    public Decision check(InetSocketAddress peer) {
        OptionalInt owner;
        try {
            owner = sockets.ownerOf(peer);
        } catch (IOException e) {
            return new Decision(false, "cannot read the socket tables to check " + describe(peer) + ": " + e.getMessage());
        }
        if (owner.isPresent()) {
            int uid = owner.getAsInt();
            return uid == 0 || uid == allowedUid
                    ? new Decision(true, "UID " + uid)
                    : new Decision(false, "unauthorized connection from UID " + uid + " at " + describe(peer)
                            + " (expected user \"" + allowedUser + "\")");
        }
        if (allowedNetwork != null && allowedNetwork.contains(peer.getAddress())) {
            return new Decision(true, "network " + allowedNetwork);
        }
        return new Decision(false, "unauthorized connection from " + describe(peer) + ": its socket is not visible here"
                + (allowedNetwork == null ? "" : " and it is outside " + allowedNetwork));
    }

    /**
     * Whether a peer may replace the credentials: only root and the proxy's own user (the launcher), never the
     * task's user. The original lets any admitted peer do it.
     */
    public boolean mayUpdateCredentials(InetSocketAddress peer) {
        try {
            OptionalInt owner = sockets.ownerOf(peer);
            return owner.isPresent() && (owner.getAsInt() == 0 || owner.getAsInt() == ownUid);
        } catch (IOException e) {
            return false;
        }
    }

    private static String describe(InetSocketAddress peer) {
        String host = peer.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + peer.getPort();
    }
}
