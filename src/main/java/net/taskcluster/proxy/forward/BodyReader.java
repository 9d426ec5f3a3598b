package net.taskcluster.proxy.forward;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * Reads a caller's request body into memory, chunk by chunk as it comes, up to a limit. (Jetty's
 * Content.Source.asByteArrayAsync with a maximum fails with an IllegalStateException past it, which cannot be
 * told from other failures, and does not say how many bytes had arrived when a caller went away.)
 */
public final class BodyReader implements Runnable {
    private final Request request;
    private final int max;
    private final ByteArrayOutputStream bytes;
    private final CompletableFuture<byte[]> done = new CompletableFuture<>();

    private BodyReader(Request request, int max, int expected) {
        this.request = request;
        this.max = max;
        this.bytes = new ByteArrayOutputStream(expected);
    }

    /**
     * The whole body; or, exceptionally, {@link TooLarge} once it passes {@code max} bytes, or {@link CallerGone}
     * when the caller's body fails (it went away, half-closed, or stalled past the idle timeout).
     */
    public static CompletableFuture<byte[]> read(Request request, int max) {
        long length = request.getLength();
        BodyReader reader = new BodyReader(request, max, length >= 0 && length <= max ? (int) length : 1024);
        reader.run();
        return reader.done;
    }

    @Override
    public void run() {
        while (true) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                request.demand(this);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                done.completeExceptionally(new CallerGone(bytes.size(), chunk.getFailure()));
                return;
            }
            ByteBuffer buffer = chunk.getByteBuffer();
            boolean last = chunk.isLast();
            if (bytes.size() + buffer.remaining() > max) {
                chunk.release();
                done.completeExceptionally(new TooLarge());
                return;
            }
            byte[] copy = new byte[buffer.remaining()];
            buffer.get(copy);
            bytes.writeBytes(copy);
            chunk.release();
            if (last) {
                done.complete(bytes.toByteArray());
                return;
            }
        }
    }

    /** The body passed the limit. */
    public static final class TooLarge extends Exception {
        TooLarge() {
            super("the body is larger than the limit", null, false, false);
        }
    }

    /** The caller went away (or ended its body early) after sending this many bytes of it. */
    public static final class CallerGone extends Exception {
        public final long bytes;

        public CallerGone(long bytes, Throwable cause) {
            super("the caller went away after " + bytes + " bytes of the body", cause, false, false);
            this.bytes = bytes;
        }
    }
}
