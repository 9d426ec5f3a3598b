package net.taskcluster.proxy.forward;

import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Where one {@link ForwardedExchange} is ({@link ExchangeState}, in one atomic reference, moved only along legal
 * transitions) and what it holds meanwhile: the caller's body, the attempt under way, the timer of the next
 * attempt, the watch on the caller. Whoever moves the exchange to {@code DONE} releases all of them, once.
 */
final class ExchangeProgress {
    private final AtomicReference<ExchangeState> state = new AtomicReference<>(ExchangeState.RECEIVING);
    private volatile RequestBody body;
    private volatile org.eclipse.jetty.client.Request attempt;
    private volatile Scheduler.Task retryTimer;
    private volatile CallerWatch.Watch watch;
    private volatile int attempts;

    ExchangeState state() {
        return state.get();
    }

    boolean isDone() {
        return state.get() == ExchangeState.DONE;
    }

    /** From the end of the caller's body until the answer begins. */
    boolean isWaitingForUpstream() {
        ExchangeState now = state.get();
        return now == ExchangeState.ATTEMPTING || now == ExchangeState.WAITING;
    }

    /** Moves {@code from → to}; false if the exchange is no longer at {@code from}. */
    boolean move(ExchangeState from, ExchangeState to) {
        if (!from.canMoveTo(to)) {
            throw new IllegalStateException("an exchange cannot move from " + from + " to " + to);
        }
        return state.compareAndSet(from, to);
    }

    /** Moves to DONE from wherever the exchange is and releases what it holds; false if it was already done. */
    boolean markDone() {
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
        RequestBody held = body;
        if (held != null) {
            held.release();
        }
        return true;
    }

    /** Counts the attempt about to be made; returns its number, from 1. */
    int nextAttempt() {
        return ++attempts; // attempts are made one after another, never two at once
    }

    int attempts() {
        return attempts;
    }

    /** The caller's body; null until it has been read (or set up to stream). */
    RequestBody body() {
        return body;
    }

    void received(RequestBody read) {
        body = read;
    }

    /** The attempt under way: aborted if the exchange ends before its answer does. */
    void attempting(org.eclipse.jetty.client.Request request) {
        attempt = request;
    }

    void abortAttempt(Throwable cause) {
        org.eclipse.jetty.client.Request current = attempt;
        if (current != null) {
            current.abort(cause);
        }
    }

    void waiting(Scheduler.Task timer) {
        retryTimer = timer;
    }

    boolean isWatched() {
        return watch != null;
    }

    void watched(CallerWatch.Watch started) {
        watch = started;
        if (!isWaitingForUpstream()) {
            stopWatching(); // the answer began (or the exchange ended) meanwhile
        }
    }

    void stopWatching() {
        CallerWatch.Watch current = watch;
        if (current != null) {
            current.stop();
        }
    }
}
