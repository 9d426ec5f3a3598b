package net.taskcluster.proxy.proxy;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import org.eclipse.jetty.http.DateParser;

/**
 * When to try an upstream request again, as the original proxy's httpbackoff does: waits start at 500 ms and grow
 * by 1.5 each time, each randomised by ±50 %, capped at 60 s; nothing is retried once the budget (15 minutes by
 * default) would be exceeded.
 *
 * <p>An upstream {@code Retry-After} may lengthen a wait but never shorten it: the backoff is a floor, so an
 * upstream answering {@code 503} with {@code Retry-After: 0} is not hammered. A {@code Retry-After} that would
 * pass the budget ends the retries at once (the answer that asked for it is passed back).
 */
public final class RetryPolicy {
    static final Duration INITIAL_WAIT = Duration.ofMillis(500);
    static final double MULTIPLIER = 1.5;
    static final double RANDOMIZATION = 0.5;
    static final Duration MAX_WAIT = Duration.ofSeconds(60);

    private final Duration budget;
    private final Clock clock;
    private final DoubleSupplier random;

    public RetryPolicy(Duration budget, Clock clock) {
        this(budget, clock, () -> ThreadLocalRandom.current().nextDouble());
    }

    /** @param random values in [0, 1) that randomise each wait */
    RetryPolicy(Duration budget, Clock clock, DoubleSupplier random) {
        this.budget = budget;
        this.clock = clock;
        this.random = random;
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
        return new Backoff(clock.millis());
    }

    public final class Backoff {
        private final long startMillis;
        private double interval = INITIAL_WAIT.toMillis();

        private Backoff(long startMillis) {
            this.startMillis = startMillis;
        }

        /**
         * The wait before the next attempt, or null when waiting would exceed the budget.
         *
         * @param retryAfter the upstream's Retry-After header, or null
         */
        public Duration next(String retryAfter) {
            double delta = RANDOMIZATION * interval;
            long floor = (long) (interval - delta + random.getAsDouble() * (2 * delta + 1));
            interval = Math.min(interval * MULTIPLIER, MAX_WAIT.toMillis());
            long now = clock.millis();
            Duration asked = retryAfter(retryAfter, now);
            Duration wait = asked == null || asked.toMillis() < floor ? Duration.ofMillis(floor) : asked;
            long elapsed = now - startMillis;
            return elapsed + wait.toMillis() > budget.toMillis() ? null : wait;
        }
    }

    /** Retry-After as delta-seconds or an HTTP date (one in the past counts as 0); null when absent or unreadable. */
    static Duration retryAfter(String value, long nowMillis) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        if (v.chars().allMatch(Character::isDigit)) {
            // Past nine digits (31 years) it is longer than any budget: the exact figure does not matter.
            return v.length() <= 9 ? Duration.ofSeconds(Long.parseLong(v)) : Duration.ofSeconds(999_999_999L);
        }
        long when = DateParser.parseDate(v);
        return when < 0 ? null : Duration.ofMillis(Math.max(0, when - nowMillis));
    }
}
