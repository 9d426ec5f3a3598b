package net.taskcluster.proxy.proxy;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.http.DateParser;

/**
 * When to try an upstream request again, as the original proxy's httpbackoff does: waits start at 500 ms and grow
 * by 1.5 each time, each randomised by ±50 %, capped at 60 s; nothing is retried once the budget (15 minutes by
 * default) would be exceeded. An upstream {@code Retry-After} is honoured instead of the computed wait.
 */
public final class RetryPolicy {
    static final Duration INITIAL_WAIT = Duration.ofMillis(500);
    static final double MULTIPLIER = 1.5;
    static final double RANDOMIZATION = 0.5;
    static final Duration MAX_WAIT = Duration.ofSeconds(60);

    private final Duration budget;

    public RetryPolicy(Duration budget) {
        this.budget = budget;
    }

    public Duration budget() {
        return budget;
    }

    /** The upstream statuses that are retried: every 5xx. 4xx (429 included), 3xx and 2xx are final. */
    public static boolean isRetryableStatus(int status) {
        return status >= 500 && status <= 599;
    }

    /** The waits of one request: call {@link #next} after each failed attempt. */
    public Backoff start() {
        return new Backoff(System.nanoTime());
    }

    public final class Backoff {
        private final long startNanos;
        private double interval = INITIAL_WAIT.toMillis();

        private Backoff(long startNanos) {
            this.startNanos = startNanos;
        }

        /**
         * The wait before the next attempt, or null when waiting would exceed the budget.
         *
         * @param retryAfter the upstream's Retry-After header, or null
         */
        public Duration next(String retryAfter) {
            Duration wait = retryAfter(retryAfter);
            if (wait == null) {
                double delta = RANDOMIZATION * interval;
                double random = ThreadLocalRandom.current().nextDouble();
                wait = Duration.ofMillis((long) (interval - delta + random * (2 * delta + 1)));
                interval = Math.min(interval * MULTIPLIER, MAX_WAIT.toMillis());
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
            return elapsed.plus(wait).compareTo(budget) > 0 ? null : wait;
        }
    }

    /** Retry-After as delta-seconds or an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        if (v.chars().allMatch(Character::isDigit) && v.length() <= 9) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
        long when = DateParser.parseDate(v);
        return when < 0 ? null : Duration.ofMillis(Math.max(0, when - System.currentTimeMillis()));
    }
}
