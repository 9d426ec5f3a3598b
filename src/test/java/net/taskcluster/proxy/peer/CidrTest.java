package net.taskcluster.proxy.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Networks, with the cases of the original's connection verifier tests. */
class CidrTest {
    @Test
    void containment() throws Exception {
        Cidr network = Cidr.parse("172.18.0.0/16");
        assertTrue(network.contains(InetAddress.getByName("172.18.0.5")));
        assertFalse(network.contains(InetAddress.getByName("10.0.0.5")));
        assertFalse(network.contains(InetAddress.getByName("172.19.0.5")));
        assertTrue(network.contains(InetAddress.getByName("::ffff:172.18.3.4")), "IPv4-mapped addresses count as IPv4");
        assertFalse(network.contains(InetAddress.getByName("2001:db8::1")));
        assertEquals("172.18.0.0/16", Cidr.parse("172.18.99.1/16").toString());
        assertTrue(Cidr.parse("2001:db8::/32").contains(InetAddress.getByName("2001:db8:1::7")));
        assertTrue(Cidr.parse("198.18.0.0/15").contains(InetAddress.getByName("198.19.255.255")));
    }

    @Test
    void tooBroadOrMalformed() {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("0.0.0.0/0"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("::/0"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("example.com/8"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/x"));
    }

    @Test
    void usersByNameAndUid() {
        assertEquals(0, SystemUsers.uidOf("root"));
        assertThrows(IllegalArgumentException.class, () -> SystemUsers.uidOf("nonexistent-user-abc123xyz"));
        assertTrue(SystemUsers.currentUid() >= 0);
    }
}
