package net.taskcluster.proxy;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.auth.TemporaryCredentials;
import net.taskcluster.proxy.cli.Cli;
import net.taskcluster.proxy.cli.Invocation;
import net.taskcluster.proxy.forward.UpstreamClient;
import net.taskcluster.proxy.identity.StartupIdentity;
import net.taskcluster.proxy.server.ProxyServer;
import org.eclipse.jetty.client.BytesRequestContent;
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
 * The workload the build runs once, in the distribution's own runtime, to record the JDK's AOT cache (JEP 483,
 * 514, 515): the classes a proxy at work loads and links, and the profiles of its hot methods, so that a real
 * proxy starts from them instead of from scratch. A proxy with temporary credentials and authorized scopes serves
 * forwarded requests of every kind, signed URLs, a credential update and a retry, against an upstream in the same
 * JVM. Not something to run by hand.
 */
public final class Training {
    private static final int ROUNDS = 300;

    private Training() {}

    public static void main(String[] args) {
        try {
            train();
        } catch (Throwable e) {
            // The proxy's threads are not daemons: without an exit a failed training would hang the build.
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void train() throws Exception {
        Main.skipJettyJmxProbe();
        Server upstream = upstream();
        upstream.start();
        String root = "http://127.0.0.1:" + ((ServerConnector) upstream.getConnectors()[0]).getLocalPort();

        Credentials issuer = new Credentials("training/issuer", "training-access-token-not-a-secret", null);
        Credentials task = TemporaryCredentials.create(issuer, null, List.of("queue:*"), Duration.ofHours(1));
        Cli.parse(new String[] {"--help"}, Map.of());
        Cli.parse(new String[] {"--version"}, Map.of());
        Invocation.Run run = (Invocation.Run) Cli.parse(new String[] {"--port", "0", "--ip-address", "127.0.0.1",
            "--root-url", root, "queue:get-artifact:*", "queue:create-artifact:T/0"},
                Map.of("TASKCLUSTER_CLIENT_ID", task.clientId(), "TASKCLUSTER_ACCESS_TOKEN", task.accessToken(),
                        "TASKCLUSTER_CERTIFICATE", task.certificate().toJson()));
        Clock clock = Clock.systemUTC();
        UpstreamClient upstreamClient = UpstreamClient.start(run.config(), clock);
        ProxyServer proxy = new ProxyServer(run.config(), StartupIdentity.resolve(run.config(), upstreamClient),
                upstreamClient, clock);
        List<InetSocketAddress> addresses = proxy.start();
        String url = "http://127.0.0.1:" + addresses.get(0).getPort();

        HttpClient client = new HttpClient();
        client.start();
        byte[] small = "{\"comment\":\"training\"}".getBytes();
        byte[] large = new byte[1 << 20];
        for (int i = 0; i < ROUNDS; i++) {
            client.GET(url + "/api/queue/v1/task/KTBKfEgxR5GdfIIREQIvFQ?i=" + i);
            client.GET(url + "/queue/v1/task/KTBKfEgxR5GdfIIREQIvFQ/artifacts/public%2Flog.txt");
            client.POST(url + "/api/queue/v1/task/KTBKfEgxR5GdfIIREQIvFQ/runs/0/artifacts/x")
                    .body(new BytesRequestContent("application/json", small)).send();
            client.newRequest(url + "/api/queue/v1/ping").method("HEAD").send();
            client.newRequest(url + "/api/queue/v1/nowhere/%2F/x").send();
        }
        for (int i = 0; i < 20; i++) {
            client.GET(url + "/api/queue/v1/bytes");
            // On a connection of its own: after a streamed upload the server may close the caller's connection (seen
            // once, as an EOF on the next request of the same connection; not yet understood).
            client.newRequest(url + "/api/object/v1/upload").method("PUT").headers(h -> h.put("Connection", "close"))
                    .body(new BytesRequestContent(large)).send();
            client.POST(url + "/bewit").body(new StringRequestContent(root + "/api/queue/v1/task/x?b=2&a=1")).send();
            client.GET(url + "/api/queue/v1/unavailable-once/" + i);
            client.GET(url + "/no_such-service");
            client.newRequest(url + "/credentials").method("PUT").body(new StringRequestContent(
                    "{\"accessToken\":\"" + task.accessToken() + "\",\"certificate\":"
                            + net.taskcluster.proxy.json.Json.write(g -> g.writeString(task.certificate().toJson()))
                            + ",\"clientId\":\"" + task.clientId() + "\"}")).send();
        }
        client.stop();
        proxy.stop();
        upstream.stop();
        System.exit(0);
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
