package net.taskcluster.proxy.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Requests at a fixed rate between two instants, shared by a few callers. Each latency is measured from the moment
 * its request was due, not from when a caller got round to it, so that a stall cannot hide behind callers that wait
 * for it (coordinated omission).
 */
final class FixedRate {
    /** Receives each request's due time (nanoseconds after the start), its latency, and whether it succeeded. */
    interface Recorder {
        void record(long dueAfterStart, long latencyNanos, boolean ok);
    }

    private FixedRate() {
    }

    /** Starts {@code callers} virtual threads; the latch opens when the last of them has finished. */
    static CountDownLatch start(double perSecond, int callers, long start, long end, BooleanSupplier request, Recorder recorder) {
        long period = (long) (1e9 / perSecond);
        AtomicLong tickets = new AtomicLong();
        CountDownLatch done = new CountDownLatch(callers);
        for (int c = 0; c < callers; c++) {
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        long due = start + tickets.getAndIncrement() * period;
                        if (due >= end) {
                            return;
                        }
                        LockSupport.parkNanos(due - System.nanoTime());
                        boolean ok = request.getAsBoolean();
                        recorder.record(due - start, System.nanoTime() - due, ok);
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        return done;
    }
}
