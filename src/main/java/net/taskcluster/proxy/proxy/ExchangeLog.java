package net.taskcluster.proxy.proxy;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import net.taskcluster.proxy.routing.Target;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log lines of one exchange: a line per retry and one final line, all starting with the request's number
 * ({@code #17}), so that an operator can put them together. Bewits in targets are redacted.
 */
final class ExchangeLog {
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);

    private final long id;
    private final Request caller;
    private final Target target;
    private final Clock clock;
    private final long startMillis;
    private final AtomicLong answerBytes = new AtomicLong();

    ExchangeLog(long id, Request caller, Target target, Clock clock) {
        this.id = id;
        this.caller = caller;
        this.target = target;
        this.clock = clock;
        this.startMillis = clock.millis();
    }

    void answered(int bytes) {
        answerBytes.addAndGet(bytes);
    }

    /** Bytes of the upstream's answer written to the caller so far. */
    long answerBytes() {
        return answerBytes.get();
    }

    void retry(int attempt, Duration wait, String why) {
        LOG.info("#{} retrying {} {} in {} ms: attempt {} {}", id, Redact.escape(caller.getMethod()), Redact.forLog(target.url()),
                wait.toMillis(), attempt, why);
    }

    /** @param streamedBecause why a body with a length streamed once (null when there is nothing to say) */
    void done(String outcome, int attempts, String streamedBecause) {
        LOG.info("#{} {} {} -> {} {} in {} ms after {} attempt{}{}", id, Redact.escape(caller.getMethod()),
                Redact.forLog(caller.getHttpURI().getPathQuery()), Redact.forLog(target.url()), outcome,
                clock.millis() - startMillis, attempts, attempts == 1 ? "" : "s",
                streamedBecause == null ? "" : "; body streamed once, not retried: " + streamedBecause);
    }
}
