package net.taskcluster.proxy.config;

import java.nio.file.Path;
import java.util.List;
import net.taskcluster.proxy.auth.AuthorizedScopes;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.peer.AllowedPeers;
import net.taskcluster.proxy.routing.Target;

/**
 * Everything the proxy was told at start-up, validated. Built once from the command line and the environment.
 *
 * @param listen          where to listen
 * @param rootUrl         the Taskcluster deployment (its path, without trailing slashes, prefixes every API path)
 * @param scopes          the scopes given on the command line
 * @param taskId          the task whose scopes are added at start-up, or null
 * @param allowedPeers    who may connect (--allowed-user, --allowed-network), or null for anyone
 * @param maxBufferedBody request bodies up to this many bytes are held in memory so that they can be retried
 * @param retry429        whether 429 Too Many Requests is retried like a 5xx
 * @param portFile        where to write the port once listening, or null
 * @param egress          the egress proxies of the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)
 * @param upstreamHttp    the HTTP versions spoken to upstreams (h2 by ALPN, or HTTP/1.1 only)
 */
public record Config(
        Listen listen,
        Target rootUrl,
        Credentials credentials,
        List<String> scopes,
        String taskId,
        AllowedPeers allowedPeers,
        Timeouts timeouts,
        int maxBufferedBody,
        boolean retry429,
        Path portFile,
        EgressProxies egress, UpstreamHttp upstreamHttp) {

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
        return "Config[" + listen + ", rootUrl=" + rootUrl + ", credentials=" + credentials + ", scopes=" + scopes
                + ", taskId=" + taskId + ", allowedPeers=" + allowedPeers + ", " + timeouts + ", " + egress
                + ", upstreamHttp=" + upstreamHttp + "]";
    }
}
