package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import net.taskcluster.proxy.peer.SystemUsers;
import net.taskcluster.proxy.testing.Privileged;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.TestCa;
import net.taskcluster.proxy.testing.TestClients;
import net.taskcluster.proxy.testing.TlsUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy trusts what the host trusts, by Go's rules on Linux: an https upstream whose certificate a throw-away CA
 * signed is trusted once that CA is in SSL_CERT_FILE, in a directory of SSL_CERT_DIR, or in a system bundle path,
 * and refused without it; host names are still verified. The upstream is reached by name (a hosts file given to
 * the proxy's JVM maps the names to loopback addresses), in the hostname form and as an https --root-url.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrustIT {
    private static final String HOST = "queue.tc-trust.example";
    private static final String OTHER_HOST = "other.tc-trust.example";

    @TempDir
    static Path directory;
    private final TestClients clients = new TestClients();
    private TestCa ca;
    private TlsUpstream upstream;
    private TlsUpstream misnamed;
    private Path hosts;

    @BeforeAll
    void start() throws Exception {
        Privileged.skipUnless(SystemUsers.currentUid() == 0, "the https upstreams listen on port 443, which only root may");
        ca = TestCa.create(directory);
        upstream = TlsUpstream.start("127.0.0.5", ca.serverKeystore("queue", "dns:" + HOST));
        // Signed by the same CA, but for a name that is not the one it is reached by.
        misnamed = TlsUpstream.start("127.0.0.6", ca.serverKeystore("misnamed", "dns:someone-else.tc-trust.example"));
        hosts = directory.resolve("hosts");
        Files.writeString(hosts, "127.0.0.5 " + HOST + "\n127.0.0.6 " + OTHER_HOST + "\n");
    }

    @AfterAll
    void stop() throws Exception {
        if (upstream != null) {
            upstream.close();
            misnamed.close();
        }
    }

    /** A proxy with this environment, whose system bundle paths are {@code systemPaths} (for tests only). */
    private ProxyProcess proxy(Map<String, String> env, String systemPaths, String rootUrl) {
        Map<String, String> all = new HashMap<>(env);
        all.put("TASKCLUSTER_CLIENT_ID", clients.issuer.clientId());
        all.put("TASKCLUSTER_ACCESS_TOKEN", clients.issuer.accessToken());
        return ProxyProcess.start(java.util.List.of("--port", "0", "--ip-address", "127.0.0.1", "--root-url", rootUrl,
                "--retry-budget", "1s"), all, "-Djdk.net.hosts.file=" + hosts
                + " -Dnet.taskcluster.proxy.test.systemCertPaths=" + systemPaths);
    }

    private void assertTrusted(ProxyProcess proxy, String source) throws Exception {
        int port = proxy.port();
        RawResponse byName = RawResponse.request(port, "GET", "/" + HOST + "/api/queue/v1/ping");
        assertEquals(200, byName.status(), byName.body());
        assertEquals("{\"tls\":true}", byName.body());
        RawResponse root = RawResponse.request(port, "GET", "/api/queue/v1/task/x");
        assertEquals(200, root.status(), "through the https --root-url: " + root.body());
        String line = proxy.awaitLine(l -> l.contains("TLS: trusting"), Duration.ofSeconds(5));
        assertTrue(line.contains(source), line);
    }

    @Test
    void trustedThroughSslCertFile() throws Exception {
        try (ProxyProcess proxy = proxy(Map.of("SSL_CERT_FILE", ca.pem().toString()), "/nonexistent", "https://" + HOST)) {
            assertTrusted(proxy, "1 CA certificates from " + ca.pem());
        }
    }

    @Test
    void trustedThroughSslCertDir() throws Exception {
        Path dir = Files.createDirectories(directory.resolve("certs"));
        Files.copy(ca.pem(), dir.resolve("test-ca.pem"));
        Files.writeString(dir.resolve("README"), "not a certificate\n");
        Path empty = Files.createDirectories(directory.resolve("empty"));
        try (ProxyProcess proxy = proxy(Map.of("SSL_CERT_DIR", empty + ":" + dir), "/nonexistent", "https://" + HOST)) {
            assertTrusted(proxy, "from " + dir + "/");
        }
    }

    @Test
    void trustedThroughTheFirstSystemBundleThatExists() throws Exception {
        Path bundle = directory.resolve("ca-certificates.crt");
        Files.copy(ca.pem(), bundle);
        try (ProxyProcess proxy = proxy(Map.of(), directory.resolve("missing.crt") + ":" + bundle, "https://" + HOST)) {
            assertTrusted(proxy, "from " + bundle);
        }
    }

    @Test
    void refusedWithoutTheCaNamingTheCertificateProblem() throws Exception {
        try (ProxyProcess proxy = proxy(Map.of(), "/nonexistent", "https://" + HOST)) {
            int port = proxy.port();
            RawResponse response = RawResponse.request(port, "GET", "/" + HOST + "/api/queue/v1/ping");
            response.assertAnswers(502, "TLS failed: ", "PKIX path building failed");
            proxy.awaitLine(l -> l.contains("TLS: the host has no CA certificates") && l.contains("cacerts"), Duration.ofSeconds(5));
        }
    }

    @Test
    void hostNamesAreStillVerified() throws Exception {
        try (ProxyProcess proxy = proxy(Map.of("SSL_CERT_FILE", ca.pem().toString()), "/nonexistent", "https://" + HOST)) {
            int port = proxy.port();
            RawResponse response = RawResponse.request(port, "GET", "/" + OTHER_HOST + "/api/queue/v1/ping");
            response.assertAnswers(502, "TLS failed: ", "No subject alternative DNS name matching " + OTHER_HOST);
        }
    }
}
