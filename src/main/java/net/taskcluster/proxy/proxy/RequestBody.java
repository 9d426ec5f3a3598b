package net.taskcluster.proxy.proxy;

import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * The caller's request body as the forwarder sends it upstream. Bodies of known length up to the buffering limit
 * are read into memory first, so that every attempt can send them again; larger bodies, and bodies of unknown
 * length (chunked), stream straight from the caller, once.
 */
abstract sealed class RequestBody {

    /** The content for the next attempt, or null for a request without a body. */
    abstract org.eclipse.jetty.client.Request.Content content();

    /** Whether another attempt could send the body again. */
    abstract boolean isReplayable();

    /** Whether the caller's body has been read to its end (only then may the caller's connection be watched). */
    abstract boolean isFullyRead();

    static CompletableFuture<RequestBody> of(Request caller, int maxBuffered) {
        long length = caller.getLength();
        boolean chunked = caller.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
        if (length < 0 && !chunked) {
            return CompletableFuture.completedFuture(new Buffered(null));
        }
        if (!chunked && length <= maxBuffered) {
            return Content.Source.asByteArrayAsync(caller, (int) length).thenApply(Buffered::new);
        }
        return CompletableFuture.completedFuture(new Streaming(caller));
    }

    /** No body, or one held in memory: replayable. */
    static final class Buffered extends RequestBody {
        private final byte[] bytes;

        Buffered(byte[] bytes) {
            this.bytes = bytes;
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
    }

    /** Read from the caller while it is sent upstream: it can be sent again only if no byte of it was read yet. */
    static final class Streaming extends RequestBody implements org.eclipse.jetty.client.Request.Content {
        private final Request caller;
        private volatile boolean started;
        private volatile boolean ended;

        Streaming(Request caller) {
            this.caller = caller;
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
                if (chunk.isLast() && !Content.Chunk.isFailure(chunk)) {
                    ended = true;
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
