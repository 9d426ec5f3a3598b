package net.taskcluster.proxy.testing;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The fake Taskcluster deployment (src/test/node/fake-deployment.mjs) in a Node process on 127.0.0.1: it checks
 * every request with the npm hawk package and Taskcluster's certificate and authorizedScopes rules.
 */
public final class FakeDeployment implements AutoCloseable {
    private final Process process;
    private final int port;
    private final String rootUrl;
    private final int controlPort;
    /** The proxies started before this deployment: they cannot have been given its root URL. */
    private final int proxiesBefore;

    private FakeDeployment(Process process, int port, String rootUrl, int controlPort, int proxiesBefore) {
        this.process = process;
        this.port = port;
        this.rootUrl = rootUrl;
        this.controlPort = controlPort;
        this.proxiesBefore = proxiesBefore;
    }

    /**
     * @param clients clientId to {"accessToken", "scopes"}
     * @param tasks   taskId to task definition (as queue.task answers it)
     */
    public static FakeDeployment start(Map<String, Object> clients, Map<String, Object> tasks) {
        return start(clients, tasks, true);
    }

    /** @param record whether to keep the log of authentications ({@link #authLog()}); a long run cannot. */
    public static FakeDeployment start(Map<String, Object> clients, Map<String, Object> tasks, boolean record) {
        return launch(Map.of("clients", clients, "tasks", tasks, "record", record), null);
    }

    /** On this port of 127.0.0.1 (one an earlier server had), instead of a free one. */
    public static FakeDeployment startOnPort(Map<String, Object> clients, Map<String, Object> tasks, int port) {
        return launch(Map.of("clients", clients, "tasks", tasks, "record", true, "port", port), null);
    }

    /**
     * Over https, with the key and certificate of this PKCS12 keystore (such as {@link TestCa#serverKeystore}'s),
     * HTTP/2 for clients whose ALPN offers it and HTTP/1.1 for the others; its root URL is
     * {@code https://<host>:<port>}, so the proxy must resolve {@code host} to 127.0.0.1 (a hosts file).
     */
    public static FakeDeployment startHttps(Map<String, Object> clients, Map<String, Object> tasks, java.nio.file.Path keystore,
            String password, String host) {
        return launch(Map.of("clients", clients, "tasks", tasks, "record", true,
                "tls", Map.of("pfx", keystore.toString(), "passphrase", password)), host);
    }

    private static FakeDeployment launch(Map<String, Object> configuration, String httpsHost) {
        int proxiesBefore = ProxyProcess.startedSoFar();
        try {
            String config = JSON.std.asString(configuration);
            Process process = new ProcessBuilder("node", "fake-deployment.mjs", config)
                    .directory(NodeChecker.nodeDirectory().toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String first = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)).readLine();
            if (first == null) {
                throw new IllegalStateException("the fake deployment did not start");
            }
            Map<String, Object> ports = JSON.std.mapFrom(first);
            int port = ((Number) ports.get("port")).intValue();
            if (httpsHost == null) {
                return new FakeDeployment(process, port, "http://127.0.0.1:" + port, port, proxiesBefore);
            }
            return new FakeDeployment(process, port, "https://" + httpsHost + ":" + port, ((Number) ports.get("controlPort")).intValue(),
                    proxiesBefore);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public String rootUrl() {
        return rootUrl;
    }

    /** The proxies started while this deployment runs (after it began): the only ones that can forward to it. */
    public List<ProxyProcess> proxiesSinceStart() {
        return ProxyProcess.startedSince(proxiesBefore);
    }

    /** Every authentication the deployment made, in order: {method, target, ok, message, clientId, scopes, ...}. */
    public List<Map<String, Object>> authLog() {
        return control("log");
    }

    /** The events of the slow, hanging and stalling routes: {name, key, at}. */
    public List<Map<String, Object>> events() {
        return control("events");
    }

    /** Waits (polling) for an event; returns it. */
    public Map<String, Object> awaitEvent(String name, String key, Duration timeout) throws InterruptedException {
        return awaitEvent(e -> name.equals(e.get("name")) && key.equals(e.get("key")), timeout, name + " " + key);
    }

    public Map<String, Object> awaitEvent(Predicate<Map<String, Object>> test, Duration timeout, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Map<String, Object> event : events()) {
                if (test.test(event)) {
                    return event;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no event " + what + " within " + timeout + ": " + events());
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> control(String what) {
        try {
            HttpResponse<String> response = Http.CLIENT.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controlPort + "/__control/" + what)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return (List<Map<String, Object>>) (List<?>) JSON.std.listFrom(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
    }
}
