package net.taskcluster.proxy.server;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import net.taskcluster.proxy.plaintext.PlainText;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** The body of a request to one of the proxy's own endpoints: small, read whole, or refused as too large. */
final class SmallBody {
    /** The most the proxy reads of a /bewit or /credentials body. */
    static final int MAX_BYTES = 64 * 1024;

    private SmallBody() {}

    /**
     * Reads the body as UTF-8 and hands it on; answers 413 past {@link #MAX_BYTES} (at once when the Content-Length
     * says so, before a byte is read: no 100 Continue is sent), and fails the callback when the caller's connection
     * fails. Nothing is handed on unless the whole body was read.
     */
    static void read(Request request, Response response, Callback callback, Consumer<String> then) {
        if (request.getLength() > MAX_BYTES) {
            tooLarge(response, callback);
            return;
        }
        new Reader(request, response, callback, then).run();
    }

    private static void tooLarge(Response response, Callback callback) {
        PlainText.write(response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413, "request body larger than " + MAX_BYTES + " bytes");
    }

    /**
     * Reads chunk by chunk as they come, and stops at the limit. (Jetty's Content.Source.asByteArrayAsync with a
     * maximum fails with an IllegalStateException past it, which cannot be told from other failures: a chunked
     * body over the limit was answered 500.)
     */
    private static final class Reader implements Runnable {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final Consumer<String> then;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Reader(Request request, Response response, Callback callback, Consumer<String> then) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.then = then;
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
                    callback.failed(chunk.getFailure());
                    return;
                }
                ByteBuffer buffer = chunk.getByteBuffer();
                boolean last = chunk.isLast();
                if (bytes.size() + buffer.remaining() > MAX_BYTES) {
                    chunk.release();
                    tooLarge(response, callback);
                    return;
                }
                byte[] copy = new byte[buffer.remaining()];
                buffer.get(copy);
                bytes.writeBytes(copy);
                chunk.release();
                if (last) {
                    then.accept(bytes.toString(StandardCharsets.UTF_8));
                    return;
                }
            }
        }
    }
}
