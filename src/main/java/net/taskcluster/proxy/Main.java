package net.taskcluster.proxy;

import java.net.InetSocketAddress;
import java.util.List;
import net.taskcluster.proxy.auth.AuthorizedScopes;
import net.taskcluster.proxy.cli.Cli;
import net.taskcluster.proxy.cli.Config;
import net.taskcluster.proxy.cli.Invocation;
import net.taskcluster.proxy.cli.UsageException;
import net.taskcluster.proxy.proxy.TaskScopes;
import net.taskcluster.proxy.server.ProxyServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * taskcluster-proxy: read the command line, resolve the authorized scopes, listen, serve until SIGTERM.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
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

    private static void serve(Config config) throws Exception {
        Logger log = LoggerFactory.getLogger(Main.class);
        log.info("{} starting: root URL {}, client id {} ({}), access token not shown", Version.CURRENT.describe(),
                config.rootUrl(), config.credentials().clientId(),
                config.credentials().isTemporary() ? "temporary credentials" : "permanent credentials");
        ProxyServer server = new ProxyServer(config);
        List<InetSocketAddress> addresses;
        try {
            AuthorizedScopes scopes = server.authorizedScopes();
            log.info(scopes.isRestricted() ? "authorized scopes: {}" : "no authorized scopes: requests have the credentials' full scopes{}",
                    scopes.isRestricted() ? scopes.scopes() : "");
            addresses = server.start(scopes);
        } catch (TaskScopes.FetchException e) {
            System.err.println("taskcluster-proxy: " + e.getMessage());
            Runtime.getRuntime().halt(1);
            return;
        } catch (java.io.IOException e) {
            System.err.println("taskcluster-proxy: cannot listen on " + (config.bindAddress() == null ? "*" : config.bindAddress().getHostAddress())
                    + ":" + config.port() + ": " + e.getMessage());
            Runtime.getRuntime().halt(1);
            return;
        }
        for (InetSocketAddress address : addresses) {
            log.info("listening on {}:{}", address.getAddress() != null && address.getAddress().getHostAddress().contains(":")
                    ? "[" + address.getHostString() + "]" : address.getHostString(), address.getPort());
        }
        Shutdown.onSignals(server);
        server.join();
    }
}
