package net.taskcluster.proxy.e2e;

import static net.taskcluster.proxy.testing.Privileged.checkAdmitted;
import static net.taskcluster.proxy.testing.Privileged.checkRefusedWithoutAnswer;
import static net.taskcluster.proxy.testing.Privileged.curlAs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import net.taskcluster.proxy.testing.Privileged;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.TestNetwork;
import net.taskcluster.proxy.testing.WithFakeDeployment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Who may connect: --ip-address, --allowed-user and --allowed-network, with clients run as real users (nobody and
 * daemon, through setpriv) and in a real second network namespace. Needs root; says SKIP otherwise.
 */
class PeerChecksIT extends WithFakeDeployment {
    private static final int NOBODY = 65534;
    private static final int DAEMON = 1;
    private static final String PATH = "/api/auth/v1/scopes/current";

    @BeforeEach
    void requirements() {
        Privileged.assumeRootWithUsers();
    }

    private static String url(String host, int port) {
        return "http://" + host + ":" + port + PATH;
    }

    @Test
    void rootAndTheAllowedUserAreAdmittedAndAnyoneElseGetsNoHttpByte() throws Exception {
        try (ProxyProcess proxy = proxy().args("--allowed-user", "nobody").start()) {
            int port = proxy.awaitListening().get(0);
            assertEquals(200, RawResponse.request(port, "GET", PATH).status(), "root is always admitted");
            checkAdmitted(curlAs(NOBODY, url("127.0.0.1", port)));
            checkRefusedWithoutAnswer(curlAs(DAEMON, url("127.0.0.1", port)));
            proxy.awaitLine(l -> l.contains("refused: unauthorized connection from UID 1 at 127.0.0.1:")
                    && l.endsWith("(expected user \"nobody\")"), Duration.ofSeconds(10));
        }
    }

    @Test
    void twoProxiesForTwoUsersAreIsolatedBothWays() throws Exception {
        try (ProxyProcess forNobody = proxy().args("--allowed-user", "nobody").start();
                ProxyProcess forDaemon = proxy().args("--allowed-user", "daemon").start()) {
            int a = forNobody.awaitListening().get(0);
            int b = forDaemon.awaitListening().get(0);
            checkAdmitted(curlAs(NOBODY, url("127.0.0.1", a)));
            checkRefusedWithoutAnswer(curlAs(NOBODY, url("127.0.0.1", b)));
            checkRefusedWithoutAnswer(curlAs(DAEMON, url("127.0.0.1", a)));
            checkAdmitted(curlAs(DAEMON, url("127.0.0.1", b)));
        }
    }

    @Test
    void ipv4PeersOfADualStackListenerAreFoundAsIpv4MappedInTcp6() throws Exception {
        try (ProxyProcess proxy = proxy().allInterfaces().args("--allowed-user", "nobody").start()) {
            int port = proxy.awaitListening().get(0);
            proxy.awaitLine(l -> l.endsWith("listening on *:" + port), Duration.ofSeconds(1));
            // curl to [::ffff:127.0.0.1] uses an IPv6 socket: the kernel lists it in tcp6 as ::ffff:127.0.0.1,
            // while the proxy sees the peer as the IPv4 address 127.0.0.1.
            checkAdmitted(curlAs(NOBODY, url("[::ffff:127.0.0.1]", port)));
            checkRefusedWithoutAnswer(curlAs(DAEMON, url("[::ffff:127.0.0.1]", port)));
            checkAdmitted(curlAs(NOBODY, url("127.0.0.1", port)));
            checkAdmitted(curlAs(NOBODY, url("[::1]", port)));
            checkRefusedWithoutAnswer(curlAs(DAEMON, url("[::1]", port)));
        }
    }

