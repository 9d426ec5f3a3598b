package net.taskcluster.proxy.proxy;

import java.net.InetSocketAddress;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The upstream client's TLS, set up when the first https target is contacted rather than at start-up: building
 * the SSL context (the JDK's TLS classes, the CA certificates) costs start-up time and memory that a proxy whose
 * targets are all http never needs. Certificates and host names are verified as usual.
 */
final class LazyTls extends SslContextFactory.Client {
    private volatile boolean loaded;

    @Override
    protected void doStart() {
        // deferred to the first use
    }

    @Override
    protected void doStop() throws Exception {
        if (loaded) {
            super.doStop();
        }
    }

    private void load() {
        if (!loaded) {
            synchronized (this) {
                if (!loaded) {
                    try {
                        super.doStart();
                    } catch (Exception e) {
                        throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
                    }
                    loaded = true;
                }
            }
        }
    }

    @Override
    public SSLEngine newSSLEngine() {
        load();
        return super.newSSLEngine();
    }

    @Override
    public SSLEngine newSSLEngine(String host, int port) {
        load();
        return super.newSSLEngine(host, port);
    }

    @Override
    public SSLEngine newSSLEngine(InetSocketAddress address) {
        load();
        return super.newSSLEngine(address);
    }

    @Override
    public SSLContext getSslContext() {
        load();
        return super.getSslContext();
    }
}
