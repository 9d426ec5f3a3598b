package net.taskcluster.proxy.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import net.taskcluster.proxy.peer.SocketOwners.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decisions, on socket tables written by the test (the cases of the original's connection verifier tests). */
class PeerCheckTest {
    private static final String HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

    /** A row of the table: its local and remote ends, its state (01 is ESTABLISHED, 06 TIME_WAIT) and owner. */
    private static String line(int sl, String local, String remote, String state, int uid) {
        return String.format("%4d: %s %s %s 00000000:00000000 00:00000000 00000000 %5d        0 %d 1 0000000000000000 20 4 30 10 -1%n",
                sl, local, remote, state, uid, 1000 + sl);
    }

    /** An established connection to the proxy at 127.0.0.1:8080 (or [::1]:8080 in tcp6). */
    private static String line(int sl, String local, int uid) {
        return line(sl, local, local.length() > 13 ? "00000000000000000000000001000000:1F90" : "0100007F:1F90", "01", uid);
    }

    private static PeerCheck check(Path dir, String user, int uid, Cidr network, String tcp, String tcp6) throws Exception {
        Files.writeString(dir.resolve("tcp"), HEADER + tcp);
        Files.writeString(dir.resolve("tcp6"), HEADER + tcp6);
        return new PeerCheck(user, uid, network, 999, new ProcNetTcp(dir.resolve("tcp"), dir.resolve("tcp6")));
    }

    /** A connection from this address and port to the proxy at 127.0.0.1:8080 (or [::1]:8080). */
    private static Connection peer(String address, int port) throws Exception {
        InetAddress peer = InetAddress.getByName(address);
        InetAddress proxy = InetAddress.getByName(peer.getAddress().length == 4 ? "127.0.0.1" : "::1");
        return new Connection(new InetSocketAddress(peer, port), new InetSocketAddress(proxy, 8080));
    }

    @Test
    void theRefusalNamesTheUidTheAddressAndTheExpectedUser(@TempDir Path dir) throws Exception {
        PeerCheck check = check(dir, "task-user", 2000, null, line(0, "0100007F:D431", 1234), "");
        PeerCheck.Decision decision = check.check(peer("127.0.0.1", 54321));
        assertFalse(decision.admitted());
        assertEquals("unauthorized connection from UID 1234 at 127.0.0.1:54321 (expected user \"task-user\")", decision.reason());
    }

    @Test
    void rootAndTheAllowedUserAreAdmitted(@TempDir Path dir) throws Exception {
        PeerCheck check = check(dir, "task-user", 2000, null,
                line(0, "0100007F:D431", 0) + line(1, "0100007F:D432", 2000),
                line(0, "0000000000000000FFFF00000100007F:D433", "0000000000000000FFFF00000100007F:1F90", "01", 2000) + line(1, "00000000000000000000000001000000:D434", 0));
        assertTrue(check.check(peer("127.0.0.1", 54321)).admitted());
        assertTrue(check.check(peer("127.0.0.1", 54322)).admitted());
        assertTrue(check.check(peer("127.0.0.1", 54323)).admitted(), "an IPv4 peer found in tcp6 as ::ffff:127.0.0.1");
        assertTrue(check.check(peer("::1", 54324)).admitted());
        assertFalse(check.check(peer("127.0.0.1", 54325)).admitted(), "not found, no network: refused");
    }

    @Test
    void onlyTheEstablishedRowOfTheConnectionItselfAnswers(@TempDir Path dir) throws Exception {
        PeerCheck check = check(dir, "task-user", 2000, Cidr.parse("127.0.0.0/8"),
                // port 54321: a TIME_WAIT row (uid 0) and another connection of root's, before the caller's own row
                line(0, "0100007F:D431", "0100007F:0050", "06", 0) + line(1, "0100007F:D431", "0100007F:1F91", "01", 0)
                        + line(2, "0100007F:D431", "0100007F:1F90", "01", 1234)
                        // port 54322: the caller's row is TIME_WAIT, and a root connection elsewhere
                        + line(3, "0100007F:D432", "0100007F:1F90", "06", 0) + line(4, "0100007F:D432", "0100007F:0050", "01", 0)
                        // port 54323: only other connections' rows
                        + line(5, "0100007F:D433", "0100007F:0050", "06", 0) + line(6, "0100007F:D433", "0100007F:0051", "01", 0),
                "");
        assertEquals("unauthorized connection from UID 1234 at 127.0.0.1:54321 (expected user \"task-user\")",
                check.check(peer("127.0.0.1", 54321)).reason());
        assertEquals("unauthorized connection from 127.0.0.1:54322: its socket is TIME_WAIT, not ESTABLISHED",
                check.check(peer("127.0.0.1", 54322)).reason(), "seen, so not admitted by the network");
        assertTrue(check.check(peer("127.0.0.1", 54323)).admitted(), "not seen: the network rule admits it");
        assertEquals("network 127.0.0.0/8", check.check(peer("127.0.0.1", 54323)).reason());
        assertFalse(check.mayUpdateCredentials(peer("127.0.0.1", 54321)));
        assertFalse(check.mayUpdateCredentials(peer("127.0.0.1", 54322)));
        assertFalse(check.mayUpdateCredentials(peer("127.0.0.1", 54323)));
    }

    @Test
    void theNetworkAdmitsOnlyPeersThatCannotBeSeen(@TempDir Path dir) throws Exception {
        PeerCheck check = check(dir, "task-user", 2000, Cidr.parse("172.18.0.0/16"), line(0, "050012AC:D431", 1234), "");
        assertTrue(check.check(peer("172.18.0.5", 50000)).admitted(), "not found, inside the network");
        assertFalse(check.check(peer("10.0.0.5", 50000)).admitted(), "not found, outside the network");
        assertFalse(check.check(peer("172.18.0.5", 54321)).admitted(), "found with the wrong uid, even inside the network");
    }

    @Test
    void onlyRootAndTheProxysOwnUserMayUpdateTheCredentials(@TempDir Path dir) throws Exception {
        PeerCheck check = check(dir, "task-user", 2000, Cidr.parse("172.18.0.0/16"),
                line(0, "0100007F:0001", 0) + line(1, "0100007F:0002", 999) + line(2, "0100007F:0003", 2000), "");
        assertTrue(check.mayUpdateCredentials(peer("127.0.0.1", 1)));
        assertTrue(check.mayUpdateCredentials(peer("127.0.0.1", 2)));
        assertFalse(check.mayUpdateCredentials(peer("127.0.0.1", 3)), "the task's user");
        assertFalse(check.mayUpdateCredentials(peer("172.18.0.9", 4)), "a peer nobody can see");
    }
}
