package net.taskcluster.proxy.forward;

import java.time.Clock;
import net.taskcluster.proxy.config.Config;
import net.taskcluster.proxy.config.EgressProxies;
import net.taskcluster.proxy.config.Timeouts;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The proxy's threads, scheduler, buffer pool and upstream HTTP client (with the egress proxies of the
 * environment), with the retry policy of every upstream request. Made and started first: the task's scopes are
 * fetched with them before the server exists, which then shares them.
 */
public record UpstreamClient(QueuedThreadPool threads, Scheduler scheduler, ByteBufferPool buffers, HttpClient client,
        RetryPolicy retryPolicy, EgressProxies egress) implements AutoCloseable {
    /**
     * The most memory the buffer pool keeps for reuse, heap and direct: the pool is there for speed, and what
     * streams through needs only a few buffers at a time.
     */
    private static final long KEPT_HEAP = 4L << 20;
    private static final long KEPT_DIRECT = 8L << 20;

    public static UpstreamClient start(Config config, Clock clock) throws Exception {
        Timeouts timeouts = config.timeouts();
        // Everything the proxy does is non-blocking, so a few threads serve any load; on the 2-core machines it
        // was measured on, more threads only made more hand-offs. An acceptor and a selector per listener, and a
        // selector for the upstream client, take 3 to 5 of them.
        QueuedThreadPool threads = new QueuedThreadPool(10, 4);
        threads.setName("proxy");
        threads.setReservedThreads(2);
        Scheduler scheduler = new ScheduledExecutorScheduler("proxy-scheduler", false);
        ByteBufferPool buffers = newBufferPool();
        HttpClient client = Forwarder.newHttpClient(timeouts.connect(), threads, scheduler, config.upstreamHttp(), buffers);
        EgressRoutes.install(client, config.egress());
        LifeCycle.start(threads);
        LifeCycle.start(scheduler);
        LifeCycle.start(client);
        return new UpstreamClient(threads, scheduler, buffers, client,
                new RetryPolicy(timeouts.retryBudget(), config.retry429(), clock), config.egress());
    }

    /**
     * The one pool both sides of the proxy take their buffers from, so one bound holds for all the memory it keeps.
     * Its largest pooled size is the client's read (128 KiB): Jetty's default stops at 64 KiB, and each larger
     * buffer was a fresh direct allocation, which cut small requests per second to a third in the benchmark.
     */
    static ArrayByteBufferPool newBufferPool() {
        return new ArrayByteBufferPool(0, -1, ClientBuffers.READ_SIZE, -1, KEPT_HEAP, KEPT_DIRECT);
    }

    /** Stops the client, then the scheduler and threads it ran on (a proxy process just exits instead). */
    @Override
    public void close() {
        LifeCycle.stop(client);
        LifeCycle.stop(scheduler);
        LifeCycle.stop(threads);
    }
}
