package net.taskcluster.proxy.server;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.taskcluster.proxy.plaintext.Redact;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Knows the requests in flight, so that a shutdown can let them finish and name those it had to cut.
 *
 * <p>As a connector shuts down, Jetty sets the idle timeout of every connection it holds to the connector's
 * shutdown idle timeout (1 s): right for idle keep-alive connections, which must close for the stop to complete,
 * but it also cut any transfer whose writes waited on a slow caller for a second, long before the shutdown
 * timeout. {@link #keepTransfersGoing} gives the connections of requests in flight back their usual idle timeout.
 */
final class Draining extends GracefulHandler {
    /** A request in flight, as a log line names it. */
    record InFlight(String method, String target, long startMillis, EndPoint endPoint) {
        String describe(Clock clock) {
            return method + " " + target + " (in flight for " + (clock.millis() - startMillis) + " ms)";
        }
    }

    private final Map<Request, InFlight> inFlight = new ConcurrentHashMap<>();
    private final Clock clock;

    Draining(Handler handler, Clock clock) {
        super(handler);
        this.clock = clock;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        InFlight entry = new InFlight(request.getMethod(), Redact.forLog(request.getHttpURI().getPathQuery()),
                clock.millis(), request.getConnectionMetaData().getConnection().getEndPoint());
        inFlight.put(request, entry);
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
        for (InFlight entry : inFlight.values()) {
            entry.endPoint().setIdleTimeout(idleTimeoutMillis);
        }
    }

    /**
     * Waits until the requests in flight are done ({@code drained}, the future of {@link #shutdown}), at most
     * {@code timeout}; returns the ones still in flight then (none when all finished).
     */
    List<String> await(CompletableFuture<Void> drained, Duration timeout) throws InterruptedException {
        try {
            drained.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return List.of();
        } catch (TimeoutException | ExecutionException e) {
            return inFlight.values().stream().map(entry -> entry.describe(clock)).sorted().toList();
        }
    }
}
