package net.taskcluster.proxy.testing;

import java.util.Map;
import net.taskcluster.proxy.auth.Credentials;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** End-to-end tests against one fake deployment for the whole class, with fresh clients. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class WithFakeDeployment {
    protected final TestClients clients = new TestClients();
    /** Proxies for all of the class's tests; closed after it, before the audit. */
    protected final ClassProxies proxies = new ClassProxies();
    protected FakeDeployment upstream;

    /** The tasks the deployment's queue knows; none unless a test class says otherwise. */
    protected Map<String, Object> tasks() {
        return Map.of();
    }

    @BeforeAll
    void startDeployment() throws Exception {
        upstream = newDeployment();
    }

    /** The class's deployment: plain HTTP unless the class says otherwise (as {@link FakeDeployment#startHttps}). */
    protected FakeDeployment newDeployment() throws Exception {
        return FakeDeployment.start(clients.table(), tasks());
    }

    /** After the class: every request that reached the deployment through a proxy is held to its scopes. */
    @AfterAll
    void auditAndStopDeployment() throws InterruptedException {
        try {
            proxies.closeAll();
            ScopeAudit.check(upstream);
        } finally {
            upstream.close();
        }
    }

    /** A proxy for this deployment, on a free port of 127.0.0.1, signing with these credentials. */
    protected ProxyProcess.Options proxy(Credentials credentials) {
        return new ProxyProcess.Options().rootUrl(upstream.rootUrl()).credentials(credentials.clientId(),
                credentials.accessToken(), credentials.isTemporary() ? credentials.certificate().toJson() : null);
    }

    /** A proxy for this deployment signing with the issuer's (permanent, all-scopes) credentials. */
    protected ProxyProcess.Options proxy() {
        return proxy(clients.issuer);
    }
}
