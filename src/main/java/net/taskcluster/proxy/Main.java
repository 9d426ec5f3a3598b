package net.taskcluster.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import net.taskcluster.proxy.auth.AuthorizedScopes;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.cli.Cli;
import net.taskcluster.proxy.cli.Invocation;
import net.taskcluster.proxy.cli.UsageException;
import net.taskcluster.proxy.config.Config;
import net.taskcluster.proxy.config.Listen;
import net.taskcluster.proxy.forward.TaskScopes;
import net.taskcluster.proxy.forward.UpstreamClient;
import net.taskcluster.proxy.identity.Identity;
import net.taskcluster.proxy.identity.ProxyIdentity;
import net.taskcluster.proxy.identity.StartupIdentity;
import net.taskcluster.proxy.json.Json;
import net.taskcluster.proxy.server.ProxyServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * taskcluster-proxy: read the command line, resolve the authorized scopes, listen, serve until SIGTERM.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        skipJettyJmxProbe();
        Invocation invocation;
        try {
            invocation = Cli.parse(args, System.getenv());
        } catch (UsageException e) {
            System.err.println("taskcluster-proxy: " + e.getMessage() + " (see --help)");
            System.exit(1);
            return;
        }
        switch (invocation) {
            case Invocation.Print print -> System.out.print(print.text());
            case Invocation.Run run -> serve(run.config());
        }
    }

    /**
     * Jetty asks the JMX platform server, the first time it pads a structure against false sharing, whether object
     * references are compressed; starting JMX for that costs a hundred classes and megabytes. They are compressed
     * on every heap this proxy uses (under 32 GiB): 16 references fill a 64-byte cache line.
     */
    private static void skipJettyJmxProbe() {
        if (System.getProperty("org.eclipse.jetty.util.referencesPerCacheLine") == null) {
            System.setProperty("org.eclipse.jetty.util.referencesPerCacheLine", "16");
        }
    }

    /** Start-up, one way: the upstream client, then who to sign as (fetching the task's scopes), then the server. */
    private static void serve(Config config) throws Exception {
        Logger log = LoggerFactory.getLogger(Main.class);
        Clock clock = Clock.systemUTC();
        UpstreamClient upstream = UpstreamClient.start(config, clock);
        ProxyServer server;
        List<InetSocketAddress> addresses;
        PortFile portFile = null;
        try {
            if (config.portFile() != null) {
                portFile = PortFile.prepare(config.portFile());
            }
        } catch (IOException e) {
            System.err.println("taskcluster-proxy: cannot write --port-file " + config.portFile() + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        try {
            Identity identity = StartupIdentity.resolve(config, upstream);
            logConfiguration(log, config, identity.scopes());
            server = new ProxyServer(config, identity, upstream, clock);
            addresses = server.start();
        } catch (TaskScopes.FetchException e) {
            System.err.println("taskcluster-proxy: " + e.getMessage());
            System.exit(1);
            return;
        } catch (ProxyIdentity.TooLargeException e) {
            System.err.println("taskcluster-proxy: cannot serve: " + e.getMessage());
            System.exit(1);
            return;
        } catch (IOException e) {
            System.err.println("taskcluster-proxy: cannot listen on " + config.listen() + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        if (portFile != null) {
            portFile.publish(addresses.getFirst().getPort());
        }
        for (InetSocketAddress address : addresses) {
            log.info("listening on {}", new Listen(address.getAddress().isAnyLocalAddress() ? null : address.getAddress(),
                    address.getPort()));
        }
        Shutdown.onSignals(server, portFile);
        server.join();
    }

    private static void logConfiguration(Logger log, Config config, AuthorizedScopes scopes) {
        Credentials credentials = config.credentials();
        log.info("{}: root URL {}, client id {} ({}), access token not shown", Version.CURRENT.describe(),
                config.rootUrl().url(), credentials.clientId(), credentials.isTemporary()
                        ? "temporary credentials, certificate expires " + credentials.certificate().expiresAt()
                        : "permanent credentials");
        if (scopes.isRestricted()) {
            log.info("authorized scopes: {}", Json.stringArray(scopes.scopes())); // JSON: a scope may hold ", "
        } else {
            log.info("no authorized scopes: requests have the full scopes of the credentials");
        }
        if (config.egress().isConfigured()) {
            log.info("{}", config.egress().describe());
        }
        if (config.allowedPeers() != null) {
            log.info("connections only from root and user {} (uid {}){}", config.allowedPeers().user(), config.allowedPeers().uid(),
                    config.allowedPeers().network() == null ? "" : ", and from " + config.allowedPeers().network()
                            + " where the peer's socket is not visible");
        }
    }
}
