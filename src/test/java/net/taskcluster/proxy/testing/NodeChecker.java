package net.taskcluster.proxy.testing;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The Node checker process (src/test/node/hawk-check.mjs): the reference npm {@code hawk} package with
 * Taskcluster's certificate and authorizedScopes rules, and the official {@code taskcluster-client}.
 */
public final class NodeChecker implements AutoCloseable {
    private final Process process;
    private final BufferedWriter in;
    private final BufferedReader out;

    private NodeChecker(Process process) {
        this.process = process;
        this.in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** The folder of the Node test peers, with its node_modules installed (the test script runs npm ci). */
    public static Path nodeDirectory() {
        Path dir = Path.of(System.getProperty("user.dir"), "src", "test", "node");
        if (!Files.isDirectory(dir.resolve("node_modules"))) {
            throw new IllegalStateException("Node test peers are not installed: run `npm ci` in " + dir
                    + " (scripts/test does it)");
        }
        return dir;
    }

    public static NodeChecker start() {
        try {
            Process process = new ProcessBuilder("node", "hawk-check.mjs")
                    .directory(nodeDirectory().toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            return new NodeChecker(process);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node", e);
        }
    }

    /** Sends one request and waits for its answer. */
    public Map<String, Object> call(Map<String, Object> request) {
        return callAll(List.of(request)).get(0);
    }

    /** Sends many requests (written by another thread, so that neither pipe fills up) and returns the answers in order. */
    public synchronized List<Map<String, Object>> callAll(List<Map<String, Object>> requests) {
        CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
            try {
                for (Map<String, Object> request : requests) {
                    in.write(JSON.std.asString(request));
                    in.write('\n');
                }
                in.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        List<Map<String, Object>> answers = new ArrayList<>(requests.size());
        try {
            for (int i = 0; i < requests.size(); i++) {
                String line = out.readLine();
                if (line == null) {
                    throw new IllegalStateException("the Node checker exited");
                }
                answers.add(JSON.std.mapFrom(line));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writing.join();
        return answers;
    }

    @Override
    public void close() {
        process.destroy();
    }
}
