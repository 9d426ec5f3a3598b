package net.taskcluster.proxy.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.junit.jupiter.api.Test;

/** Large reads within their budget; other buffers as asked. (ClientBufferStormTest covers the leases' reason.) */
class ClientBuffersTest {
    private final ClientBuffers buffers = new ClientBuffers(new ArrayByteBufferPool(), 2L * ClientBuffers.READ_SIZE);

    @Test
    void readsAreLargeUntilTheBudgetIsHeldThenSmallUntilALargeOneIsReleased() {
        RetainableByteBuffer first = buffers.acquire(ClientBuffers.READ_SIZE, true);
        RetainableByteBuffer second = buffers.acquire(ClientBuffers.READ_SIZE, true);
        RetainableByteBuffer third = buffers.acquire(ClientBuffers.READ_SIZE, true);
        assertEquals(ClientBuffers.READ_SIZE, first.capacity());
        assertEquals(ClientBuffers.READ_SIZE, second.capacity());
        assertEquals(ClientBuffers.SMALL_READ_SIZE, third.capacity());
        assertEquals(2L * ClientBuffers.READ_SIZE, buffers.largeReadsHeld());

        third.release(); // a small one gives back no budget
        assertEquals(ClientBuffers.SMALL_READ_SIZE, buffers.acquire(ClientBuffers.READ_SIZE, true).capacity());
        first.release();
        assertEquals(ClientBuffers.READ_SIZE, buffers.acquire(ClientBuffers.READ_SIZE, true).capacity());
    }

    @Test
    void aLargeReadRetainedGivesItsShareBackOnlyAtItsLastRelease() {
        RetainableByteBuffer read = buffers.acquire(ClientBuffers.READ_SIZE, false);
        read.retain();
        read.release();
        assertEquals(ClientBuffers.READ_SIZE, buffers.largeReadsHeld());
        read.release();
        assertEquals(0, buffers.largeReadsHeld());
        assertThrows(IllegalStateException.class, read::release, "a spent lease");
        assertEquals(0, buffers.largeReadsHeld(), "releasing a spent lease gives nothing back twice");
    }

    @Test
    void theProxysPoolKeepsAReleasedReadForTheNext() {
        ArrayByteBufferPool pool = UpstreamClient.newBufferPool();
        ClientBuffers reads = new ClientBuffers(pool, ClientBuffers.largeReadBudget());
        reads.acquire(ClientBuffers.READ_SIZE, true).release();
        assertEquals(1, pool.getAvailableDirectByteBufferCount(), "kept, not left to the garbage collector");
        reads.acquire(ClientBuffers.READ_SIZE, true);
        assertEquals(0, pool.getAvailableDirectByteBufferCount(), "and handed out again");
    }

    @Test
    void otherSizesAreNotReadsAndSpendNothing() {
        RetainableByteBuffer head = buffers.acquire(4096, true);
        assertEquals(4096, head.capacity());
        assertEquals(0, buffers.largeReadsHeld());
    }
}
