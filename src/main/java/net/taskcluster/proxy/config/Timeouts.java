package net.taskcluster.proxy.config;

import java.time.Duration;

/**
 * How long the proxy waits, for what.
 *
 * @param connect     to connect to the upstream, per attempt
 * @param idle        an upstream attempt that moves no bytes for this long is cut
 * @param retryBudget retrying stops once the next wait would pass this
 * @param shutdown    on SIGTERM, for requests in flight
 */
public record Timeouts(Duration connect, Duration idle, Duration retryBudget, Duration shutdown) {}
