package net.taskcluster.proxy.testing;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.taskcluster.proxy.cli.Cli;
import net.taskcluster.proxy.cli.Invocation;
import net.taskcluster.proxy.config.Config;
import net.taskcluster.proxy.forward.UpstreamClient;
import net.taskcluster.proxy.identity.StartupIdentity;
import net.taskcluster.proxy.server.ProxyServer;

/**
 * A proxy in the test's own JVM, started the way Main starts one (command line, upstream client, identity, server),
 * on a free port of 127.0.0.1. For in-JVM tests and benchmarks; end-to-end tests run the launcher (ProxyProcess).
 */
public final class InJvmProxy implements AutoCloseable {
    private final UpstreamClient upstream;
    private final ProxyServer server;
    private final int port;

    private InJvmProxy(UpstreamClient upstream, ProxyServer server, int port) {
        this.upstream = upstream;
        this.server = server;
        this.port = port;
    }

    /** A proxy for {@code rootUrl} with these further command-line arguments (credentials, scopes, options). */
    public static InJvmProxy start(String rootUrl, String... arguments) throws Exception {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--ip-address", "127.0.0.1", "--root-url", rootUrl));
        args.addAll(List.of(arguments));
        Config config = ((Invocation.Run) Cli.parse(args.toArray(String[]::new), Map.of())).config();
        Clock clock = Clock.systemUTC();
        UpstreamClient upstream = UpstreamClient.start(config, clock);
        ProxyServer server = new ProxyServer(config, StartupIdentity.resolve(config, upstream), upstream, clock);
        return new InJvmProxy(upstream, server, server.start().getFirst().getPort());
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:<port>} */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() throws Exception {
        try {
            server.stop();
        } finally {
            upstream.close();
        }
    }
}
