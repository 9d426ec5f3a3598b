package net.taskcluster.proxy.plaintext;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Short plain-text answers written by the proxy itself: errors, the signed URL of /bewit. */
public final class PlainText {
    private PlainText() {}

    /** Writes {@code status} with the message and a newline as a text/plain body; completes {@code callback}. */
    public static void write(Response response, Callback callback, int status, String message) {
        response.setStatus(status);
        writeBody(response, callback, message + "\n");
    }

    /** Writes the body exactly as given, as text/plain. */
    public static void writeBody(Response response, Callback callback, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }
}
