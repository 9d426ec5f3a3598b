package net.taskcluster.proxy.e2e;

import static net.taskcluster.proxy.testing.Privileged.checkAdmitted;
import static net.taskcluster.proxy.testing.Privileged.checkRefusedWithoutAnswer;
import static net.taskcluster.proxy.testing.Privileged.curlAs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    private static final Path ATTACKER = Path.of("src/test/python/peer-attack.py").toAbsolutePath();

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
            int port = proxy.port();
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
            int a = forNobody.port();
            int b = forDaemon.port();
            checkAdmitted(curlAs(NOBODY, url("127.0.0.1", a)));
            checkRefusedWithoutAnswer(curlAs(NOBODY, url("127.0.0.1", b)));
            checkRefusedWithoutAnswer(curlAs(DAEMON, url("127.0.0.1", a)));
            checkAdmitted(curlAs(DAEMON, url("127.0.0.1", b)));
        }
    }

    @Test
    void ipv4PeersOfADualStackListenerAreFoundAsIpv4MappedInTcp6() throws Exception {
        try (ProxyProcess proxy = proxy().allInterfaces().args("--allowed-user", "nobody").start()) {
            int port = proxy.port();
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
            int port = proxy.port();
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
            int port6 = v6.port();
            int port4 = v4.port();
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
                int port = inside.port();
                // and a second listener, on 127.0.0.1 with the same port, for the launcher
                inside.awaitLine(l -> l.endsWith("listening on 127.0.0.1:" + port), Duration.ofSeconds(5));
                int outsidePort = outside.port();

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

    // The attack of issue 9: another user leaves a row for its source port that is not the connection (TIME_WAIT
    // and orphaned FIN_WAIT rows show uid 0), then connects to the proxy from that port and sends at once. The
    // proxy must decide on the connection's own socket: every try is closed without an HTTP byte.

    private static final int TRIES = 40;
    private static final List<String> DECOYS = List.of("time-wait", "fin-wait", "close-wait");
    private static final String ATTACK_REQUEST = "GET " + PATH + " HTTP/1.1\r\nHost: taskcluster\r\nConnection: close\r\n\r\n";

    @Test
    void rowsLeftOnTheCallersPortDoNotAnswerForItOnAnIpv4Listener() throws Exception {
        try (ProxyProcess proxy = proxy().args("--allowed-user", "nobody").start()) {
            assertAllRefused(proxy.port(), "127.0.0.1", List.of("127.0.0.1"), DECOYS);
        }
    }

    @Test
    void rowsLeftOnTheCallersPortDoNotAnswerForItOnAnIpv6Listener() throws Exception {
        try (ProxyProcess proxy = proxy().args("--ip-address", "::1", "--allowed-user", "nobody").start()) {
            assertAllRefused(proxy.port(), "::1", List.of("::1"), DECOYS);
        }
    }

    @Test
    void rowsLeftOnTheCallersPortDoNotAnswerForItOnADualStackListener() throws Exception {
        try (ProxyProcess proxy = proxy().allInterfaces().args("--allowed-user", "nobody").start()) {
            // IPv4, IPv4 from an IPv6 socket (::ffff:127.0.0.1 at both ends), and IPv6.
            assertAllRefused(proxy.port(), null, List.of("127.0.0.1", "::ffff:127.0.0.1", "::1"), DECOYS);
        }
    }

    /**
     * Inside --allowed-network, a caller whose socket is not found is admitted. So the caller's own socket must
     * be found however it looks: shut for writing right after the request (FIN_WAIT, not ESTABLISHED: refused,
     * not "invisible"), or bound to a device (which the kernel's exact lookup does not match without it).
     */
    @Test
    void aVisibleCallerInsideTheAllowedNetworkIsNeverTakenForAnInvisibleOne() throws Exception {
        try (ProxyProcess proxy = proxy().allInterfaces().args("--allowed-user", "nobody", "--allowed-network", "127.0.0.0/8").start()) {
            assertAllRefused(proxy.port(), null, List.of("127.0.0.1", "::ffff:127.0.0.1"),
                    List.of("half-close", "bound-device", "time-wait"));
        }
    }

    @Test
    void theTasksUserCannotPassAsRootToUpdateTheCredentials() throws Exception {
        try (ProxyProcess proxy = proxy().allInterfaces().args("--allowed-user", "nobody").start()) {
            int port = proxy.port();
            // Invalid credentials: past the check they would get a 400, so only a 403 means refused by it.
            String put = "PUT /credentials HTTP/1.1\r\nHost: taskcluster\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
            for (String source : List.of("127.0.0.1", "::ffff:127.0.0.1", "::1")) {
                for (String decoy : List.of("time-wait", "fin-wait")) {
                    Map<String, Object> byTheTask = attack(NOBODY, decoy, source, port, source, put);
                    assertEquals(Map.of("403", TRIES), byTheTask.get("statuses"), decoy + " from " + source + ": " + byTheTask);
                    Map<String, Object> byAnother = attack(DAEMON, decoy, source, port, source, put);
                    assertEquals(TRIES, byAnother.get("refused"), decoy + " from " + source + ": " + byAnother);
                }
            }
            assertEquals(400, RawResponse.withBody(port, "PUT", "/credentials", "{}").status(),
                    "root (the launcher) gets past the check, to have its bad body refused");
        }
    }

    /**
     * Runs the attacker as daemon, from each source address in each mode, to {@code host} (or to the source address
     * when null), and checks that every try was refused and every decoy row was there.
     */
    private static void assertAllRefused(int port, String host, List<String> sources, List<String> modes) throws IOException {
        List<String> failures = new ArrayList<>();
        for (String source : sources) {
            for (String mode : modes) {
                Map<String, Object> outcome = attack(DAEMON, mode, host == null ? source : host, port, source, ATTACK_REQUEST);
                boolean decoy = DECOYS.contains(mode);
                if (!outcome.get("refused").equals(TRIES) || (decoy && !outcome.get("decoys_seen").equals(TRIES))) {
                    failures.add(mode + " from " + source + ": " + outcome);
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /** The attacker program run as {@code uid}; prints and returns its outcome. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> attack(int uid, String mode, String host, int port, String source, String request)
            throws IOException {
        Path python = Path.of("/usr/bin/python3"); // a system python: a user's (pyenv) may not run as another user
        Privileged.skipUnless(Files.isExecutable(python), "no /usr/bin/python3 to run the attacker as another user");
        Path requestFile = Files.createTempFile("peer-attack", ".http");
        try {
            Files.writeString(requestFile, request, StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(requestFile, PosixFilePermissions.fromString("rw-r--r--"));
            Privileged.Result result = Privileged.run(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
                    "--", python.toString(), ATTACKER.toString(), mode, host, String.valueOf(port), String.valueOf(TRIES),
                    source, requestFile.toString()));
            assertEquals(0, result.exitCode(), result.stdout());
            Map<String, Object> outcome = JSON.std.mapFrom(result.stdout());
            System.out.printf("peer attack %s to [%s]:%d from %s as uid %d: %s refusals out of %d tries, answers %s,"
                    + " decoy rows seen %s (uids %s), errors %s%n", mode, host, port, source, uid, outcome.get("refused"),
                    TRIES, outcome.get("statuses"), outcome.get("decoys_seen"), outcome.get("decoy_uids"), outcome.get("errors"));
            return outcome;
        } finally {
            Files.delete(requestFile);
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
