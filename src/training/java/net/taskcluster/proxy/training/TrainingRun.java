package net.taskcluster.proxy.training;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.auth.TemporaryCredentials;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * The workload the build runs once to record the distribution's AOT cache (JEP 483, 514, 515): the classes a proxy
 * at work loads and links, and the profiles of its hot methods, so that a real proxy starts from them instead of
 * from scratch.
 *
 * <p>The proxy is the distribution itself, started by its own launcher with only {@code -XX:AOTCacheOutput} added
 * (the JVM uses a cache only with the class path it was recorded with, so the training code stays out of it). This
 * program, outside it, plays the deployment and the task: temporary credentials and authorized scopes; forwarded
 * requests of every kind, signed URLs, credential updates and a retry; then SIGTERM, on which the proxy drains,
 * exits and the JVM writes the cache.
 *
 * <p>{@code java ... TrainingRun <distribution> <cache file> <log file>}; exits 1 if anything failed.
 */
public final class TrainingRun {
    private static final int ROUNDS = 300;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private TrainingRun() {}

    public static void main(String[] args) throws Exception {
        Path dist = Path.of(args[0]);
        Path cache = Path.of(args[1]);
        Path log = Path.of(args[2]);
        Server upstream = upstream();
        upstream.start();
        HttpClient client = new HttpClient();
        client.start();
        Process proxy = null;
        try {
            String root = "http://127.0.0.1:" + ((ServerConnector) upstream.getConnectors()[0]).getLocalPort();
            Credentials issuer = new Credentials("training/issuer", "training-access-token-not-a-secret", null);
            Credentials task = TemporaryCredentials.create(issuer, null, List.of("queue:*"), Duration.ofHours(1));
            Path portFile = Files.createTempFile(log.getParent(), "training-port", "");
            Files.delete(portFile);
            ProcessBuilder launch = new ProcessBuilder(dist.resolve("bin/taskcluster-proxy").toString(),
                    "--port", "0", "--port-file", portFile.toString(), "--ip-address", "127.0.0.1", "--root-url", root,
                    "queue:get-artifact:*", "queue:create-artifact:T/0")
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            Map<String, String> env = launch.environment();
            env.put("TASKCLUSTER_CLIENT_ID", task.clientId());
            env.put("TASKCLUSTER_ACCESS_TOKEN", task.accessToken());
            env.put("TASKCLUSTER_CERTIFICATE", task.certificate().toJson());
            env.put("TASKCLUSTER_PROXY_JAVA_OPTS", "-XX:AOTCacheOutput=" + cache);
            proxy = launch.start();
            String url = "http://127.0.0.1:" + awaitPort(portFile, proxy);
            work(client, url, root, task);
            proxy.destroy(); // SIGTERM: the proxy stops as a worker stops it, and the JVM writes the cache on exit
            if (!proxy.waitFor(5, TimeUnit.MINUTES) || proxy.exitValue() != 0 || !Files.isRegularFile(cache)) {
                throw new IllegalStateException("the training proxy did not exit cleanly with its cache written (see " + log + ")");
            }
        } catch (Exception e) {
            System.err.println("AOT training failed: " + e);
            if (proxy != null) {
                proxy.destroyForcibly();
            }
            System.exit(1);
        } finally {
            client.stop();
            upstream.stop();
        }
    }

    /** The proxy writes its port file once it listens (the file is renamed into place, so it is never half there). */
    private static int awaitPort(Path portFile, Process proxy) throws Exception {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (!Files.exists(portFile)) {
            if (!proxy.isAlive() || Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("the training proxy did not start");
            }
            Thread.sleep(10);
        }
        return Integer.parseInt(Files.readString(portFile, StandardCharsets.US_ASCII).trim());
    }

    private static void work(HttpClient client, String url, String root, Credentials task) throws Exception {
        byte[] small = "{\"comment\":\"training\"}".getBytes(StandardCharsets.UTF_8);
        byte[] large = new byte[1 << 20];
        for (int i = 0; i < ROUNDS; i++) {
            expect(200, client.GET(url + "/api/queue/v1/task/KTBKfEgxR5GdfIIREQIvFQ?i=" + i));
            // The upstream (Jetty, by default) refuses the encoded slash with a 400: passed back like any answer.
            expect(400, client.GET(url + "/queue/v1/task/KTBKfEgxR5GdfIIREQIvFQ/artifacts/public%2Flog.txt"));
            expect(200, client.POST(url + "/api/queue/v1/task/KTBKfEgxR5GdfIIREQIvFQ/runs/0/artifacts/x")
                    .body(new BytesRequestContent("application/json", small)).send());
            expect(200, client.newRequest(url + "/api/queue/v1/ping").method("HEAD").send());
            client.newRequest(url + "/api/queue/v1/nowhere/%2F/x").send();
        }
        for (int i = 0; i < 20; i++) {
            expect(200, client.GET(url + "/api/queue/v1/bytes"));
            // On a connection of its own: after a streamed upload the server may close the caller's connection (seen
            // once, as an EOF on the next request of the same connection; not yet understood).
            expect(200, client.newRequest(url + "/api/object/v1/upload").method("PUT")
                    .headers(h -> h.put("Connection", "close")).body(new BytesRequestContent(large)).send());
            expect(200, client.POST(url + "/bewit")
                    .body(new StringRequestContent(root + "/api/queue/v1/task/x?b=2&a=1")).send());
            expect(200, client.GET(url + "/api/queue/v1/unavailable-once/" + i));
            client.GET(url + "/no_such-service");
            String certificate = net.taskcluster.proxy.json.Json.write(g -> g.writeString(task.certificate().toJson()));
            expect(200, client.newRequest(url + "/credentials").method("PUT").body(new StringRequestContent(
                    "{\"accessToken\":\"" + task.accessToken() + "\",\"certificate\":" + certificate
                            + ",\"clientId\":\"" + task.clientId() + "\"}")).send());
        }
    }

    private static void expect(int status, ContentResponse response) {
        if (response.getStatus() != status) {
            throw new IllegalStateException("the training proxy answered " + response.getStatus() + ", not " + status);
        }
    }

    /** Answers like a Taskcluster service: JSON, a 1 MiB body on /bytes, a 503 before the first 200 on /unavailable-once. */
    private static Server upstream() {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        AtomicInteger calls = new AtomicInteger();
        ByteBuffer megabyte = ByteBuffer.allocate(1 << 20);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String path = request.getHttpURI().getPath();
                Content.Source.consumeAll(request, Callback.from(() -> {
                    if (path.endsWith("/bytes")) {
                        response.write(true, megabyte.slice(), callback);
                    } else if (path.contains("/unavailable-once/") && calls.incrementAndGet() % 2 == 1) {
                        response.setStatus(503);
                        response.getHeaders().put("Retry-After", "0");
                        response.write(true, null, callback);
                    } else {
                        response.getHeaders().put("Content-Type", "application/json");
                        Content.Sink.write(response, true, "{\"ok\":true}", callback);
                    }
                }, callback::failed));
                return true;
            }
        });
        return server;
    }
}
