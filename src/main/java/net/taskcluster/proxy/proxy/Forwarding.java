package net.taskcluster.proxy.proxy;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;
import net.taskcluster.proxy.auth.RequestSigner;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Everything one {@link ForwardedExchange} needs from the forwarder that made it, fixed for the life of the proxy.
 *
 * @param identity        the identity current at each moment (it changes with PUT /credentials)
 * @param maxBufferedBody bodies up to this many bytes are held for retries, as far as {@code bodyBudget} allows
 */
record Forwarding(HttpClient client, RequestSigner signer, RetryPolicy retryPolicy, Duration idleTimeout,
        Scheduler scheduler, Clock clock, CallerWatch callerWatch, Supplier<ProxyIdentity> identity,
        int maxBufferedBody, BodyBudget bodyBudget) {}
