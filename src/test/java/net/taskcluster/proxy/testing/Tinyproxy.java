package net.taskcluster.proxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import net.taskcluster.proxy.peer.SystemUsers;

/**
 * Debian's tinyproxy as the egress proxy of a test, on a free port of 127.0.0.1, with a configuration file and a
 * log of its own in the test's directory. It runs in a mount namespace of its own whose /etc/hosts is the test's
 * hosts file: it resolves the names of a CONNECT or an absolute-form request itself, and the test's deployments
 * have names that only the test knows. (Creating the namespace needs root.)
 */
public final class Tinyproxy implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private Tinyproxy(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Skips the calling test class unless tinyproxy can be run in a namespace of its own here (root, unshare). */
    public static void skipUnlessPossible() {
        Privileged.skipUnless(SystemUsers.currentUid() == 0, "tinyproxy gets a hosts file of its own in a mount namespace, which needs root");
        Privileged.skipUnless(Privileged.run(List.of("unshare", "-m", "true")).exitCode() == 0, "mount namespaces (unshare -m) are not available");
    }

    /**
     * Starts it.
     *
     * @param name      a name for its files in {@code directory}
     * @param hosts     the /etc/hosts it sees
     * @param basicAuth {@code "user password"} to require Proxy-Authorization: Basic, or null
     */
    public static Tinyproxy start(Path directory, String name, Path hosts, String basicAuth) throws Exception {
        if (Privileged.run(List.of("sh", "-c", "command -v tinyproxy")).exitCode() != 0) {
            throw new IllegalStateException("tinyproxy is not installed (test.sh installs it: apt-get install -y -q tinyproxy)");
        }
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Path log = directory.resolve(name + ".log");
        Path config = directory.resolve(name + ".conf");
        Files.writeString(log, "");
        Files.writeString(config, String.join("\n",
                "Port " + port,
                "Listen 127.0.0.1",
                "Timeout 60",
                "LogFile \"" + log + "\"",
                "LogLevel Info",
                "MaxClients 100",
                basicAuth == null ? "" : "BasicAuth " + basicAuth,
                ""));
        Process process = new ProcessBuilder("unshare", "-m", "sh", "-c",
                "mount --bind \"$1\" /etc/hosts && exec tinyproxy -d -c \"$2\"", "sh", hosts.toString(), config.toString())
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve(name + ".out").toFile())
                .start();
        Tinyproxy proxy = new Tinyproxy(process, port, log);
        proxy.awaitLine(line -> line.contains("Accepting connections") || line.contains("Starting main loop"), Duration.ofSeconds(20));
        return proxy;
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:<port>}, as HTTP_PROXY gives it. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Its log so far. */
    public List<String> log() {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits (reading its log as it grows) for a line matching {@code test}. */
    public String awaitLine(Predicate<String> test, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String line : log()) {
                if (test.test(line)) {
                    return line;
                }
            }
            if (!process.isAlive()) {
                throw new AssertionError("tinyproxy exited (" + process.exitValue() + "); its log:\n" + String.join("\n", log()));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no such line in tinyproxy's log after " + timeout + ":\n" + String.join("\n", log()));
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
