package net.taskcluster.proxy.bench;

import java.util.concurrent.TimeUnit;
import net.taskcluster.proxy.testing.InJvmProxy;
import net.taskcluster.proxy.testing.JettyUpstream;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
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
    private JettyUpstream upstream;
    private InJvmProxy proxy;
    private HttpClient client;
    private String direct;
    private String proxied;

    @Setup
    public void setUp() throws Exception {
        upstream = JettyUpstream.start(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.getHeaders().put("Content-Type", "application/json");
                Content.Sink.write(response, true, "{\"taskId\":\"KTBKfEgxR5GdfIIREQIvFQ\",\"status\":\"ok\"}", callback);
                return true;
            }
        });
        proxy = InJvmProxy.start(upstream.rootUrl(), "--client-id", "bench/client", "--access-token",
                "bench-access-token-not-secret", "queue:get-artifact:*");
        client = new HttpClient();
        client.start();
        direct = upstream.rootUrl() + "/api/queue/v1/task/KTBKfEgxR5GdfIIREQIvFQ";
        proxied = proxy.url() + "/api/queue/v1/task/KTBKfEgxR5GdfIIREQIvFQ";
    }

    @TearDown
    public void tearDown() throws Exception {
        client.stop();
        proxy.close();
        upstream.close();
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
