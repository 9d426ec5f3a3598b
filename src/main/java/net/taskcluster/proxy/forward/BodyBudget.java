package net.taskcluster.proxy.forward;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory that all request bodies held for retries share, across every request in flight. A body is held only
 * if its bytes can be reserved here; one that cannot streams once instead. So a thousand callers uploading at once
 * cannot fill the heap with their bodies, whatever --max-buffered-body says.
 */
public final class BodyBudget {
    /** The share of the heap that bodies may hold: a quarter leaves the rest for connections and streaming. */
    private static final int HEAP_SHARE = 4;

    private final long capacity;
    private final AtomicLong free;

    public BodyBudget(long capacity) {
        this.capacity = capacity;
        this.free = new AtomicLong(capacity);
    }

    /** The budget of this process: a quarter of its maximum heap. */
    public static BodyBudget ofThisHeap() {
        return new BodyBudget(forHeap(Runtime.getRuntime().maxMemory()));
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
}
