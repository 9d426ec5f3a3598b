package net.taskcluster.proxy.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built launcher, bin/taskcluster-proxy, run as a separate process. Everything it prints on stderr is kept
 * (and written to target/proxy-logs for LogAuditIT); the access tokens it is given are registered as secrets.
 */
public final class ProxyProcess implements AutoCloseable {
    /**
     * The launcher every test starts: the JVM distribution's that Maven made under target/dist, or the one named by
     * -Dproxy.launcher, such as the unpacked native distribution's bin/taskcluster-proxy, so that the same tests run
     * against either build. (Not the source tree's bin/taskcluster-proxy, which prefers a native build if there is
     * one.)
     */
    public static final Path LAUNCHER = Path.of(System.getProperty("proxy.launcher", Path.of(System.getProperty("user.dir"),
            "target", "dist", "taskcluster-proxy", "bin", "taskcluster-proxy").toString())).toAbsolutePath();
    /** What the proxy reads for its egress proxies: a test gets them only when it sets them itself. */
    private static final java.util.Set<String> EGRESS = java.util.Set.of("HTTP_PROXY", "http_proxy", "HTTPS_PROXY",
            "https_proxy", "NO_PROXY", "no_proxy", "REQUEST_METHOD");
    private static final Pattern LISTENING = Pattern.compile("listening on (\\S+):(\\d+)$");
    private static final AtomicInteger COUNT = new AtomicInteger();
    /** Every proxy the tests of this JVM started, by pid: the scope audit holds their requests to their scopes. */
    private static final Map<Long, ProxyProcess> STARTED = new java.util.concurrent.ConcurrentHashMap<>();

    private final Process process;
    private final int serial;
    private final List<String> args;
    private final List<String> stderr = new ArrayList<>();
    private final StringBuilder stdout = new StringBuilder();
    private final Thread stderrReader;
    private final Thread stdoutReader;

    private ProxyProcess(Process process, int serial, List<String> args, Path logFile) {
        this.process = process;
        this.serial = serial;
        this.args = List.copyOf(args);
        this.stderrReader = Thread.ofPlatform().daemon().start(() -> readStderr(logFile));
        this.stdoutReader = Thread.ofPlatform().daemon().start(this::readStdout);
    }

    /**
     * Starts the launcher with these arguments and this environment, on top of the test's own without its
     * TASKCLUSTER_*, SSL_CERT_* and egress proxy variables.
     */
    public static ProxyProcess start(List<String> args, Map<String, String> env, String javaOptions) {
        return launch(LAUNCHER, args, environment -> {
            environment.keySet().removeIf(k -> k.startsWith("TASKCLUSTER_") || k.startsWith("SSL_CERT_") || EGRESS.contains(k));
            environment.putAll(env);
            if (javaOptions != null) {
                environment.put("TASKCLUSTER_PROXY_JAVA_OPTS", javaOptions);
            }
        }, env);
    }

    /** Starts another launcher (an unpacked distribution's) with these arguments and nothing but this environment. */
    public static ProxyProcess startAlone(Path launcher, List<String> args, Map<String, String> env) {
        return launch(launcher, args, environment -> {
            environment.clear();
            environment.putAll(env);
        }, env);
    }

    private static ProxyProcess launch(Path launcher, List<String> args, Consumer<Map<String, String>> environment,
            Map<String, String> env) {
        registerTokens(args, env);
        List<String> command = new ArrayList<>();
        command.add(launcher.toString());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        environment.accept(builder.environment());
        try {
            Files.createDirectories(Secrets.LOG_DIRECTORY);
            int serial = COUNT.incrementAndGet();
            Path log = Secrets.LOG_DIRECTORY.resolve("proxy-" + ProcessHandle.current().pid() + "-" + serial + ".log");
            Files.writeString(log, "");
            ProxyProcess proxy = new ProxyProcess(builder.start(), serial, args, log);
            STARTED.put(proxy.pid(), proxy);
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ProxyProcess start(List<String> args, Map<String, String> env) {
        return start(args, env, null);
    }

    private static void registerTokens(List<String> args, Map<String, String> env) {
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.startsWith("--access-token=")) {
                Secrets.register(arg.substring("--access-token=".length()));
            } else if (arg.equals("--access-token") && i + 1 < args.size()) {
                Secrets.register(args.get(i + 1));
            }
        }
        if (env.containsKey("TASKCLUSTER_ACCESS_TOKEN")) {
            Secrets.register(env.get("TASKCLUSTER_ACCESS_TOKEN"));
        }
    }