    @Test
    void onlyRootAndTheProxysOwnUserMayUpdateTheCredentials() throws Exception {
        try (ProxyProcess proxy = proxy().args("--allowed-user", "nobody").start()) {
            int port = proxy.awaitListening().get(0);
            String update = "{\"clientId\":\"project/limited\",\"accessToken\":\"" + clients.limited.accessToken() + "\"}";
            Privileged.Result byTheTaskUser = Privileged.run(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                    "--clear-groups", "--", "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT",
                    "--data-binary", update, "http://127.0.0.1:" + port + "/credentials"));
            assertEquals("403", byTheTaskUser.stdout(), "the task's user may not replace the credentials");
            assertTrue(RawResponse.request(port, "GET", PATH).body().contains("\"clientId\":\"project/issuer\""),
                    "the credentials stayed as they were");

            assertEquals(200, RawResponse.withBody(port, "PUT", "/credentials", update).status(), "root (the launcher) may");
            assertTrue(RawResponse.request(port, "GET", PATH).body().contains("\"clientId\":\"project/limited\""));
        }
    }

    @Test
    void ipAddressBindsExactlyThereIpv4AndIpv6() throws Exception {
        try (ProxyProcess v6 = proxy().args("--ip-address", "::1").start();
                ProxyProcess v4 = proxy().start()) {
            int port6 = v6.awaitListening().get(0);
            int port4 = v4.awaitListening().get(0);
            v6.awaitLine(l -> l.endsWith("listening on [0:0:0:0:0:0:0:1]:" + port6), Duration.ofSeconds(1));
            v4.awaitLine(l -> l.endsWith("listening on 127.0.0.1:" + port4), Duration.ofSeconds(1));
            assertTrue(connects("::1", port6));
            assertFalse(connects("127.0.0.1", port6), "an IPv6 listener on ::1 only");
            assertTrue(connects("127.0.0.1", port4));
            assertFalse(connects("::1", port4), "an IPv4 listener on 127.0.0.1 only");
            RawResponse overIpv6 = RawResponse.parse(rawOver("::1", port6));
            assertEquals(200, overIpv6.status(), overIpv6.body());
        }
    }

    @Test
    void allowedNetworkAdmitsInvisiblePeersInsideItOnly() throws Exception {
        try (TestNetwork net = TestNetwork.create()) {
            try (ProxyProcess inside = proxy().args("--ip-address", net.hostAddress, "--allowed-user", "nobody",
                    "--allowed-network", net.network).start();
                    ProxyProcess outside = proxy().args("--ip-address", net.hostAddress, "--allowed-user", "nobody",
                            "--allowed-network", "198.19.0.0/24").start()) {
                int port = inside.awaitListening().get(0);
                // and a second listener, on 127.0.0.1 with the same port, for the launcher
                inside.awaitLine(l -> l.endsWith("listening on 127.0.0.1:" + port), Duration.ofSeconds(5));
                int outsidePort = outside.awaitListening().get(0);

                // A client in the other namespace: its socket is not in our /proc/net/tcp; its address is in the network.
                checkAdmitted(net.curlInside(url(net.hostAddress, port)));
                checkRefusedWithoutAnswer(net.curlInside(url(net.hostAddress, outsidePort)));
                // A visible peer with the wrong owner is refused, even from an address inside the network.
                checkRefusedWithoutAnswer(curlAs(DAEMON, "--interface", net.hostAddress, url(net.hostAddress, port)));
                checkAdmitted(curlAs(NOBODY, "--interface", net.hostAddress, url(net.hostAddress, port)));

                // The launcher's loopback listener serves credential updates.
                String update = "{\"clientId\":\"project/issuer\",\"accessToken\":\"" + clients.issuer.accessToken() + "\"}";
                assertEquals(200, RawResponse.withBody(port, "PUT", "/credentials", update).status());
                inside.awaitLine(l -> l.contains("credentials updated: client id project/issuer"), Duration.ofSeconds(5));
            }
        }
    }

    private static boolean connects(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByName(host), port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String rawOver(String host, int port) throws IOException {
        try (Socket socket = new Socket(InetAddress.getByName(host), port)) {
            socket.getOutputStream().write(("GET " + PATH + " HTTP/1.1\r\nHost: taskcluster\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
