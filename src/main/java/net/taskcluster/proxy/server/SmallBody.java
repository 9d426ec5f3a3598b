package net.taskcluster.proxy.server;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import net.taskcluster.proxy.forward.BodyReader;
import net.taskcluster.proxy.plaintext.PlainText;
import org.eclipse.jetty.http.HttpStatus;
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
        BodyReader.read(request, MAX_BYTES).whenComplete((bytes, failure) -> {
            if (failure instanceof BodyReader.TooLarge) {
                tooLarge(response, callback);
            } else if (failure != null) {
                callback.failed(failure.getCause() == null ? failure : failure.getCause());
            } else {
                then.accept(new String(bytes, StandardCharsets.UTF_8));
            }
        });
    }

    private static void tooLarge(Response response, Callback callback) {
        PlainText.write(response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413, "request body larger than " + MAX_BYTES + " bytes");
    }
}
