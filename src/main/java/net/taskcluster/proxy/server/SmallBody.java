package net.taskcluster.proxy.server;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import net.taskcluster.proxy.proxy.PlainText;
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

    private static final class TooLargeException extends Exception {
        TooLargeException() {
            super("request body larger than " + MAX_BYTES + " bytes");
        }
    }

    /**
     * Reads the body as UTF-8 and hands it on; answers 413 past {@link #MAX_BYTES}, and fails the callback when the
     * caller's connection fails.
     */
    static void read(Request request, Response response, Callback callback, Consumer<String> then) {
        CompletableFuture<byte[]> bytes = request.getLength() > MAX_BYTES
                ? CompletableFuture.failedFuture(new TooLargeException())
                : Content.Source.asByteArrayAsync(request, MAX_BYTES + 1);
        bytes.whenComplete((body, failure) -> {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause == null && body.length > MAX_BYTES) {
                cause = new TooLargeException();
            }
            if (cause instanceof TooLargeException) {
                PlainText.write(response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413, cause.getMessage());
            } else if (cause != null) {
                callback.failed(cause);
            } else {
                then.accept(new String(body, StandardCharsets.UTF_8));
            }
        });
    }
}
