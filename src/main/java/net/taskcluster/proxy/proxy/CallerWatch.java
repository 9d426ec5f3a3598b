package net.taskcluster.proxy.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
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
 * Notices a caller that hangs up while the proxy waits (for the upstream's answer, or between retries).
 *
 * <p>Jetty does not read an HTTP/1.1 connection while a request is being handled, so a caller's close goes
 * unnoticed until something is written. While nothing is written, this polls the connection with a non-blocking
 * read: end of stream means the caller is gone. Bytes, if a caller pipelines its next request, are handed back to
 * the connection (as the bytes an upgrade had read ahead) and the watch ends. Only started once the caller's body
 * has been read to its end, and stopped before the response is written, so it never reads beside Jetty.
 */
final class CallerWatch implements Runnable {
    private static final long PERIOD_MS = 250;

    private final EndPoint endPoint;
    private final Scheduler scheduler;
    private final Consumer<Throwable> onGone;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean stopped;
    private Scheduler.Task next;

    private CallerWatch(EndPoint endPoint, Scheduler scheduler, Consumer<Throwable> onGone) {
        this.endPoint = endPoint;
        this.scheduler = scheduler;
        this.onGone = onGone;
    }

    static CallerWatch start(Request caller, Scheduler scheduler, Consumer<Throwable> onGone) {
        CallerWatch watch = new CallerWatch(caller.getConnectionMetaData().getConnection().getEndPoint(), scheduler, onGone);
        watch.schedule();
        return watch;
    }

    private void schedule() {
        lock.lock();
        try {
            if (!stopped) {
                next = scheduler.schedule(this, PERIOD_MS, TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void run() {
        Throwable gone = null;
        lock.lock();
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
                stopped = true;
                gone = new EofException("the caller closed the connection");
            } else if (read > 0) {
                stopped = true;
                if (endPoint.getConnection() instanceof Connection.UpgradeTo connection) {
                    connection.onUpgradeTo(buffer);
                }
            }
        } finally {
            lock.unlock();
        }
        if (gone != null) {
            onGone.accept(gone);
        } else {
            schedule();
        }
    }

    /** Ends the watch; after this returns, it never reads again. */
    void stop() {
        lock.lock();
        try {
            stopped = true;
            if (next != null) {
                next.cancel();
            }
        } finally {
            lock.unlock();
        }
    }
}
