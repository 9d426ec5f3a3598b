package net.taskcluster.proxy.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstream client's TLS, set up when the first https target is contacted rather than at start-up: building
 * the SSL context (the JDK's TLS classes, the CA certificates) costs start-up time and memory that a proxy whose
 * targets are all http never needs. Certificates and host names are verified as usual, against the CA
 * certificates the host trusts ({@link HostTrust}).
 */
final class LazyTls extends SslContextFactory.Client {
    private static final Logger LOG = LoggerFactory.getLogger(LazyTls.class);
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
                        trustWhatTheHostTrusts();
                        super.doStart();
                    } catch (Exception e) {
                        throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
                    }
                    loaded = true;
                }
            }
        }
    }

    /** An explicit javax.net.ssl.trustStore (the Java convention) wins over the host's CA certificates. */
    private void trustWhatTheHostTrusts() throws IOException, GeneralSecurityException {
        String explicit = System.getProperty("javax.net.ssl.trustStore");
        if (explicit != null) {
            LOG.info("TLS: trusting the trust store {} (javax.net.ssl.trustStore)", explicit);
            return;
        }
        HostTrust host = HostTrust.find(System.getenv());
        if (host == null) {
            LOG.info("TLS: the host has no CA certificates where Go would look for them: trusting the runtime's own cacerts");
            return;
        }
        setTrustStore(host.store());
        LOG.info("TLS: trusting {}", host.source());
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
