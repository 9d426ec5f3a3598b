package net.taskcluster.proxy.server;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Knows the requests in flight, so that a shutdown can let them finish and count those it had to cut (each cut
 * exchange's own line says so, with its request number).
 *
 * <p>As a connector shuts down, Jetty sets the idle timeout of every connection it holds to the connector's
 * shutdown idle timeout (1 s): right for idle keep-alive connections, which must close for the stop to complete,
 * but it also cut any transfer whose writes waited on a slow caller for a second, long before the shutdown
 * timeout. {@link #keepTransfersGoing} gives the connections of requests in flight back their usual idle timeout.
 */
final class Draining extends GracefulHandler {
    /** Each request in flight, and the connection it came on. */
    private final Map<Request, EndPoint> inFlight = new ConcurrentHashMap<>();

    Draining(Handler handler) {
        super(handler);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        inFlight.put(request, request.getConnectionMetaData().getConnection().getEndPoint());
        Callback tracked = new Callback.Nested(callback) {
            @Override
            public void succeeded() {
                inFlight.remove(request);
                super.succeeded();
            }

            @Override
            public void failed(Throwable x) {
                inFlight.remove(request);
                super.failed(x);
            }
        };
        try {
            boolean handled = super.handle(request, response, tracked);
            if (!handled) {
                inFlight.remove(request);
            }
            return handled;
        } catch (Throwable t) {
            inFlight.remove(request);
            throw t;
        }
    }

    /** The connections of requests in flight go back to this idle timeout (the connector's usual one). */
    void keepTransfersGoing(long idleTimeoutMillis) {
        for (EndPoint endPoint : inFlight.values()) {
            endPoint.setIdleTimeout(idleTimeoutMillis);
        }
    }

    /**
     * Waits until the requests in flight are done ({@code drained}, the future of {@link #shutdown}), at most
     * {@code timeout}; returns how many are still in flight then (0 when all finished).
     */
    int await(CompletableFuture<Void> drained, Duration timeout) throws InterruptedException {
        try {
            drained.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return 0;
        } catch (TimeoutException | ExecutionException e) {
            return inFlight.size();
        }
    }
}
