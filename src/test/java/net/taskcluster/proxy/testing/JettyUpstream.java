package net.taskcluster.proxy.testing;

import java.net.InetAddress;
import java.nio.file.Path;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
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
 * HTTP (or h2c) or TLS with a PKCS12 keystore (optionally with HTTP/2 by ALPN), one acceptor and one selector.
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
        return start(ip, port, keystore, password, false, handler);
    }

    /** HTTP/2 without TLS (h2c, to clients that speak it from the first byte) on a free port of the loopback address. */
    public static JettyUpstream startHttp2Cleartext(Handler handler) throws Exception {
        return start(InetAddress.getLoopbackAddress().getHostAddress(), 0, null, null, true, handler);
    }

    /** As {@link #start(String, int, Path, String, Handler)} over TLS, with HTTP/2 for clients whose ALPN offers h2. */
    public static JettyUpstream startHttp2(String ip, int port, Path keystore, String password, Handler handler) throws Exception {
        return start(ip, port, keystore, password, true, handler);
    }

    private static JettyUpstream start(String ip, int port, Path keystore, String password, boolean http2, Handler handler)
            throws Exception {
        Server server = new Server();
        ServerConnector connector;
        if (keystore == null) {
            connector = http2 ? new ServerConnector(server, 1, 1, new HTTP2CServerConnectionFactory(new HttpConfiguration()))
                    : new ServerConnector(server, 1, 1);
        } else {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStorePath(keystore.toString());
            ssl.setKeyStorePassword(password);
            HttpConfiguration https = new HttpConfiguration();
            SecureRequestCustomizer customizer = new SecureRequestCustomizer();
            customizer.setSniHostCheck(false);
            https.addCustomizer(customizer);
            HttpConnectionFactory http1 = new HttpConnectionFactory(https);
            if (http2) {
                ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
                alpn.setDefaultProtocol(http1.getProtocol());
                connector = new ServerConnector(server, 1, 1, new ConnectionFactory[] {
                    new SslConnectionFactory(ssl, alpn.getProtocol()), alpn, new HTTP2ServerConnectionFactory(https), http1});
            } else {
                connector = new ServerConnector(server, 1, 1, new ConnectionFactory[] {new SslConnectionFactory(ssl, "http/1.1"), http1});
            }
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
