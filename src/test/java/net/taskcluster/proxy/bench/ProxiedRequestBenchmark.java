package net.taskcluster.proxy.bench;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.taskcluster.proxy.cli.Cli;
import net.taskcluster.proxy.cli.Invocation;
import net.taskcluster.proxy.forward.UpstreamClient;
import net.taskcluster.proxy.identity.StartupIdentity;
import net.taskcluster.proxy.server.ProxyServer;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The memory a proxied request costs: a small GET through a proxy in this JVM against an upstream in this JVM,
 * beside the same GET straight to the upstream. With -prof gc, the difference of the two gc.alloc.rate.norm
 * figures is what the proxy allocates per request (its server side, its signing, its upstream client).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Dnet.taskcluster.proxy.LEVEL=WARN"})
public class ProxiedRequestBenchmark {
    private Server upstream;
    private ProxyServer proxy;
    private HttpClient client;
    private String direct;
    private String proxied;

    @Setup
    public void setUp() throws Exception {
        upstream = new Server();
        ServerConnector connector = new ServerConnector(upstream, 1, 1);
        connector.setHost("127.0.0.1");
        upstream.addConnector(connector);
        upstream.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.getHeaders().put("Content-Type", "application/json");
                Content.Sink.write(response, true, "{\"taskId\":\"KTBKfEgxR5GdfIIREQIvFQ\",\"status\":\"ok\"}", callback);
                return true;
            }
        });
        upstream.start();
        String root = "http://127.0.0.1:" + connector.getLocalPort();
        Invocation.Run run = (Invocation.Run) Cli.parse(new String[] {"--port", "0", "--ip-address", "127.0.0.1",
            "--root-url", root, "--client-id", "bench/client", "--access-token", "bench-access-token-not-secret",
            "queue:get-artifact:*"}, Map.of());
        Clock clock = Clock.systemUTC();
        UpstreamClient upstreamClient = UpstreamClient.start(run.config(), clock);
        proxy = new ProxyServer(run.config(), StartupIdentity.resolve(run.config(), upstreamClient), upstreamClient, clock);
        int port = proxy.start().get(0).getPort();
        client = new HttpClient();
        client.start();
        direct = root + "/api/queue/v1/task/KTBKfEgxR5GdfIIREQIvFQ";
        proxied = "http://127.0.0.1:" + port + "/api/queue/v1/task/KTBKfEgxR5GdfIIREQIvFQ";
    }

    @TearDown
    public void tearDown() throws Exception {
        client.stop();
        proxy.stop();
        upstream.stop();
    }

    @Benchmark
    public int direct() throws Exception {
        return client.GET(direct).getStatus();
    }

    @Benchmark
    public int proxied() throws Exception {
        return client.GET(proxied).getStatus();
    }
}
