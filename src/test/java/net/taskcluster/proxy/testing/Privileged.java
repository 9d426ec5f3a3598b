package net.taskcluster.proxy.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.taskcluster.proxy.peer.SystemUsers;
import org.junit.jupiter.api.Assumptions;

/**
 * What the connection-check tests need from the machine: root, other users to run clients as (setpriv), curl, and
 * network namespaces (ip netns). A test that lacks one is skipped, and says so on stdout.
 */
public final class Privileged {
    private Privileged() {}

    /** Skips the calling test, visibly, unless the suite runs as root with setpriv and curl at hand. */
    public static void assumeRootWithUsers() {
        skipUnless(SystemUsers.currentUid() == 0, "the connection checks need root (to run clients as other users)");
        skipUnless(run(List.of("setpriv", "--version")).exitCode == 0, "setpriv (util-linux) is not installed");
        skipUnless(run(List.of("curl", "--version")).exitCode == 0, "curl is not installed");
    }

    public static void skipUnless(boolean condition, String reason) {
        if (!condition) {
            System.out.println("SKIP: " + reason);
        }
        Assumptions.assumeTrue(condition, reason);
    }

    public record Result(int exitCode, String stdout) {}

    /** Runs a command and waits for it (at most 60 s); stderr goes to the test's output. */
    public static Result run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("timed out: " + command);
            }
            return new Result(process.exitValue(), out);
        } catch (IOException e) {
            return new Result(127, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static void runOrFail(String... command) {
        Result result = run(List.of(command));
        if (result.exitCode != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (" + result.exitCode + "): " + result.stdout);
        }
    }

    /**
     * curl, run as {@code uid} (with the same gid and no supplementary groups): prints
     * {@code <status> <header bytes>}; exit code 52 or 56 and "000 0" mean no HTTP byte came back.
     */
    public static Result curlAs(int uid, String... curlArguments) {
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--",
                "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_header}", "--max-time", "20"));
        command.addAll(List.of(curlArguments));
        return run(command);
    }

    public static void checkAdmitted(Result result) {
        if (result.exitCode != 0 || !result.stdout.startsWith("2")) {
            throw new AssertionError("expected an HTTP answer, got curl exit " + result.exitCode + ": " + result.stdout);
        }
    }

    public static void checkRefusedWithoutAnswer(Result result) {
        boolean closed = result.exitCode == 52 || result.exitCode == 56;
        if (!closed || !result.stdout.equals("000 0")) {
            throw new AssertionError("expected the connection closed with no HTTP byte, got curl exit " + result.exitCode
                    + ": " + result.stdout);
        }
    }
}
