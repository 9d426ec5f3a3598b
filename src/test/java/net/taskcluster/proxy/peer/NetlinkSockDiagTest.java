package net.taskcluster.proxy.peer;

/** The kernel's lookup by 4-tuple (netlink sock_diag). */
class NetlinkSockDiagTest extends SocketOwnersContract {
    @Override
    SocketOwners sockets() throws java.io.IOException {
        return NetlinkSockDiag.open();
    }
}
