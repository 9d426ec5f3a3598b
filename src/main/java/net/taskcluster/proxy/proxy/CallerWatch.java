package net.taskcluster.proxy.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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
 * polled, four times a second by one sweep for all of them, with a non-blocking read: end of stream means the
 * caller is gone. Bytes, if a caller pipelines its next request, are handed back to the connection (as the bytes an
 * upgrade had read ahead) and the watch ends. A request is only watched once its body has been read to the end,
 * and no longer once its answer is being written, so the sweep never reads beside Jetty.
 */
final class CallerWatch {
    private static final long PERIOD_MS = 250;

    private final Scheduler scheduler;
    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();

    CallerWatch(Scheduler scheduler) {
        this.scheduler = scheduler;
        scheduler.schedule(this::sweep, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    /** Starts watching the caller's connection; {@code onGone} runs if it closes. */
    Watch watch(Request caller, Consumer<Throwable> onGone) {
        Watch watch = new Watch(caller.getConnectionMetaData().getConnection().getEndPoint(), onGone);
        watches.add(watch);
        return watch;
    }

    private void sweep() {
        try {
            for (Watch watch : watches) {
                watch.poll();
            }
        } finally {
            if (scheduler.isRunning()) {
                scheduler.schedule(this::sweep, PERIOD_MS, TimeUnit.MILLISECONDS);
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

        private void poll() {
            Throwable gone = null;
            if (!lock.tryLock()) {
                return; // being stopped
            }
            try {
                if (stopped) {
                    return;
                }
                ByteBuffer buffer = BufferUtil.allocate(4096);
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
