package net.taskcluster.proxy.forward;

import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Retainable;
import org.eclipse.jetty.io.RetainableByteBuffer;

/**
 * The upstream client's buffers: pooled, each handed out as a lease of its own, so that a holder that goes on
 * touching a buffer after releasing it cannot disturb the buffer's next holder; and large reads within a budget.
 *
 * <p>Jetty 12.1.14's HTTP/1.1 receiver is such a holder (Jetty issues #12934 and #13400). When an answer fails while
 * the receiver is parsing it (an upstream reset), a nested read releases the network buffer, and the outer parse
 * then clears the ByteBuffer it still refers to. With a plain pool that ByteBuffer is by then another connection's:
 * its limit drops to 0 under that connection's next read, and an intact answer fails or loses bytes
 * (ClientBufferStormTest shows it, about once in a thousand requests during a storm of resets).
 *
 * <p>So each lease is a fresh view of the pooled memory (a duplicate, with its own position and limit) with its
 * own reference count: only the lease's last release gives the memory back, a stale holder moves only its own
 * view's indices, and releasing a spent lease again fails on that lease alone (Jetty's IllegalStateException) and
 * gives back nothing. The stale holder never writes bytes, so
 * the memory itself can be shared: the storm test checks every byte of every intact answer.
 *
 * <p>Answers are read {@link #READ_SIZE} at a time: a bulk download then takes an eighth of the system calls that
 * the client's default of 16 KiB took (0.6 to 0.9 times nginx's MiB/s instead of 0.4 to 0.7 on the native build).
 * But a read buffer stays held while its bytes wait on the caller, so a caller that stops reading its download pins
 * one, and each upstream host may have 256 connections. Once the large reads held reach {@code largeReadBudget},
 * further reads get {@link #SMALL_READ_SIZE} buffers: stalled downloads then cost what they did with 16 KiB reads,
 * plus the budget, and never the direct memory limit's worth of large buffers (StalledDownloadsIT).
 */
final class ClientBuffers extends ByteBufferPool.Wrapper {
    /** The client's response buffer size. */
    static final int READ_SIZE = 128 * 1024;
    /** A read once the budget is spent: the client's default size. */
    static final int SMALL_READ_SIZE = 16 * 1024;

    private final MemoryBudget largeReads;

    ClientBuffers(ByteBufferPool pooled, long largeReadBudget) {
        super(pooled);
        this.largeReads = new MemoryBudget(largeReadBudget);
    }

    /**
     * The bytes of large reads the client may hold at once: a quarter of the direct memory limit, which is the
     * heap's maximum unless -XX:MaxDirectMemorySize says otherwise (on the JVM and in the native executable alike):
     * 8 MiB, 64 reads, with the distribution's 32 MiB. Read when the client is made, never at class initialization,
     * which an image builder may run with its own heap.
     */
    static long largeReadBudget() {
        return MemoryBudget.forHeap(Runtime.getRuntime().maxMemory());
    }

    @Override
    public RetainableByteBuffer.Mutable acquire(int size, boolean direct) {
        if (size != READ_SIZE) {
            return lease(super.acquire(size, direct), null);
        }
        if (!largeReads.tryReserve(READ_SIZE)) {
            return lease(super.acquire(SMALL_READ_SIZE, direct), null);
        }
        try {
            return lease(super.acquire(READ_SIZE, direct), largeReads);
        } catch (Throwable t) { // the direct memory limit, say: the budget is not spent
            largeReads.release(READ_SIZE);
            throw t;
        }
    }

    private static RetainableByteBuffer.Mutable lease(RetainableByteBuffer pooled, MemoryBudget budget) {
        return new RetainableByteBuffer.FixedCapacity(pooled.getByteBuffer().duplicate(), new Lease(pooled, budget));
    }

    /** The bytes of large reads held now (for tests). */
    long largeReadsHeld() {
        return largeReads.reserved();
    }

    /**
     * One holding of a pooled buffer: gives it back once, when the holder's count reaches zero, and then returns a
     * large read's share of the budget ({@code budget}, null for any other buffer).
     */
    private static final class Lease extends Retainable.ReferenceCounter {
        private final RetainableByteBuffer pooled;
        private final MemoryBudget budget;

        Lease(RetainableByteBuffer pooled, MemoryBudget budget) {
            this.pooled = pooled;
            this.budget = budget;
        }

        @Override
        public boolean release() {
            if (super.release()) {
                if (budget != null) {
                    budget.release(READ_SIZE);
                }
                pooled.release();
                return true;
            }
            return false;
        }
    }
}
