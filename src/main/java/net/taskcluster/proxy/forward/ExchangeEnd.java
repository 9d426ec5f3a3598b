package net.taskcluster.proxy.forward;

import java.util.function.Supplier;
import net.taskcluster.proxy.identity.ProxyIdentity;
import net.taskcluster.proxy.plaintext.PlainText;
import net.taskcluster.proxy.routing.Target;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The ways one {@link ForwardedExchange} ends. The first to happen moves its progress to {@code DONE} (releasing
 * what it holds), answers the caller if there is still an answer to give, logs the exchange's one line and
 * completes the caller's callback; any later one does nothing.
 */
final class ExchangeEnd {
    private static final String CALLER_GONE = "caller gone";
    private static final String CUT_AT_SHUTDOWN = "cut at the shutdown timeout";

    private final ExchangeProgress progress;
    private final ExchangeLog log;
    private final Response response;
    private final Callback callback;
    private final Target target;
    private final Supplier<ProxyIdentity> identity;

    ExchangeEnd(ExchangeProgress progress, ExchangeLog log, Response response, Callback callback, Target target,
            Supplier<ProxyIdentity> identity) {
        this.progress = progress;
        this.log = log;
        this.response = response;
        this.callback = callback;
        this.target = target;
        this.identity = identity;
    }

    /** The upstream's answer reached the caller whole; {@code status} is the one the caller got. */
    void answered(int status) {
        if (progress.markDone()) {
            complete(String.valueOf(status), null);
        }
    }

    /** The answer had begun when the upstream failed: it can only be cut, never look complete. */
    void answerCut(String why, Throwable failure) {
        if (progress.markDone()) {
            complete("aborted: " + why + " after " + log.answerBytes() + " bytes of the answer", failure);
        }
    }

    /** The proxy's own answer, when no upstream answer is to be passed on. */
    void error(ProxyIdentity signedAs, int status, String message) {
        if (progress.markDone()) {
            signedAs.addTo(response.getHeaders());
            response.getHeaders().put(ProxyIdentity.ENDPOINT, target.url());
            answerItself(status, message, String.valueOf(status));
        }
    }

    /** The caller's body ended before its length (it went away, or half-closed): nothing complete went upstream. */
    void bodyCutShort(long bytes, Throwable cause) {
        if (!progress.markDone()) {
            return;
        }
        progress.abortAttempt(cause);
        identity.get().addTo(response.getHeaders());
        if (UpstreamFailure.isTimeout(cause)) {
            answerItself(HttpStatus.REQUEST_TIMEOUT_408, "taskcluster-proxy: the request body did not arrive in time",
                    "408: the body stalled after " + bytes + " bytes");
            return;
        }
        // A caller that only half-closed still reads: it is told why, in one line. Otherwise the write just fails.
        answerItself(HttpStatus.BAD_REQUEST_400, "taskcluster-proxy: the request body ended after " + bytes + " bytes",
                whoEnded() + " after " + bytes + " bytes of the body");
    }

    /**
     * The caller's connection failed or closed: stop the upstream request and any retry. {@code where} says how far
     * the exchange had got (" after 10 bytes of the answer").
     */
    void callerGone(String where, Throwable cause) {
        if (progress.markDone()) {
            progress.abortAttempt(cause);
            complete(whoEnded() + where, cause);
        }
    }

    /**
     * Who closed the caller's connection. Once the server stops (after the drain, at the shutdown timeout) the
     * connections still open are its doing, not the caller's; this line is then the one that names the request.
     */
    private String whoEnded() {
        return response.getRequest().getConnectionMetaData().getConnector().getServer().isRunning()
                ? CALLER_GONE : CUT_AT_SHUTDOWN;
    }

    /** Writes the proxy's own plain-text answer; the exchange's line then gives {@code outcome}. */
    private void answerItself(int status, String message, String outcome) {
        boolean connectionGone = outcome.startsWith(CALLER_GONE) || outcome.startsWith(CUT_AT_SHUTDOWN);
        String ifUnread = connectionGone ? outcome : outcome + ", then " + CALLER_GONE;
        PlainText.write(response, Callback.from(() -> complete(outcome, null), x -> complete(ifUnread, x)), status, message);
    }

    private void complete(String outcome, Throwable failure) {
        RequestBody read = progress.body();
        log.done(outcome, progress.attempts(), read == null ? null : read.streamedBecause());
        if (failure == null) {
            callback.succeeded();
        } else {
            callback.failed(failure);
        }
    }
}
