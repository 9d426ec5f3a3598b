package net.taskcluster.proxy.testing;

import java.net.InetAddress;
import java.nio.file.Path;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The one way tests and benchmarks run a Jetty server of their own as an upstream: a handler on one address, plain
 * HTTP or TLS with a PKCS12 keystore, one acceptor and one selector.
 */
public final class JettyUpstream implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;

    private JettyUpstream(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /** Plain HTTP on a free port of the loopback address. */
    public static JettyUpstream start(Handler handler) throws Exception {
        return start(InetAddress.getLoopbackAddress().getHostAddress(), 0, null, null, handler);
    }

    /**
     * On {@code ip:port} (0: a free one); TLS with the keystore's key when {@code keystore} is given (SNI is not
     * checked against the certificate: the proxy's own checks are what tests look at).
     */
    public static JettyUpstream start(String ip, int port, Path keystore, String password, Handler handler) throws Exception {
        Server server = new Server();
        ServerConnector connector;
        if (keystore == null) {
            connector = new ServerConnector(server, 1, 1);
        } else {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStorePath(keystore.toString());
            ssl.setKeyStorePassword(password);
            HttpConfiguration https = new HttpConfiguration();
            SecureRequestCustomizer customizer = new SecureRequestCustomizer();
            customizer.setSniHostCheck(false);
            https.addCustomizer(customizer);
            connector = new ServerConnector(server, 1, 1, new ConnectionFactory[] {
                new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https)});
        }
        connector.setHost(InetAddress.getByName(ip).getHostAddress());
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(handler);
        server.start();
        return new JettyUpstream(server, connector);
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** {@code http://127.0.0.1:<port>} (plain HTTP upstreams). */
    public String rootUrl() {
        return "http://" + connector.getHost() + ":" + port();
    }

    public Server server() {
        return server;
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
