package net.taskcluster.proxy.forward;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import net.taskcluster.proxy.egress.ProxyUrl;
import net.taskcluster.proxy.identity.ProxyIdentity;
import net.taskcluster.proxy.plaintext.Redact;
import net.taskcluster.proxy.routing.Target;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One caller request on its way through the proxy, in the steps of Jetty's {@code ProxyHandler}: the client→proxy
 * request (its body read, or set up to stream); then attempts, each a proxy→server request signed afresh with the
 * identity current at that moment, whose server→proxy response is retried (5xx, connection failures, while the
 * budget lasts) or passed on as the proxy→client response, chunk by chunk, never faster than the caller takes it.
 *
 * <p>Where it is and what it holds are its {@link ExchangeProgress}; how it can end, once, is its {@link ExchangeEnd}.
 */
final class ForwardedExchange {
    private final Forwarding forwarding;
    private final Request caller;
    private final Response response;
    private final Target target;
    private final ProxyUrl via;
    private final ExchangeLog log;
    private final RetryPolicy.Backoff backoff;
    private final ExchangeProgress progress = new ExchangeProgress();
    private final ExchangeEnd end;

    ForwardedExchange(Forwarding forwarding, long id, Request caller, Response response, Callback callback, Target target) {
        this.forwarding = forwarding;
        this.caller = caller;
        this.response = response;
        this.target = target;
        this.via = forwarding.egress().proxyFor(target);
        this.log = new ExchangeLog(id, caller, target, forwarding.clock());
        this.backoff = forwarding.retryPolicy().start();
        this.end = new ExchangeEnd(progress, log, response, callback, target, forwarding.identity());
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
                end.bodyCutShort(gone.bytes, gone.getCause());
                return;
            }
            caller.addFailureListener(x -> end.callerGone(whereTheCallerLeft(), x));
            // Waiting on the upstream is not the caller being idle: upstream silence is bounded by the idle
            // timeout of each attempt and the retry budget.
            caller.addIdleTimeoutListener(timeout -> false);
            progress.received(read);
            if (!progress.move(ExchangeState.RECEIVING, ExchangeState.ATTEMPTING)) {
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
        int attempt = progress.nextAttempt();
        ProxyIdentity identity = forwarding.identity().get();
        RequestBody body = progress.body();
        org.eclipse.jetty.client.Request request;
        try {
            request = forwarding.signedRequest(caller, target, body, identity.identity(), via);
        } catch (IllegalArgumentException e) {
            end.error(identity, HttpStatus.BAD_REQUEST_400,
                    "cannot forward to " + Redact.bewits(target.url()) + ": not a valid URL");
            return;
        }
        if (!body.isFullyRead()) {
            request.onRequestSuccess(sent -> watchCaller());
        }
        progress.attempting(request);
        request.send(new UpstreamAnswer(this, identity, attempt));
        if (progress.isDone()) {
            request.abort(new CancellationException("the caller went away"));
        }
    }

    /**
     * Step 3: the server→proxy response's head. Returns the wait before another attempt (the answer is dropped),
     * or null when it is to be passed on: then the proxy→client response's head is set from it.
     */
    Duration serverToProxyResponse(org.eclipse.jetty.client.Response answer, ProxyIdentity identity) {
        int status = answer.getStatus();
        if (forwarding.retryPolicy().retries(status) && progress.body().isReplayable()) {
            Duration wait = backoff.next(answer.getHeaders().get(HttpHeader.RETRY_AFTER));
            if (wait != null) {
                return wait;
            }
        }
        if (!progress.move(ExchangeState.ATTEMPTING, ExchangeState.ANSWERING)) {
            throw new CancellationException("the caller went away");
        }
        progress.stopWatching();
        response.setStatus(status);
        HttpFields.Mutable headers = response.getHeaders();
        ForwardedHeaders.copyResponse(answer.getHeaders(), headers);
        identity.addTo(headers);
        if (!headers.contains(ProxyIdentity.ENDPOINT)) {
            headers.put(ProxyIdentity.ENDPOINT, target.url());
        }
        return null;
    }

    /**
     * Step 4, after {@link UpstreamAnswer} has written the body chunk by chunk: the proxy→client response complete.
     * {@code status} is the one the caller got (FittingHead may have replaced an answer whose head was too large).
     */
    void proxyToClientResponseEnd(int status) {
        end.answered(status);
    }

    /** An attempt failed before any of its answer reached the caller: retry, or answer with the failure. */
    void attemptFailed(ProxyIdentity identity, int attempt, Throwable failure) {
        RequestBody body = progress.body();
        if (body instanceof RequestBody.Streamed streamed && streamed.callerFailure() != null) {
            end.bodyCutShort(streamed.bytesRead(), streamed.callerFailure());
            return;
        }
        if (progress.state() == ExchangeState.ANSWERING) {
            response.reset(); // nothing was written yet: the caller can still get a proper answer
        }
        UpstreamFailure what = UpstreamFailure.of(failure, via);
        Duration wait = what.retryable() && body.isReplayable() ? backoff.next(null) : null;
        if (wait != null) {
            retryLater(wait, "failed: " + what.description());
            return;
        }
        end.error(identity, what.status(), "taskcluster-proxy: request to " + Redact.bewits(target.url())
                + " failed after " + attempt + " attempt" + (attempt == 1 ? "" : "s") + ": " + what.description());
    }

    /** Waits, then makes another attempt (unless the caller goes away meanwhile). */
    void retryLater(Duration wait, String why) {
        ExchangeState from = progress.state();
        if (from == ExchangeState.DONE || !progress.move(from, ExchangeState.WAITING)) {
            return;
        }
        log.retry(progress.attempts(), wait, why);
        progress.waiting(forwarding.scheduler().schedule(() -> {
            if (progress.move(ExchangeState.WAITING, ExchangeState.ATTEMPTING)) {
                proxyToServerRequest();
            }
        }, wait.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** From the end of the caller's body until the answer begins, a caller that hangs up is noticed. */
    private void watchCaller() {
        if (progress.isWaitingForUpstream() && !progress.isWatched()) {
            progress.watched(forwarding.callerWatch().watch(caller,
                    gone -> end.callerGone(" while waiting for the upstream", gone)));
        }
    }

    private String whereTheCallerLeft() {
        RequestBody read = progress.body();
        if (progress.state() == ExchangeState.ANSWERING) {
            return " after " + log.answerBytes() + " bytes of the answer";
        }
        return read != null && !read.isFullyRead() ? " after " + read.bytesRead() + " bytes of the body" : " while waiting for the upstream";
    }

    /**
     * Whether this answer is the http egress proxy's 407 rather than the upstream's: the proxy wants credentials it
     * was not given, or refused those it was. The caller gets a 502 that says so, not the proxy's 407.
     */
    boolean isEgressProxyRefusal(org.eclipse.jetty.client.Response answer) {
        return answer.getStatus() == HttpStatus.PROXY_AUTHENTICATION_REQUIRED_407 && via != null
                && target.scheme().equals("http");
    }

    /** The egress proxy this exchange goes through, or null. */
    ProxyUrl via() {
        return via;
    }

    boolean isDone() {
        return progress.isDone();
    }

    ExchangeEnd end() {
        return end;
    }

    Response response() {
        return response;
    }

    ExchangeLog log() {
        return log;
    }
}
