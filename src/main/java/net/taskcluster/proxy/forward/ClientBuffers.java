package net.taskcluster.proxy.forward;

import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Retainable;
import org.eclipse.jetty.io.RetainableByteBuffer;

/**
 * The upstream client's buffers: pooled, each handed out as a lease of its own, so that a holder that goes on
 * touching a buffer after releasing it cannot disturb the buffer's next holder.
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
 */
final class ClientBuffers extends ByteBufferPool.Wrapper {

    ClientBuffers(ByteBufferPool pooled) {
        super(pooled);
    }

    @Override
    public RetainableByteBuffer.Mutable acquire(int size, boolean direct) {
        RetainableByteBuffer.Mutable pooled = super.acquire(size, direct);
        return new RetainableByteBuffer.FixedCapacity(pooled.getByteBuffer().duplicate(), new Lease(pooled));
    }

    /** One holding of a pooled buffer: gives it back once, when the holder's count reaches zero. */
    private static final class Lease extends Retainable.ReferenceCounter {
        private final RetainableByteBuffer pooled;

        Lease(RetainableByteBuffer pooled) {
            this.pooled = pooled;
        }

        @Override
        public boolean release() {
            if (super.release()) {
                pooled.release();
                return true;
            }
            return false;
        }
    }
}
