package net.taskcluster.proxy.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Notices callers that hang up while the proxy waits (for the upstream's answer, or between retries).
 *
 * <p>Jetty does not read an HTTP/1.1 connection while a request is being handled, so a caller's close goes
 * unnoticed until something is written. While nothing is written, the connections of the waiting requests are
 * polled, four times a second by one sweep for all of them (none while nothing waits), with a non-blocking read:
 * end of stream means the caller is gone. Bytes, if a caller pipelines its next request, are handed back to the
 * connection (as the bytes an upgrade had read ahead) and the watch ends. A request is only watched once its body has been read to the end,
 * and no longer once its answer is being written, so the sweep never reads beside Jetty.
 */
final class CallerWatch implements AutoCloseable {
    private static final long PERIOD_MS = 250;
    private static final int BUFFER_SIZE = 4096;

    private final Scheduler scheduler;
    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile Scheduler.Task sweepTask;
    /** Read into by the sweep only (one at a time); replaced when a caller's pipelined bytes are handed on in it. */
    private ByteBuffer buffer = BufferUtil.allocate(BUFFER_SIZE);

    CallerWatch(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** Starts watching the caller's connection; {@code onGone} runs if it closes. */
    Watch watch(Request caller, Consumer<Throwable> onGone) {
        Watch watch = new Watch(caller.getConnectionMetaData().getConnection().getEndPoint(), onGone);
        watches.add(watch);
        scheduleSweep();
        return watch;
    }

    /** How many connections are watched now. */
    int watching() {
        return watches.size();
    }

    /** Stops the sweeps for good. */
    @Override
    public void close() {
        Scheduler.Task task = sweepTask;
        if (task != null) {
            task.cancel();
        }
        watches.clear();
    }

    // Sweeps run only while something is watched: an idle proxy is never woken by them.
    private void scheduleSweep() {
        if (scheduler.isRunning() && scheduled.compareAndSet(false, true)) {
            sweepTask = scheduler.schedule(this::sweep, PERIOD_MS, TimeUnit.MILLISECONDS);
        }
    }

    private void sweep() {
        try {
            for (Watch watch : watches) {
                BufferUtil.clear(buffer);
                if (watch.poll(buffer)) {
                    buffer = BufferUtil.allocate(BUFFER_SIZE);
                }
            }
        } finally {
            scheduled.set(false);
            if (!watches.isEmpty()) {
                scheduleSweep();
            }
        }
    }

    /** One watched connection. */
    final class Watch {
        private final EndPoint endPoint;
        private final Consumer<Throwable> onGone;
        private final ReentrantLock lock = new ReentrantLock();
        private boolean stopped;

        private Watch(EndPoint endPoint, Consumer<Throwable> onGone) {
            this.endPoint = endPoint;
            this.onGone = onGone;
        }

        /** Reads what the caller sent, if anything; returns whether {@code buffer} was handed on to the connection. */
        private boolean poll(ByteBuffer buffer) {
            Throwable gone = null;
            boolean handedOn = false;
            if (!lock.tryLock()) {
                return false; // being stopped
            }
            try {
                if (stopped) {
                    return false;
                }
                int read;
                try {
                    read = endPoint.fill(buffer);
                } catch (IOException e) {
                    read = -1;
                }
                if (read < 0) {
                    gone = new EofException("the caller closed the connection");
                } else if (read > 0 && endPoint.getConnection() instanceof Connection.UpgradeTo connection) {
                    connection.onUpgradeTo(buffer);
                    handedOn = true;
                }
                if (read != 0) {
                    stopped = true;
                    watches.remove(this);
                }
            } finally {
                lock.unlock();
            }
            if (gone != null) {
                onGone.accept(gone);
            }
            return handedOn;
        }

        /** Ends the watch; after this returns, the connection is never read by it again. */
        void stop() {
            lock.lock();
            try {
                stopped = true;
                watches.remove(this);
            } finally {
                lock.unlock();
            }
        }
    }
}
