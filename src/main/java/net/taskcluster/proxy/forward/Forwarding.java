package net.taskcluster.proxy.forward;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import net.taskcluster.proxy.auth.RequestSigner;
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
 */
record Forwarding(HttpClient client, RequestSigner signer, RetryPolicy retryPolicy, Duration idleTimeout,
        Scheduler scheduler, Clock clock, CallerWatch callerWatch, Supplier<ProxyIdentity> identity,
        int maxBufferedBody, BodyBudget bodyBudget) {

    /**
     * The proxy→server request of one attempt: the caller's method, end-to-end headers and body, signed afresh as
     * {@code identity}.
     *
     * @throws IllegalArgumentException if the target is not a URL the client can send to
     */
    org.eclipse.jetty.client.Request signedRequest(Request caller, Target target, RequestBody body, Identity identity) {
        String method = caller.getMethod();
        return target.newRequest(client)
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
