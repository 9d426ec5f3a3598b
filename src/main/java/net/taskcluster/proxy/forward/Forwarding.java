package net.taskcluster.proxy.forward;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import net.taskcluster.proxy.auth.RequestSigner;
import net.taskcluster.proxy.config.EgressProxies;
import net.taskcluster.proxy.egress.ProxyUrl;
import net.taskcluster.proxy.identity.Identity;
import net.taskcluster.proxy.identity.ProxyIdentity;
import net.taskcluster.proxy.routing.Target;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Everything one {@link ForwardedExchange} needs from the forwarder that made it, fixed for the life of the proxy.
 *
 * @param identity        the identity current at each moment (it changes with PUT /credentials)
 * @param maxBufferedBody bodies up to this many bytes are held for retries, as far as {@code bodyBudget} allows
 * @param egress          the egress proxies (the client already routes through them; failures name them)
 */
record Forwarding(HttpClient client, RequestSigner signer, RetryPolicy retryPolicy, Duration idleTimeout,
        Scheduler scheduler, Clock clock, CallerWatch callerWatch, Supplier<ProxyIdentity> identity,
        int maxBufferedBody, MemoryBudget bodyBudget, EgressProxies egress) {

    /**
     * The proxy→server request of one attempt: the caller's method, end-to-end headers and body, signed afresh as
     * {@code identity}. Through an http egress proxy the request line carries the whole URL (absolute form),
     * written here as the target is, byte for byte: Jetty would write it only for targets that java.net.URI
     * accepts. The signature is the same either way: it covers the target's host, port and resource.
     *
     * @param via the egress proxy the request goes through, or null
     * @throws IllegalArgumentException if the target is not a URL the client can send to
     */
    org.eclipse.jetty.client.Request signedRequest(Request caller, Target target, RequestBody body, Identity identity,
            ProxyUrl via) {
        String method = caller.getMethod();
        org.eclipse.jetty.client.Request request = target.newRequest(client);
        if (via != null && target.scheme().equals("http")) {
            request.path(target.url());
        }
        return request
                .method(method)
                .idleTimeout(idleTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .headers(headers -> {
                    ForwardedHeaders.copyRequest(caller.getHeaders(), headers);
                    headers.put(HttpHeader.AUTHORIZATION,
                            signer.authorization(identity.credentials(), identity.ext(), method, target));
                })
                .body(body.content());
    }
}
