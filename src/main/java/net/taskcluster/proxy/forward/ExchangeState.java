package net.taskcluster.proxy.forward;

/** Where a {@link ForwardedExchange} is; {@link #canMoveTo} lists the legal moves. */
enum ExchangeState {
    /** The caller's body is being read (to be held for retries). */
    RECEIVING,
    /** An attempt is under way upstream. */
    ATTEMPTING,
    /** Between attempts. */
    WAITING,
    /** The upstream's answer is being passed on. */
    ANSWERING,
    /** Answered, cut, or the caller gone: nothing more happens. */
    DONE;

    boolean canMoveTo(ExchangeState next) {
        return switch (this) {
            case RECEIVING -> next == ATTEMPTING || next == DONE;
            case ATTEMPTING -> next == WAITING || next == ANSWERING || next == DONE;
            case WAITING -> next == ATTEMPTING || next == DONE;
            case ANSWERING -> next == WAITING || next == DONE; // WAITING: failed before a byte reached the caller
            case DONE -> false;
        };
    }
}
