package net.taskcluster.proxy.forward;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A held body's memory goes back to the budget once, however many paths of its exchange release it. */
class RequestBodyTest {
    @Test
    void aHeldBodyReleasedTwiceGivesItsBytesBackOnce() {
        MemoryBudget budget = new MemoryBudget(100);
        assertTrue(budget.tryReserve(60));
        RequestBody.Held held = new RequestBody.Held(new byte[60], budget);
        held.release();
        held.release();
        assertTrue(budget.tryReserve(100));
        assertFalse(budget.tryReserve(1), "the budget holds no more than its capacity");
    }
}
