package net.taskcluster.proxy.forward;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import net.taskcluster.proxy.identity.Identity;
import net.taskcluster.proxy.identity.ProxyIdentity;
import net.taskcluster.proxy.plaintext.PlainText;
import net.taskcluster.proxy.plaintext.Redact;
import net.taskcluster.proxy.routing.Target;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * One caller request on its way through the proxy, in the steps of Jetty's {@code ProxyHandler}: the client→proxy
 * request (its body read, or set up to stream); then attempts, each a proxy→server request signed afresh with the
 * identity current at that moment, whose server→proxy response is retried (5xx, connection failures, while the
 * budget lasts) or passed on as the proxy→client response, chunk by chunk, never faster than the caller takes it.
 *
 * <p>Its state is one {@link ExchangeState} in one atomic reference: whoever moves it to {@code DONE} (the answer sent, an
 * error sent, the caller gone) is the only one to complete the caller's callback and log the exchange's line.
 */
final class ForwardedExchange {
    private final Forwarding forwarding;
    private final Request caller;
    private final Response response;
    private final Callback callback;
    private final Target target;
    private final ExchangeLog log;
    private final RetryPolicy.Backoff backoff;
    private final AtomicReference<ExchangeState> state = new AtomicReference<>(ExchangeState.RECEIVING);

    private volatile RequestBody body;
    private volatile org.eclipse.jetty.client.Request upstream;
    private volatile Scheduler.Task retryTimer;
    private volatile CallerWatch.Watch watch;
    private volatile int attempts;

    ForwardedExchange(Forwarding forwarding, long id, Request caller, Response response, Callback callback, Target target) {
        this.forwarding = forwarding;
        this.caller = caller;
        this.response = response;
        this.callback = callback;
        this.target = target;
        this.log = new ExchangeLog(id, caller, target, forwarding.clock());
        this.backoff = forwarding.retryPolicy().start();
    }

    void start() {
        clientToProxyRequest();
    }

    /**
     * Step 1: the caller's body, held (read whole first; a caller idle for the server's idle timeout meanwhile is
     * answered 408) or streamed.
     */
    private void clientToProxyRequest() {
        RequestBody.of(caller, forwarding.maxBufferedBody(), forwarding.bodyBudget()).whenComplete((read, failure) -> {
            Throwable cause = failure instanceof CompletionException wrapped ? wrapped.getCause() : failure;
            if (cause != null) {
                BodyReader.CallerGone gone = cause instanceof BodyReader.CallerGone g ? g : new BodyReader.CallerGone(0, cause);
                bodyCutShort(gone.bytes, gone.getCause());
                return;
            }
            caller.addFailureListener(x -> callerGone("caller gone" + progress(), x));
            // Waiting on the upstream is not the caller being idle: upstream silence is bounded by the idle
            // timeout of each attempt and the retry budget.
            caller.addIdleTimeoutListener(timeout -> false);
            body = read;
            if (!move(ExchangeState.RECEIVING, ExchangeState.ATTEMPTING)) {
                read.release(); // the caller went away meanwhile
                return;
            }
            if (read.isFullyRead()) {
                watchCaller();
            }
            proxyToServerRequest();
        });
    }

