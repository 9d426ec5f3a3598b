package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import net.taskcluster.proxy.testing.FakeDeployment;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.ScopeAudit;
import net.taskcluster.proxy.testing.TestClients;
import org.junit.jupiter.api.Test;

/** The scope audit itself: what it holds a deployment's requests against. */
class ScopeAuditIT {
    private final TestClients clients = new TestClients();

    /**
     * A deployment on a port that an earlier server of the tests had: the proxies that forwarded to that server
     * are not the new deployment's to account for (seen in CI, where StalledDownloadsIT's upstream and
     * EgressProxyIT's deployment had the same port one after the other).
     */
    @Test
    void proxiesOfAnEarlierServerOnTheSamePortAreNotTheDeploymentsToAccountFor() throws Exception {
        int port;
        try (FakeDeployment earlier = FakeDeployment.start(clients.table(), Map.of(), false)) {
            port = earlier.port();
            try (ProxyProcess proxy = ProxyProcess.start(List.of("--root-url", earlier.rootUrl(), "--client-id",
                    clients.issuer.clientId(), "--access-token", clients.issuer.accessToken()), Map.of())) {
                assertEquals(200, RawResponse.request(proxy.port(), "GET", "/api/queue/v1/echo/earlier").status());
                proxy.awaitLine(line -> line.contains("/api/queue/v1/echo/earlier 200 in "), Duration.ofSeconds(5));
            }
        }
        try (FakeDeployment later = FakeDeployment.startOnPort(clients.table(), Map.of(), port)) {
            assertEquals(List.of(), ScopeAudit.problems(later, ScopeAudit::expectedScopes));
        }
    }
}
