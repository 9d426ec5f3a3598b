package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import net.taskcluster.proxy.Version;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.WithFakeDeployment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution archive stands alone: unpacked on a machine with no java on the PATH and no JAVA_HOME, in a
 * directory whose path has a space in it, it runs, says its version and revision, and proxies.
 */
class DistributionIT extends WithFakeDeployment {

    @Test
    void theArchiveRunsWithoutAnInstalledJavaFromAPathWithASpace(@TempDir Path temporary, @TempDir Path tools) throws Exception {
        // The launcher once split the AOT cache's path on the space, and the JVM refused to start.
        Path unpacked = Files.createDirectory(temporary.resolve("task dir"));
        // -Dproxy.archive: another distribution of the same version, such as the native one (scripts/native.sh).
        Path archive = Path.of(System.getProperty("proxy.archive",
                "target/taskcluster-proxy-" + Version.CURRENT.version() + "-linux-x64.tar.gz"));
        assertTrue(Files.isRegularFile(archive), "the build made " + archive);
        System.out.printf("distribution archive: %s, %.1f MiB%n", archive.getFileName(), Files.size(archive) / 1048576.0);
        assertEquals(0, new ProcessBuilder("tar", "-xzf", archive.toAbsolutePath().toString(), "-C", unpacked.toString())
                .inheritIO().start().waitFor());
        Path launcher = unpacked.resolve("taskcluster-proxy-" + Version.CURRENT.version()).resolve("bin/taskcluster-proxy");
        assertTrue(Files.isExecutable(launcher));

        // A PATH with only what the launcher script uses: no java anywhere.
        for (String tool : List.of("sh", "readlink", "dirname")) {
            Files.createSymbolicLink(tools.resolve(tool), Path.of(which(tool)));
        }
        Map<String, String> env = Map.of("PATH", tools.toString());
        assertNotEquals(0, run(List.of("sh", "-c", "command -v java"), env).exit, "no java on this PATH");

        Result version = run(List.of(launcher.toString(), "--version"), env);
        assertEquals(0, version.exit, version.output);
        assertEquals(Version.CURRENT.describe() + "\n", version.output);
        assertTrue(Version.CURRENT.hasRevision());

        String token = clients.issuer.accessToken();
        Map<String, String> serving = Map.of("PATH", tools.toString(), "TASKCLUSTER_CLIENT_ID", clients.issuer.clientId(),
                "TASKCLUSTER_ACCESS_TOKEN", token);
        try (ProxyProcess proxy = ProxyProcess.startAlone(launcher,
                List.of("--port", "0", "--ip-address", "127.0.0.1", "--root-url", upstream.rootUrl()), serving)) {
            int port = proxy.port();
            RawResponse response = RawResponse.request(port, "GET", "/api/auth/v1/scopes/current");
            response.assertAnswers(200, "\"clientId\":\"project/issuer\"");
            assertEquals(Version.CURRENT.revision(), response.header("X-Taskcluster-Proxy-Revision"));
            assertEquals(Version.CURRENT.version(), response.header("X-Taskcluster-Proxy-Version"));
        }
        // What makes it start fast is shipped: the JVM distribution's AOT cache, or the native executable itself.
        Path lib = unpacked.resolve("taskcluster-proxy-" + Version.CURRENT.version()).resolve("lib");
        if (!Files.isExecutable(lib.resolve("taskcluster-proxy"))) {
            try (Stream<Path> files = Files.list(lib)) {
                assertTrue(files.anyMatch(p -> p.getFileName().toString().equals("taskcluster-proxy.aot")), "the AOT cache is shipped");
            }
        }
    }

    private record Result(int exit, String output) {}

    private static Result run(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return new Result(process.exitValue(), output);
    }

    private static String which(String tool) throws Exception {
        Process process = new ProcessBuilder("sh", "-c", "command -v " + tool).start();
        String path = new String(process.getInputStream().readAllBytes()).strip();
        assertEquals(0, process.waitFor());
        return Path.of(path).toRealPath().toString();
    }
}
