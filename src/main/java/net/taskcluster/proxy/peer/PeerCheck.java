package net.taskcluster.proxy.peer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import net.taskcluster.proxy.peer.SocketOwners.Connection;
import net.taskcluster.proxy.peer.SocketOwners.Owner;

/**
 * Who may connect (--allowed-user, --allowed-network): a peer whose socket for this very connection is established
 * and belongs to root or to the allowed user; or, only when that socket cannot be seen at all (it lives in another
 * network namespace, a container's), a peer whose address is in the allowed network. A socket seen with the wrong
 * owner, or in another state than ESTABLISHED, is refused even inside the network.
 */
public final class PeerCheck {
    private final String allowedUser;
    private final int allowedUid;
    private final Cidr allowedNetwork;
    private final int ownUid;
    private final SocketOwners sockets;

    /** @param allowedNetwork may be null */
    public PeerCheck(String allowedUser, int allowedUid, Cidr allowedNetwork, int ownUid) {
        this(allowedUser, allowedUid, allowedNetwork, ownUid, SocketOwners.ofThisKernel());
    }

    PeerCheck(String allowedUser, int allowedUid, Cidr allowedNetwork, int ownUid, SocketOwners sockets) {
        this.allowedUser = allowedUser;
        this.allowedUid = allowedUid;
        this.allowedNetwork = allowedNetwork;
        this.ownUid = ownUid;
        this.sockets = sockets;
    }

    /** What was decided about a peer: admitted or not, and why (for the log). */
    public record Decision(boolean admitted, String reason) {}

    public Decision check(Connection connection) {
        InetSocketAddress peer = connection.peer();
        Optional<Owner> owner;
        try {
            owner = sockets.ownerOf(connection);
        } catch (IOException e) {
            return new Decision(false, "cannot read the socket tables to check " + describe(peer) + ": " + e.getMessage());
        }
        if (owner.isPresent()) {
            int uid = owner.get().uid();
            if (!owner.get().established()) {
                return new Decision(false, "unauthorized connection from " + describe(peer) + ": its socket is "
                        + owner.get().stateName() + ", not ESTABLISHED");
            }
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
     * task's user, and only from an established socket of this connection. The original lets any admitted peer.
     */
    public boolean mayUpdateCredentials(Connection connection) {
        try {
            Optional<Owner> owner = sockets.ownerOf(connection);
            return owner.isPresent() && owner.get().established()
                    && (owner.get().uid() == 0 || owner.get().uid() == ownUid);
        } catch (IOException e) {
            return false;
        }
    }

    private static String describe(InetSocketAddress peer) {
        String host = peer.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + peer.getPort();
    }
}
