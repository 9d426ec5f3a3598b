package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import net.taskcluster.proxy.Version;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.testing.Http;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.WithFakeDeployment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The command line of the real launcher, as the workers use it, and its mis-uses. */
class CliIT extends WithFakeDeployment {
    private static final String CERTIFICATE_NOT_JSON = "def";

    private Map<String, Object> currentScopes(int port) throws Exception {
        RawResponse response = RawResponse.request(port, "GET", "/api/auth/v1/scopes/current");
        assertEquals(200, response.status(), response.body());
        return com.fasterxml.jackson.jr.ob.JSON.std.mapFrom(response.body());
    }

    @Test
    void genericWorkerStyleCredentialsInTheEnvironment() throws Exception {
        Credentials task = clients.temporary(null, List.of("queue:*", "test:*"));
        int port = Http.freePort();
        Map<String, String> env = Map.of("TASKCLUSTER_CLIENT_ID", task.clientId(), "TASKCLUSTER_ACCESS_TOKEN", task.accessToken(),
                "TASKCLUSTER_CERTIFICATE", task.certificate().toJson());
        try (ProxyProcess proxy = ProxyProcess.start(List.of("--port", String.valueOf(port), "--root-url", upstream.rootUrl(),
                "--ip-address", "127.0.0.1", "queue:get-artifact:private/*", "queue:create-artifact:KTBKfEgxR5GdfIIREQIvFQ/0"), env)) {
            assertEquals(List.of(port), proxy.awaitListening());
            assertEquals(Map.of("clientId", task.clientId(), "scopes",
                    List.of("queue:get-artifact:private/*", "queue:create-artifact:KTBKfEgxR5GdfIIREQIvFQ/0")), currentScopes(port));
        }
    }

    @Test
    void dockerWorkerStyleEqualsFormsOnTheCommandLine() throws Exception {
        Credentials task = clients.temporary("project/docker-task", List.of("queue:*", "test:*"));
        int port = Http.freePort();
        try (ProxyProcess proxy = ProxyProcess.start(List.of("--client-id=" + task.clientId(), "--access-token=" + task.accessToken(),
                "--certificate=" + task.certificate().toJson(), "--root-url=" + upstream.rootUrl(), "--port=" + port,
                "test:a", "queue:create-artifact:T/0"), Map.of())) {
            proxy.awaitListening();
            assertEquals(Map.of("clientId", "project/docker-task", "scopes", List.of("test:a", "queue:create-artifact:T/0")),
                    currentScopes(port));
        }
    }