    // Lines end at LF only: a CR the proxy printed stays in its line, where LogAuditIT finds it (a reader that also
    // ended lines at CR would hide exactly the forged lines the audit looks for).
    private void readStderr(Path logFile) {
        try (InputStream in = new java.io.BufferedInputStream(process.getErrorStream());
                Writer log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND)) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            int c;
            while (true) {
                c = in.read();
                if (c >= 0 && c != '\n') {
                    bytes.write(c);
                    continue;
                }
                if (c >= 0 || bytes.size() > 0) {
                    String line = bytes.toString(StandardCharsets.UTF_8);
                    bytes.reset();
                    synchronized (stderr) {
                        stderr.add(line);
                        stderr.notifyAll();
                    }
                    log.write(line);
                    log.write('\n');
                    log.flush();
                }
                if (c < 0) {
                    return;
                }
            }
        } catch (IOException e) {
            // the process is gone
        } finally {
            synchronized (stderr) {
                stderr.notifyAll();
            }
        }
    }

    private void readStdout() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            int c;
            while ((c = in.read()) >= 0) {
                synchronized (stdout) {
                    stdout.append((char) c);
                    stdout.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process is gone
        } finally {
            synchronized (stdout) {
                stdout.notifyAll();
            }
        }
    }

    /** Waits for a stderr line matching {@code test}; fails if the process exits first or after the timeout. */
    public String awaitLine(Predicate<String> test, Duration timeout) throws InterruptedException {
        int[] seen = {0};
        return await(stderr, stderrReader, timeout, "the line", () -> {
            for (; seen[0] < stderr.size(); seen[0]++) {
                if (test.test(stderr.get(seen[0]))) {
                    return stderr.get(seen[0]);
                }
            }
            return null;
        });
    }

    /** Waits until stdout holds {@code text}; fails if the process exits first or after the timeout. */
    public void awaitStdout(String text, Duration timeout) throws InterruptedException {
        await(stdout, stdoutReader, timeout, text + " on stdout", () -> stdout.indexOf(text) < 0 ? null : text);
    }

    /**
     * Waits on {@code output} (which its {@code reader} notifies of every byte or line) until {@code found}, called
     * with the lock held, gives a value; fails once the process and the reader have ended, or after the timeout.
     */
    private <T> T await(Object output, Thread reader, Duration timeout, String what, java.util.function.Supplier<T> found)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (output) {
            while (true) {
                T value = found.get();
                if (value != null) {
                    return value;
                }
                if (!process.isAlive() && !reader.isAlive()) {
                    throw new AssertionError("the proxy exited (" + process.exitValue() + ") without printing " + what + "; stderr:\n" + String.join("\n", stderr()));
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no " + what + " after " + timeout + "; stderr:\n" + String.join("\n", stderr()));
                }
                output.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    /** Waits until the proxy says it listens; returns the ports it has named so far, in order. */
    public List<Integer> awaitListening() throws InterruptedException {
        awaitLine(line -> LISTENING.matcher(line).find(), Duration.ofSeconds(60));
        List<Integer> ports = new ArrayList<>();
        for (String line : stderr()) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                ports.add(Integer.parseInt(m.group(2)));
            }
        }
        return ports;
    }

    /** The first port the proxy listens on (waiting until it does). */
    public int port() throws InterruptedException {
        return awaitListening().getFirst();
    }

    /** Whether {@link #LAUNCHER} runs the native executable (which its distribution has beside the launcher). */
    public static boolean isNative() {
        return java.nio.file.Files.isExecutable(LAUNCHER.getParent().resolveSibling("lib").resolve("taskcluster-proxy"));
    }

    /** The proxy started by these tests with this pid, if any. */
    public static ProxyProcess started(long pid) {
        return STARTED.get(pid);
    }

    /** The command-line arguments it was started with. */
    public List<String> args() {
        return args;
    }

    /** How many proxies these tests have started so far: a mark for {@link #startedSince}. */
    public static int startedSoFar() {
        return COUNT.get();
    }

    /** The proxies these tests started after {@link #startedSoFar} was this mark. */
    public static List<ProxyProcess> startedSince(int mark) {
        return STARTED.values().stream().filter(proxy -> proxy.serial > mark).toList();
    }

    public List<String> stderr() {
        synchronized (stderr) {
            return List.copyOf(stderr);
        }
    }

    public String stdout() {
        synchronized (stdout) {
            return stdout.toString();
        }
    }

    /** Waits for the process to exit (and for its output to be read); returns the exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the proxy did not exit within " + timeout + "; stderr:\n" + String.join("\n", stderr()));
        }
        stderrReader.join(timeout.toMillis());
        stdoutReader.join(timeout.toMillis());
        return process.exitValue();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGTERM (through the handle: Process.destroy() would also close the pipes we read the proxy's output from). */
    public void terminate() {
        process.toHandle().destroy();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        stderrReader.join(10_000);
    }

    /** Arguments and environment of a proxy for the tests, with the usual defaults. */
    public static final class Options {
        private final List<String> args = new ArrayList<>(List.of("--port", "0", "--ip-address", "127.0.0.1"));
        private final Map<String, String> env = new HashMap<>();
        private String javaOptions;

        public Options rootUrl(String rootUrl) {
            return args("--root-url", rootUrl);
        }

        public Options credentials(String clientId, String accessToken, String certificate) {
            env.put("TASKCLUSTER_CLIENT_ID", clientId);
            env.put("TASKCLUSTER_ACCESS_TOKEN", accessToken);
            if (certificate != null) {
                env.put("TASKCLUSTER_CERTIFICATE", certificate);
            }
            return this;
        }

        /** Listen on all interfaces (no --ip-address), dual-stack. */
        public Options allInterfaces() {
            int at = args.indexOf("--ip-address");
            args.remove(at + 1);
            args.remove(at);
            return this;
        }

        public Options args(String... more) {
            args.addAll(List.of(more));
            return this;
        }

        /** An environment variable for the proxy (such as SSL_CERT_FILE). */
        public Options env(String name, String value) {
            env.put(name, value);
            return this;
        }

        public Options javaOptions(String options) {
            this.javaOptions = options;
            return this;
        }

        public ProxyProcess start() {
            return ProxyProcess.start(args, env, javaOptions);
        }
    }
}
