package net.taskcluster.proxy.forward;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Memory that holders of one kind share, whatever their number: what is held only if its bytes can be reserved
 * here, and what cannot falls back to a way that needs no more. Each kind has a budget of its own:
 * <ul>
 *   <li>request bodies held for retries ({@link RequestBody}): a body that does not fit streams once instead, so a
 *       thousand callers uploading at once cannot fill the heap, whatever --max-buffered-body says;
 *   <li>large HTTP/1.1 reads ({@link ClientBuffers}): past the budget, answers are read 16 KiB at a time;
 *   <li>large h2 receive windows ({@link UpstreamFlowControl}): past the budget, answers keep the small window.
 * </ul>
 */
public final class MemoryBudget {
    /** The share of the heap that one kind may hold: a quarter leaves the rest for connections and streaming. */
    private static final int HEAP_SHARE = 4;

    private final long capacity;
    private final AtomicLong free;

    public MemoryBudget(long capacity) {
        this.capacity = capacity;
        this.free = new AtomicLong(capacity);
    }

    /** A budget of this process: a quarter of its maximum heap. Read when the holder is made, not at start-up. */
    public static MemoryBudget ofThisHeap() {
        return new MemoryBudget(forHeap(Runtime.getRuntime().maxMemory()));
    }

    /** The budget for a heap of this many bytes (the JVM's maximum, a little under -Xmx: 31 MiB for -Xmx32m). */
    public static long forHeap(long maxHeap) {
        return maxHeap / HEAP_SHARE;
    }

    public long capacity() {
        return capacity;
    }

    /** Reserves {@code bytes}, or returns false (reserving nothing) when they do not fit now. */
    boolean tryReserve(long bytes) {
        long left;
        do {
            left = free.get();
            if (left < bytes) {
                return false;
            }
        } while (!free.compareAndSet(left, left - bytes));
        return true;
    }

    /** Gives back what {@link #tryReserve} took. */
    void release(long bytes) {
        free.addAndGet(bytes);
    }

    /** The bytes reserved now (for tests). */
    long reserved() {
        return capacity - free.get();
    }
}