    /** Step 2, once per attempt: the signed upstream request, sent. */
    private void proxyToServerRequest() {
        int attempt = ++attempts;
        ProxyIdentity proxyIdentity = forwarding.identity().get();
        Identity identity = proxyIdentity.identity();
        String method = caller.getMethod();
        org.eclipse.jetty.client.Request request;
        try {
            request = target.newRequest(forwarding.client());
        } catch (IllegalArgumentException e) {
            proxyToClientError(proxyIdentity, HttpStatus.BAD_REQUEST_400,
                    "cannot forward to " + Redact.bewits(target.url()) + ": not a valid URL");
            return;
        }
        request.method(method)
                .idleTimeout(forwarding.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .headers(headers -> {
                    ForwardedHeaders.copyRequest(caller.getHeaders(), headers);
                    headers.put(HttpHeader.AUTHORIZATION,
                            forwarding.signer().authorization(identity.credentials(), identity.ext(), method, target));
                })
                .body(body.content());
        if (!body.isFullyRead()) {
            request.onRequestSuccess(sent -> watchCaller());
        }
        upstream = request;
        request.send(new UpstreamAnswer(this, proxyIdentity, attempt));
        if (state.get() == ExchangeState.DONE) {
            request.abort(new CancellationException("the caller went away"));
        }
    }

    /**
     * Step 3: the server→proxy response's head. Returns the wait before another attempt (the answer is dropped),
     * or null when it is to be passed on: then the proxy→client response's head is set from it.
     */
    Duration serverToProxyResponse(org.eclipse.jetty.client.Response answer, ProxyIdentity identity) {
        int status = answer.getStatus();
        if (forwarding.retryPolicy().retries(status) && body.isReplayable()) {
            Duration wait = backoff.next(answer.getHeaders().get(HttpHeader.RETRY_AFTER));
            if (wait != null) {
                return wait;
            }
        }
        if (!move(ExchangeState.ATTEMPTING, ExchangeState.ANSWERING)) {
            throw new CancellationException("the caller went away");
        }
        stopWatching();
        response.setStatus(status);
        HttpFields.Mutable headers = response.getHeaders();
        ForwardedHeaders.copyResponse(answer.getHeaders(), headers);
        identity.addTo(headers);
        if (!headers.contains(ProxyIdentity.ENDPOINT)) {
            headers.put(ProxyIdentity.ENDPOINT, target.url());
        }
        return null;
    }

    /** Step 4: the proxy→client response, complete: the exchange is done. */
    void proxyToClientResponseEnd(int status) {
        finish(String.valueOf(status), null);
    }

    /** The proxy→client response had begun when the upstream failed: it can only be cut, never look complete. */
    void cutAnswer(String why, Throwable failure) {
        finish("aborted: " + why + " after " + log.answerBytes() + " bytes of the answer", failure);
    }

    /** An attempt failed before any of its answer reached the caller: retry, or answer with the failure. */
    void attemptFailed(ProxyIdentity identity, int attempt, Throwable failure) {
        if (body instanceof RequestBody.Streamed streamed && streamed.callerFailure() != null) {
            bodyCutShort(streamed.bytesRead(), streamed.callerFailure());
            return;
        }
        if (state.get() == ExchangeState.ANSWERING) {
            response.reset(); // nothing was written yet: the caller can still get a proper answer
        }
        UpstreamFailure what = UpstreamFailure.of(failure);
        if (what.retryable() && body.isReplayable()) {
            Duration wait = backoff.next(null);
            if (wait != null) {
                retryLater(wait, "failed: " + what.description());
                return;
            }
        }
        proxyToClientError(identity, what.status(), "taskcluster-proxy: request to " + Redact.bewits(target.url())
                + " failed after " + attempt + " attempt" + (attempt == 1 ? "" : "s") + ": " + what.description());
    }

    /** Waits, then makes another attempt (unless the caller goes away meanwhile). */
    void retryLater(Duration wait, String why) {
        ExchangeState from = state.get();
        if (from == ExchangeState.DONE || !move(from, ExchangeState.WAITING)) {
            return;
        }
        log.retry(attempts, wait, why);
        retryTimer = forwarding.scheduler().schedule(() -> {
            if (move(ExchangeState.WAITING, ExchangeState.ATTEMPTING)) {
                proxyToServerRequest();
            }
        }, wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The proxy's own answer, when no upstream answer is to be passed on. */
    private void proxyToClientError(ProxyIdentity identity, int status, String message) {
        if (!markDone()) {
            return;
        }
        identity.addTo(response.getHeaders());
        response.getHeaders().put(ProxyIdentity.ENDPOINT, target.url());
        answerItself(status, message, String.valueOf(status));
    }

    /** Writes the proxy's own plain-text answer; the exchange's line then gives {@code outcome}. */
    private void answerItself(int status, String message, String outcome) {
        String ifUnread = outcome.startsWith("caller gone") ? outcome : outcome + ", then caller gone";
        PlainText.write(response, Callback.from(() -> complete(outcome, null), x -> complete(ifUnread, x)), status, message);
    }

    /** The caller's body ended before its length (it went away, or half-closed): nothing complete went upstream. */
    private void bodyCutShort(long bytes, Throwable cause) {
        if (!markDone()) {
            return;
        }
        abortUpstream(cause);
        forwarding.identity().get().addTo(response.getHeaders());
        if (UpstreamFailure.isTimeout(cause)) {
            answerItself(HttpStatus.REQUEST_TIMEOUT_408, "taskcluster-proxy: the request body did not arrive in time",
                    "408: the body stalled after " + bytes + " bytes");
            return;
        }
        // A caller that only half-closed still reads: it is told why, in one line. Otherwise the write just fails.
        answerItself(HttpStatus.BAD_REQUEST_400, "taskcluster-proxy: the request body ended after " + bytes + " bytes",
                "caller gone after " + bytes + " bytes of the body");
    }

    /** A write of the answer to the caller failed: it went away. */
    void callerGoneDuringAnswer(Throwable cause) {
        callerGone("caller gone after " + log.answerBytes() + " bytes of the answer", cause);
    }

    /** The caller went away (its connection failed or closed): stop the upstream request and any retry. */
    void callerGone(String outcome, Throwable cause) {
        if (markDone()) {
            abortUpstream(cause);
            complete(outcome, cause);
        }
    }

    private String progress() {
        RequestBody read = body;
        if (state.get() == ExchangeState.ANSWERING) {
            return " after " + log.answerBytes() + " bytes of the answer";
        }
        return read != null && !read.isFullyRead() ? " after " + read.bytesRead() + " bytes of the body" : " while waiting for the upstream";
    }

    private void finish(String outcome, Throwable failure) {
        if (markDone()) {
            complete(outcome, failure);
        }
    }

    /** Moves to DONE from wherever the exchange is; false if it was already there. */
    private boolean markDone() {
        ExchangeState from;
        do {
            from = state.get();
            if (from == ExchangeState.DONE) {
                return false;
            }
        } while (!state.compareAndSet(from, ExchangeState.DONE));
        Scheduler.Task timer = retryTimer;
        if (timer != null) {
            timer.cancel();
        }
        stopWatching();
        RequestBody read = body;
        if (read != null) {
            read.release();
        }
        return true;
    }

    private void complete(String outcome, Throwable failure) {
        RequestBody read = body;
        log.done(outcome, attempts, read == null ? null : read.streamedBecause());
        if (failure == null) {
            callback.succeeded();
        } else {
            callback.failed(failure);
        }
    }

    private boolean move(ExchangeState from, ExchangeState to) {
        if (!from.canMoveTo(to)) {
            throw new IllegalStateException("an exchange cannot move from " + from + " to " + to);
        }
        return state.compareAndSet(from, to);
    }

    private void abortUpstream(Throwable cause) {
        org.eclipse.jetty.client.Request current = upstream;
        if (current != null) {
            current.abort(cause);
        }
    }

    boolean isDone() {
        return state.get() == ExchangeState.DONE;
    }

    Response response() {
        return response;
    }

    ExchangeLog log() {
        return log;
    }

    /** From the end of the caller's body until the answer begins, a caller that hangs up is noticed. */
    private void watchCaller() {
        if (!isWaitingForUpstream() || watch != null) {
            return;
        }
        watch = forwarding.callerWatch().watch(caller, gone -> callerGone("caller gone while waiting for the upstream", gone));
        if (!isWaitingForUpstream()) {
            stopWatching(); // the answer began (or the exchange ended) meanwhile
        }
    }

    private boolean isWaitingForUpstream() {
        ExchangeState now = state.get();
        return now == ExchangeState.ATTEMPTING || now == ExchangeState.WAITING;
    }

    private void stopWatching() {
        CallerWatch.Watch current = watch;
        if (current != null) {
            current.stop();
        }
    }
}
