package net.taskcluster.proxy.cli;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import net.taskcluster.proxy.auth.AuthorizedScopes;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.peer.AllowedPeers;
import net.taskcluster.proxy.routing.Target;

/**
 * Everything the proxy was told at start-up, validated. Built once from the command line and the environment.
 *
 * @param bindAddress       the address to listen on, or null for all interfaces
 * @param port              the port to listen on; 0 picks a free one
 * @param rootUrl           the Taskcluster deployment (its path, without trailing slashes, prefixes every API path)
 * @param scopes            the scopes given on the command line
 * @param taskId            the task whose scopes are added at start-up, or null
 * @param allowedPeers      who may connect (--allowed-user, --allowed-network), or null for anyone
 * @param maxBufferedBody   request bodies up to this many bytes are held in memory so that they can be retried
 */
public record Config(
        InetAddress bindAddress,
        int port,
        Target rootUrl,
        Credentials credentials,
        List<String> scopes,
        String taskId,
        AllowedPeers allowedPeers,
        Duration connectTimeout,
        Duration idleTimeout,
        Duration retryBudget,
        Duration shutdownTimeout,
        int maxBufferedBody) {

    public Config {
        scopes = List.copyOf(scopes);
    }

    /**
     * The authorized scopes before any task is fetched: none given and no task means no restriction at all;
     * otherwise the request is restricted to the given scopes (plus, later, the task's).
     */
    public AuthorizedScopes commandLineScopes() {
        return taskId == null && scopes.isEmpty() ? AuthorizedScopes.UNRESTRICTED : AuthorizedScopes.restrictedTo(scopes);
    }

    @Override
    public String toString() {
        return "Config[address=" + (bindAddress == null ? "*" : bindAddress.getHostAddress()) + ", port=" + port
                + ", rootUrl=" + rootUrl + ", credentials=" + credentials + ", scopes=" + scopes + ", taskId=" + taskId
                + ", allowedPeers=" + allowedPeers + "]";
    }
}