    @Test
    void everythingFromTheEnvironmentAndDocoptForms() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("TASKCLUSTER_ROOT_URL", upstream.rootUrl() + "/");
        env.put("TASKCLUSTER_CLIENT_ID", clients.issuer.clientId());
        env.put("TASKCLUSTER_ACCESS_TOKEN", clients.issuer.accessToken());
        int port = Http.freePort();
        // -p<port>, an abbreviated long option, an empty --client-id (counts as absent), scopes around options, --
        try (ProxyProcess proxy = ProxyProcess.start(List.of("-p" + port, "test:a", "--ip", "127.0.0.1", "--client-id=", "--", "-test:b"), env)) {
            proxy.awaitListening();
            assertEquals(Map.of("clientId", "project/issuer", "scopes", List.of("test:a", "-test:b")), currentScopes(port));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h", "--version", "--short-version", "--short"})
    void helpAndVersionsGoToStdoutAndExitZero(String option) throws Exception {
        try (ProxyProcess proxy = ProxyProcess.start(List.of(option), Map.of())) {
            assertEquals(0, proxy.awaitExit(Duration.ofSeconds(30)));
            assertEquals(List.of(), proxy.stderr());
            String out = proxy.stdout();
            switch (option) {
                case "--help", "-h" -> assertTrue(out.contains("taskcluster-proxy [options] [<scope>...]") && out.contains("--root-url"), out);
                case "--version" -> assertEquals(Version.CURRENT.describe() + "\n", out);
                default -> assertEquals(Version.CURRENT.version() + "\n", out);
            }
        }
        if (option.equals("--version")) {
            assertTrue(Version.CURRENT.hasRevision(), "the build stamps the git revision");
        }
    }

    @Test
    void misuseIsOneLineOnStderrExitOneAndNothingListens() throws Exception {
        String root = "--root-url=" + upstream.rootUrl();
        String id = "--client-id=" + clients.issuer.clientId();
        String token = "--access-token=" + clients.issuer.accessToken();
        Map<List<String>, String> cases = new java.util.LinkedHashMap<>();
        cases.put(List.of(root, id, token, "--no-such-flag"), "unknown option --no-such-flag");
        cases.put(List.of(root, id, token, "--port", "-12345"), "port -12345 is not in range [0,65535]");
        cases.put(List.of(root, id, token, "--port", "eighty"), "port \"eighty\" is not a number");
        cases.put(List.of(root, id, token, "--ip-address", "172.17.0.44.66"), "invalid IPv4/IPv6 address specified - cannot parse: 172.17.0.44.66");
        cases.put(List.of(id, token), "--root-url (or TASKCLUSTER_ROOT_URL) is required");
        cases.put(List.of(root, token), "--client-id (or TASKCLUSTER_CLIENT_ID) is required");
        cases.put(List.of(root, id), "--access-token (or TASKCLUSTER_ACCESS_TOKEN) is required");
        cases.put(List.of(root, id, token, "--allowed-user", "nonexistent-user-abc123xyz"), "unknown user \"nonexistent-user-abc123xyz\"");
        cases.put(List.of(root, id, token, "--allowed-user", "nobody", "--allowed-network", "0.0.0.0/0"),
                "--allowed-network CIDR \"0.0.0.0/0\" is too broad (0/32 allows all addresses)");
        cases.put(List.of(root, id, token, "--ip-address", "::1::2"), "invalid IPv4/IPv6 address specified - cannot parse: ::1::2");
        // The distribution's 32 MiB heap gives held bodies a quarter of it (ConcurrentUploadsIT).
        cases.put(List.of(root, id, token, "--max-buffered-body", "64m"), "--max-buffered-body: 64m cannot fit the ");
        cases.put(List.of(root, id, token, "--certificate", CERTIFICATE_NOT_JSON), "invalid --certificate (or TASKCLUSTER_CERTIFICATE): certificate is not valid JSON");
        for (Map.Entry<List<String>, String> c : cases.entrySet()) {
            int port = Http.freePort();
            List<String> args = new ArrayList<>(c.getKey());
            if (args.stream().noneMatch(a -> a.startsWith("--port"))) {
                args.addAll(List.of("--port", String.valueOf(port)));
            }
            try (ProxyProcess proxy = ProxyProcess.start(args, Map.of())) {
                assertEquals(1, proxy.awaitExit(Duration.ofSeconds(30)), c.getValue());
                List<String> stderr = proxy.stderr();
                assertEquals(1, stderr.size(), stderr.toString());
                assertTrue(stderr.get(0).startsWith("taskcluster-proxy: " + c.getValue()), stderr.get(0));
                assertEquals("", proxy.stdout());
                assertFalse(Http.isListening(port));
                assertFalse(stderr.get(0).contains(clients.issuer.accessToken()));
            }
        }
    }

    @Test
    void anUnreachableQueueWithTaskIdExitsOneWithoutEverListening() throws Exception {
        int port = Http.freePort();
        int nothing = Http.freePort();
        try (ProxyProcess proxy = new ProxyProcess.Options().rootUrl("http://127.0.0.1:" + nothing)
                .credentials(clients.issuer.clientId(), clients.issuer.accessToken(), null)
                .args("--port", String.valueOf(port), "--task-id", "Unreachable00000000000", "--retry-budget", "2s").start()) {
            int probes = 0;
            while (proxy.isAlive()) {
                assertFalse(Http.isListening(port), "listening before the task's scopes are known");
                probes++;
            }
            assertEquals(1, proxy.awaitExit(Duration.ofSeconds(30)));
            assertTrue(probes > 0);
            List<String> stderr = proxy.stderr();
            assertEquals(1, stderr.size(), stderr.toString());
            assertTrue(stderr.get(0).startsWith("taskcluster-proxy: could not fetch taskcluster task 'Unreachable00000000000'")
                    && stderr.get(0).contains("cannot connect"), stderr.get(0));
        }
    }
    @Test
    void thePortFileNamesThePortOnceListeningAndGoesOnACleanStop(@TempDir Path directory) throws Exception {
        Path portFile = directory.resolve("proxy.port");
        try (ProxyProcess proxy = proxy().args("--port-file", portFile.toString()).start()) {
            int port = proxy.port();
            assertEquals(port + "\n", Files.readString(portFile), "the port the kernel chose for --port 0");
            assertEquals(200, RawResponse.request(Integer.parseInt(Files.readString(portFile).strip()), "GET",
                    "/api/test/v1/scopes/current").status());
            try (Stream<Path> files = Files.list(directory)) {
                assertEquals(List.of(portFile), files.toList(), "no temporary file is left beside it");
            }
            proxy.terminate();
            assertEquals(0, proxy.awaitExit(Duration.ofSeconds(30)));
            assertFalse(Files.exists(portFile), "removed on a clean stop");
        }
    }

    @Test
    void aPortFileThatCannotBeWrittenStopsTheStartBeforeAnythingListens(@TempDir Path directory) throws Exception {
        Path notADirectory = Files.writeString(directory.resolve("a-file"), "");
        int port = Http.freePort();
        try (ProxyProcess proxy = proxy().args("--port", String.valueOf(port), "--port-file",
                notADirectory.resolve("proxy.port").toString()).start()) {
            assertEquals(1, proxy.awaitExit(Duration.ofSeconds(30)));
            List<String> stderr = proxy.stderr();
            assertEquals(1, stderr.size(), stderr.toString());
            assertTrue(stderr.get(0).startsWith("taskcluster-proxy: cannot write --port-file " + notADirectory.resolve("proxy.port")),
                    stderr.get(0));
            assertFalse(Http.isListening(port));
        }
    }
}
