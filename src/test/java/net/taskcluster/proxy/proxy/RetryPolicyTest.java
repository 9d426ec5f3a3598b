package net.taskcluster.proxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.taskcluster.proxy.testing.FakeClock;
import org.junit.jupiter.api.Test;

/** The retry schedule against a clock that only the test moves. */
class RetryPolicyTest {
    private final FakeClock clock = new FakeClock(Instant.parse("2026-12-01T12:00:00Z"));

    /** Each wait at its lowest (random 0): 250, 375, 562, 843, 1265 ms... half of 500 ms growing by 1.5. */
    @Test
    void theScheduleGrowsByOneAndAHalfWithinItsRandomisation() {
        RetryPolicy.Backoff lowest = new RetryPolicy(Duration.ofMinutes(15), clock, () -> 0.0).start();
        RetryPolicy.Backoff highest = new RetryPolicy(Duration.ofMinutes(15), clock, () -> 0.999999).start();
        double interval = 500;
        for (int i = 0; i < 20; i++) {
            long low = lowest.next(null).toMillis();
            long high = highest.next(null).toMillis();
            assertEquals((long) (interval * 0.5), low, "wait " + i);
            assertTrue(Math.abs(high - interval * 1.5) <= 1.5, "wait " + i + ": " + high);
            interval = Math.min(interval * 1.5, 60_000);
        }
        assertEquals(30_000, lowest.next(null).toMillis(), "capped at 60 s less half");
    }

    @Test
    void retryAfterZeroNeverShortensTheBackoff() {
        RetryPolicy.Backoff withZero = new RetryPolicy(Duration.ofSeconds(10), clock, () -> 0.0).start();
        List<Long> attemptsAt = new ArrayList<>(List.of(0L));
        for (Duration wait; (wait = withZero.next("0")) != null; ) {
            clock.advance(wait);
            attemptsAt.add(attemptsAt.get(attemptsAt.size() - 1) + wait.toMillis());
        }
        assertEquals(List.of(0L, 250L, 625L, 1187L, 2030L, 3295L, 5193L, 8040L), attemptsAt);
        assertEquals(6, attemptsAt.stream().filter(t -> t < 5000).count(), "at most 6 attempts in the first 5 s");
    }

    @Test
    void retryAfterLengthensAWait() {
        RetryPolicy.Backoff backoff = new RetryPolicy(Duration.ofMinutes(15), clock, () -> 0.5).start();
        assertEquals(Duration.ofSeconds(7), backoff.next("7"));
        assertEquals(Duration.ofSeconds(7), backoff.next(" 7 "));
    }

    @Test
    void aRetryAfterPastTheBudgetEndsTheRetriesAtOnce() {
        RetryPolicy.Backoff backoff = new RetryPolicy(Duration.ofSeconds(30), clock, () -> 0.5).start();
        assertNull(backoff.next("86400"));
        assertNull(new RetryPolicy(Duration.ofSeconds(30), clock, () -> 0.5).start().next("9999999999999"));
    }

    @Test
    void httpDatesCountFromTheClockAndOnesInThePastCountAsZero() {
        RetryPolicy.Backoff backoff = new RetryPolicy(Duration.ofMinutes(15), clock, () -> 0.0).start();
        assertEquals(Duration.ofMillis(250), backoff.next("Wed, 21 Oct 2015 07:28:00 GMT"), "the floor, not zero");
        assertEquals(Duration.ofSeconds(90), backoff.next("Tue, 01 Dec 2026 12:01:30 GMT"));
        assertEquals(Duration.ofMillis(562), backoff.next("not a date"), "an unreadable value is ignored");
    }

    @Test
    void nothingIsRetriedOnceTheBudgetWouldBePassed() {
        RetryPolicy.Backoff backoff = new RetryPolicy(Duration.ofSeconds(2), clock, () -> 0.0).start();
        assertEquals(Duration.ofMillis(250), backoff.next(null));
        clock.advance(Duration.ofMillis(1800));
        assertNull(backoff.next(null), "1.8 s gone and 375 ms more would pass 2 s");
    }

    @Test
    void fiveHundredsAreRetriedAndNothingElse() {
        for (int status = 100; status < 600; status++) {
            assertEquals(status >= 500, RetryPolicy.isRetryableStatus(status), String.valueOf(status));
        }
    }
}
