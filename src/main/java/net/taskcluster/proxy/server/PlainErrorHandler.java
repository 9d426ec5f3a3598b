package net.taskcluster.proxy.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import net.taskcluster.proxy.identity.IdentityStore;
import net.taskcluster.proxy.plaintext.PlainText;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The errors Jetty answers by itself (a malformed request line, headers too large, a bad URI): short plain text
 * with the proxy's headers, like the proxy's own errors, and never a stack trace.
 */
final class PlainErrorHandler extends ErrorHandler {
    private final IdentityStore identities;

    PlainErrorHandler(IdentityStore identities) {
        this.identities = identities;
        setShowStacks(false);
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) {
        identities.current().addTo(response.getHeaders());
        PlainText.write(response, callback, code, describe(code, message));
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        identities.current().addTo(fields);
        fields.put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        return ByteBuffer.wrap((describe(status, reason) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    // Jetty's own words for what was wrong with a request are worth passing on; for its 5xx the message is an
    // exception's text, which says nothing useful to a caller.
    private static String describe(int code, String message) {
        String reason = HttpStatus.getMessage(code);
        boolean explain = code < 500 && message != null && !message.isBlank() && !message.equals(reason);
        return "taskcluster-proxy: " + code + " " + reason + (explain ? ": " + message : "");
    }
}
