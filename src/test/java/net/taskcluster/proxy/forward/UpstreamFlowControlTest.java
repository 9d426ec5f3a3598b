package net.taskcluster.proxy.forward;

import static net.taskcluster.proxy.forward.UpstreamFlowControl.GRANT;
import static net.taskcluster.proxy.forward.UpstreamFlowControl.LARGE_WINDOW;
import static net.taskcluster.proxy.forward.UpstreamFlowControl.SMALL_WINDOW;
import static org.junit.jupiter.api.Assertions.assertEquals;

import net.taskcluster.proxy.forward.UpstreamFlowControl.StreamWindow;
import org.junit.jupiter.api.Test;

/** What an answer's window gives back as its bytes are passed on (StalledDownloadsIT runs it against h2 servers). */
class UpstreamFlowControlTest {
    private final MemoryBudget budget = new MemoryBudget(2L * GRANT);

    @Test
    void theFirstBytesPassedOnGrantTheLargeWindowThenHalfOfItIsGivenBackAtATime() {
        StreamWindow window = new StreamWindow();
        assertEquals(GRANT, window.consumed(100, budget), "the grant, before half of the small window is passed on");
        assertEquals(GRANT, budget.reserved());
        assertEquals(0, window.consumed(LARGE_WINDOW / 2 - 101, budget), "half of the large window, less a byte");
        assertEquals(LARGE_WINDOW / 2, window.consumed(1, budget));
        assertEquals(0, window.consumed(1, budget), "never an update of zero");
    }

    @Test
    void pastTheBudgetAnswersKeepTheSmallWindowUntilAGrantComesBack() {
        StreamWindow first = new StreamWindow();
        StreamWindow second = new StreamWindow();
        StreamWindow third = new StreamWindow();
        assertEquals(GRANT, first.consumed(1, budget));
        assertEquals(GRANT, second.consumed(1, budget));
        assertEquals(0, third.consumed(SMALL_WINDOW / 2 - 1, budget), "no budget left: the small window");
        assertEquals(SMALL_WINDOW / 2, third.consumed(1, budget));

        first.end(budget);
        assertEquals(GRANT, budget.reserved());
        first.end(budget);
        assertEquals(GRANT, budget.reserved(), "a grant goes back once");
        assertEquals(GRANT, third.consumed(1, budget), "the freed grant, with the next bytes passed on");
    }

    @Test
    void anEndedAnswerTakesNoGrant() {
        StreamWindow window = new StreamWindow();
        window.end(budget);
        assertEquals(0, window.consumed(SMALL_WINDOW, budget));
        assertEquals(0, budget.reserved());
    }
}
