package net.taskcluster.proxy.proxy;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import net.taskcluster.proxy.auth.Identity;
import net.taskcluster.proxy.routing.Target;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One caller request on its way through the proxy: attempts, each signed afresh with the identity current at that
 * moment; retries after 5xx answers and connection failures while the budget lasts; then the answer streamed
 * back, chunk by chunk, never faster than the caller takes it (so memory stays bounded whatever the size).
 *
 * <p>Once the upstream's answer has begun to be passed on, a failure can only abort the caller's response: it is
 * never made to look complete.
 */
final class ForwardedExchange {
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);

    private final Forwarder forwarder;
    private final Request caller;
    private final Response response;
    private final Callback callback;
    private final Target target;
    private final RequestBody body;
    private final RetryPolicy.Backoff backoff;
    private final long startNanos = System.nanoTime();
    private final AtomicBoolean finished = new AtomicBoolean();

    private volatile boolean cancelled;
    private volatile org.eclipse.jetty.client.Request upstream;
    private volatile Scheduler.Task retryTimer;
    private volatile int attempts;
    private boolean answering; // guarded by this: the watch is stopped for good
    private CallerWatch.Watch watch; // guarded by this

    ForwardedExchange(Forwarder forwarder, Request caller, Response response, Callback callback, Target target,
            RequestBody body) {
        this.forwarder = forwarder;
        this.caller = caller;
        this.response = response;
        this.callback = callback;
        this.target = target;
        this.body = body;
        this.backoff = forwarder.retryPolicy().start();
    }

    void start() {
        caller.addFailureListener(this::cancel);
        // Waiting on the upstream is not the caller being idle: upstream silence is bounded by the idle timeout
        // of each attempt and the retry budget.
        caller.addIdleTimeoutListener(timeout -> false);
        if (body.isFullyRead()) {
            startWatch();
        }
        attempt();
    }

    private void attempt() {
        if (cancelled) {
            return;
        }
        int attempt = ++attempts;
        ProxyIdentity proxyIdentity = forwarder.identity();
        Identity identity = proxyIdentity.identity();
        String method = caller.getMethod();
        org.eclipse.jetty.client.Request request;
        try {
            request = target.newRequest(forwarder.client());
        } catch (IllegalArgumentException e) {
            sendError(proxyIdentity, 400, "cannot forward to " + Redact.bewits(target.url()) + ": not a valid URL");
            return;
        }
        request.method(method)
                .idleTimeout(forwarder.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .headers(headers -> {
                    ForwardedHeaders.copyRequest(caller.getHeaders(), headers);
                    headers.put(HttpHeader.AUTHORIZATION,
                            forwarder.signer().authorization(identity.credentials(), identity.ext(), method, target));
                })
                .body(body.content());
        if (!body.isFullyRead()) {
            request.onRequestSuccess(sent -> startWatch());
        }
        upstream = request;
        request.send(new Attempt(proxyIdentity, attempt));
        if (cancelled) {
            request.abort(new CancellationException("the caller went away"));
        }
    }

    /** The caller went away (or its connection failed): stop the upstream request and any retry. */
    private void cancel(Throwable cause) {
        cancelled = true;
        // Decided first: aborting the upstream request below completes its attempt, which must find it decided.
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        Scheduler.Task timer = retryTimer;
        if (timer != null) {
            timer.cancel();
        }
        org.eclipse.jetty.client.Request current = upstream;
        if (current != null) {
            current.abort(cause);
        }
        stopWatch();
        log("caller gone (" + cause.getClass().getSimpleName() + ")");
        callback.failed(cause);
    }

    private void retryIn(Duration wait, String why) {
        LOG.info("retrying {} {} in {} ms: attempt {} {}", caller.getMethod(), Redact.bewits(target.url()), wait.toMillis(),
                attempts, why);
        if (cancelled) {
            return;
        }
        retryTimer = forwarder.scheduler().schedule(this::attempt, wait.toMillis(), TimeUnit.MILLISECONDS);
        if (cancelled) {
            retryTimer.cancel();
        }
    }

    private void sendError(ProxyIdentity identity, int status, String message) {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        stopWatch();
        HttpFields.Mutable headers = response.getHeaders();
        identity.addTo(headers);
        headers.put(ProxyIdentity.ENDPOINT, target.url());
        PlainText.write(response, Callback.from(() -> {
            log(String.valueOf(status));
            callback.succeeded();
        }, callback::failed), status, message);
    }

    private synchronized void startWatch() {
        if (!answering && watch == null && !cancelled) {
            watch = forwarder.callerWatch().watch(caller, this::cancel);
        }
    }

    private synchronized void stopWatch() {
        answering = true;
        if (watch != null) {
            watch.stop();
        }
    }

    private void log(String outcome) {
        long ms = (System.nanoTime() - startNanos) / 1_000_000;
        LOG.info("{} {} -> {} {} in {} ms after {} attempt{}", caller.getMethod(),
                Redact.bewits(caller.getHttpURI().getPathQuery()), Redact.bewits(target.url()), outcome, ms, attempts,
                attempts == 1 ? "" : "s");
    }

    /** Listens to one attempt's answer and decides: retry, or pass it on. */
    private final class Attempt implements org.eclipse.jetty.client.Response.Listener {
        private final ProxyIdentity identity;
        private final int number;
        private boolean passingOn;
        private Duration retryWait;

        Attempt(ProxyIdentity identity, int number) {
            this.identity = identity;
            this.number = number;
        }

        @Override
        public void onHeaders(org.eclipse.jetty.client.Response answer) {
            if (cancelled) {
                answer.abort(new CancellationException("the caller went away"));
                return;
            }
            int status = answer.getStatus();
            if (RetryPolicy.isRetryableStatus(status) && body.isReplayable()) {
                retryWait = backoff.next(answer.getHeaders().get(HttpHeader.RETRY_AFTER));
                if (retryWait != null) {
                    answer.abort(new CancellationException("retrying after " + status));
                    return;
                }
            }
            passingOn = true;
            stopWatch();
            response.setStatus(status);
            HttpFields.Mutable headers = response.getHeaders();
            ForwardedHeaders.copyResponse(answer.getHeaders(), headers);
            identity.addTo(headers);
            if (!headers.contains(ProxyIdentity.ENDPOINT)) {
                headers.put(ProxyIdentity.ENDPOINT, target.url());
            }
        }

        @Override
        public void onContent(org.eclipse.jetty.client.Response answer, Content.Chunk chunk, Runnable demander) {
            chunk.retain();
            response.write(false, chunk.getByteBuffer(), new Callback() {
                @Override
                public void succeeded() {
                    chunk.release();
                    demander.run();
                }

                @Override
                public void failed(Throwable x) {
                    chunk.release();
                    answer.abort(x);
                }

                @Override
                public InvocationType getInvocationType() {
                    return InvocationType.NON_BLOCKING;
                }
            });
        }

        @Override
        public void onSuccess(org.eclipse.jetty.client.Response answer) {
            if (!passingOn) {
                return;
            }
            response.write(true, BufferUtil.EMPTY_BUFFER, Callback.from(() -> {
                if (finished.compareAndSet(false, true)) {
                    log(String.valueOf(response.getStatus())); // what the caller got: the answer's, or the proxy's 502
                    callback.succeeded();
                }
            }, this::abortCaller));
        }

        @Override
        public void onComplete(Result result) {
            if (retryWait != null) {
                retryIn(retryWait, "answered " + result.getResponse().getStatus());
                return;
            }
            if (!result.isFailed() || finished.get()) {
                return;
            }
            Throwable failure = result.getFailure();
            if (passingOn && response.isCommitted()) {
                abortCaller(failure);
                return;
            }
            if (passingOn) {
                // The answer failed before a byte of it reached the caller: it can still be answered properly.
                passingOn = false;
                response.reset();
            }
            UpstreamFailure what = UpstreamFailure.of(failure);
            if (what.retryable() && body.isReplayable() && !cancelled) {
                Duration wait = backoff.next(null);
                if (wait != null) {
                    retryIn(wait, "failed: " + what.description());
                    return;
                }
            }
            sendError(identity, what.status(), "taskcluster-proxy: request to " + Redact.bewits(target.url()) + " failed after "
                    + number + " attempt" + (number == 1 ? "" : "s") + ": " + what.description());
        }

        /** The answer had begun: the caller's response can only be cut, so that it does not look complete. */
        private void abortCaller(Throwable failure) {
            if (finished.compareAndSet(false, true)) {
                log("aborted (" + UpstreamFailure.of(failure).description() + ")");
                callback.failed(failure);
            }
        }
    }
}
