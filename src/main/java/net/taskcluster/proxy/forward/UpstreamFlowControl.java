package net.taskcluster.proxy.forward;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http2.AbstractFlowControlStrategy;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.WindowUpdateFrame;

/**
 * The receive windows of one h2 upstream connection: small for every answer at first, large for answers whose
 * callers read, within a budget that all connections of the client share.
 *
 * <p>An answer's bytes wait in the proxy up to its window while its caller does not read, and the windows add up
 * over all answers and connections: Jetty may open a connection per request when many arrive at once; 160 callers
 * that stopped reading, with 1 MiB windows, ran a 16 MiB proxy out of direct memory and cut 128 of their 160
 * downloads (StalledDownloadsIT). Here an answer starts with {@link #SMALL_WINDOW}, as an HTTP/1.1 answer starts
 * with a small read, and is given {@link #LARGE_WINDOW} once its caller has taken bytes, while the large windows
 * granted stay within the budget. Past it, answers keep the small window: slower (one frame per round
 * trip), never more memory. A grant goes back when its stream ends.
 *
 * <p>Window is given back as the answer is passed on, once half of the stream's window (or half of the
 * connection's) has been passed on, and never as an update of zero, which Jetty's server rate-limits as abuse.
 */
final class UpstreamFlowControl extends AbstractFlowControlStrategy {
    /** Every answer's window at first (the SETTINGS_INITIAL_WINDOW_SIZE the client sends): one full frame. */
    static final int SMALL_WINDOW = 16 * 1024;
    /** An answer's window once its caller reads, within the budget. */
    static final int LARGE_WINDOW = 1024 * 1024;
    static final int GRANT = LARGE_WINDOW - SMALL_WINDOW;

    private final MemoryBudget budget;
    private final int sessionThreshold;
    private final AtomicInteger sessionConsumed = new AtomicInteger();
    private final Map<Stream, StreamWindow> streams = new ConcurrentHashMap<>();

    /**
     * @param budget        the large windows that all h2 connections of one client may have granted at once
     * @param sessionWindow the connection's receive window, which the client sets when it connects
     */
    UpstreamFlowControl(MemoryBudget budget, int sessionWindow) {
        super(DEFAULT_WINDOW_SIZE); // what the upstream may receive: its SETTINGS change it
        this.budget = budget;
        this.sessionThreshold = sessionWindow / 2;
    }

    @Override
    public void onStreamCreated(Stream stream) {
        super.onStreamCreated(stream);
        streams.put(stream, new StreamWindow());
    }

    @Override
    public void onStreamDestroyed(Stream stream) {
        StreamWindow window = streams.remove(stream);
        if (window != null) {
            window.end(budget);
        }
        super.onStreamDestroyed(stream);
    }

    @Override
    public void onDataConsumed(Session session, Stream stream, int length) {
        if (length <= 0) {
            return;
        }
        int level = sessionConsumed.addAndGet(length);
        if (level >= sessionThreshold && sessionConsumed.compareAndSet(level, 0)) {
            updateRecvWindow(session, level);
            sendWindowUpdate(session, null, List.of(new WindowUpdateFrame(0, level)));
        }
        if (stream == null || stream.isRemotelyClosed()) {
            return; // the upstream sends nothing more on it
        }
        StreamWindow window = streams.get(stream);
        int delta = window == null ? 0 : window.consumed(length, budget);
        if (delta > 0) {
            updateRecvWindow(stream, delta);
            sendWindowUpdate(session, stream, List.of(new WindowUpdateFrame(stream.getId(), delta)));
        }
    }

    /** One answer's window: its size, and what has been passed on since the last update. */
    static final class StreamWindow {
        private boolean large;
        private boolean ended;
        private int consumed;

        /** The window to give back now for {@code length} more bytes passed on: 0 for none yet. */
        synchronized int consumed(int length, MemoryBudget budget) {
            if (ended) {
                return 0;
            }
            consumed += length;
            int grant = 0;
            if (!large && budget.tryReserve(GRANT)) {
                large = true;
                grant = GRANT;
            }
            if (consumed < (large ? LARGE_WINDOW : SMALL_WINDOW) / 2) {
                return grant;
            }
            int delta = grant + consumed;
            consumed = 0;
            return delta;
        }

        synchronized void end(MemoryBudget budget) {
            ended = true;
            if (large) {
                large = false;
                budget.release(GRANT);
            }
        }
    }
}
