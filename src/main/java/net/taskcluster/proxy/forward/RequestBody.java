package net.taskcluster.proxy.forward;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * The caller's request body as the forwarder sends it upstream. A body of known length up to --max-buffered-body
 * is held in memory first, so that every attempt can send it again, if the shared {@link MemoryBudget} has room for
 * it. Larger bodies, chunked ones, and those the budget has no room for stream straight from the caller, once.
 */
abstract sealed class RequestBody {

    /** The content for the next attempt, or null for a request without a body. */
    abstract org.eclipse.jetty.client.Request.Content content();

    /** Whether another attempt could send the body again. */
    abstract boolean isReplayable();

    /** Whether the caller's body has been read to its end (only then may the caller's connection be watched). */
    abstract boolean isFullyRead();

    /** How many bytes of the body have been read from the caller. */
    abstract long bytesRead();

    /** Why the body streams once although it has a length, for the log; null when that needs no saying. */
    String streamedBecause() {
        return null;
    }

    /** Gives back the memory the body holds, when its exchange ends (a second call does nothing). */
    void release() {}

    /**
     * Completes with the body; or, when the caller goes away while a held body is read, with
     * {@link BodyReader.CallerGone}.
     */
    static CompletableFuture<RequestBody> of(Request caller, int maxBuffered, MemoryBudget budget) {
        long length = caller.getLength();
        boolean chunked = caller.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
        if (length < 0 && !chunked) {
            return CompletableFuture.completedFuture(new Held(null, budget));
        }
        if (chunked || length > maxBuffered) {
            return CompletableFuture.completedFuture(new Streamed(caller, null));
        }
        if (!budget.tryReserve(length)) {
            return CompletableFuture.completedFuture(new Streamed(caller, "the memory for held bodies is in use"));
        }
        return BodyReader.read(caller, (int) length).handle((bytes, failure) -> {
            if (failure != null) {
                budget.release(length);
                throw new CompletionException(failure);
            }
            return new Held(bytes, budget);
        });
    }

    /** No body, or one held in memory: replayable. */
    static final class Held extends RequestBody {
        private final byte[] bytes;
        private final MemoryBudget budget;
        private final AtomicBoolean released = new AtomicBoolean();

        Held(byte[] bytes, MemoryBudget budget) {
            this.bytes = bytes;
            this.budget = budget;
        }

        @Override
        org.eclipse.jetty.client.Request.Content content() {
            return bytes == null ? null : new BytesRequestContent((String) null, bytes);
        }

        @Override
        boolean isReplayable() {
            return true;
        }

        @Override
        boolean isFullyRead() {
            return true;
        }

        @Override
        long bytesRead() {
            return bytes == null ? 0 : bytes.length;
        }

        @Override
        void release() {
            // Once, whoever asks: a caller that leaves just as its body is taken on can reach both the exchange's
            // end and its "gone meanwhile" path, and a second release would let the budget hold more than it may.
            if (bytes != null && released.compareAndSet(false, true)) {
                budget.release(bytes.length);
            }
        }
    }

    /** Read from the caller while it is sent upstream: it can be sent again only if no byte of it was read yet. */
    static final class Streamed extends RequestBody implements org.eclipse.jetty.client.Request.Content {
        private final Request caller;
        private final String because;
        private volatile long read;
        private volatile boolean started;
        private volatile boolean ended;
        private volatile Throwable callerFailure;

        Streamed(Request caller, String because) {
            this.caller = caller;
            this.because = because;
        }

        /** Why the caller's body failed while it streamed, or null. */
        Throwable callerFailure() {
            return callerFailure;
        }

        @Override
        String streamedBecause() {
            return because;
        }

        @Override
        org.eclipse.jetty.client.Request.Content content() {
            return this;
        }

        @Override
        boolean isReplayable() {
            return !started;
        }

        @Override
        boolean isFullyRead() {
            return ended;
        }

        @Override
        long bytesRead() {
            return read;
        }

        @Override
        public long getLength() {
            return caller.getLength();
        }

        @Override
        public String getContentType() {
            return null; // the caller's Content-Type header, if any, is copied with the other headers
        }

        @Override
        public Content.Chunk read() {
            Content.Chunk chunk = caller.read();
            if (chunk != null) {
                started = true;
                if (Content.Chunk.isFailure(chunk)) {
                    callerFailure = chunk.getFailure();
                } else {
                    read += chunk.remaining();
                    ended = chunk.isLast();
                }
            }
            return chunk;
        }

        @Override
        public void demand(Runnable demandCallback) {
            caller.demand(demandCallback);
        }

        @Override
        public void fail(Throwable failure) {
            caller.fail(failure);
        }

        @Override
        public boolean rewind() {
            return false;
        }
    }
}
