package net.taskcluster.proxy.proxy;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpStatus;

/**
 * How large an answer's head (status line and headers) may grow. The server writes heads up to {@link #MAX}, as
 * large as the request heads the proxy sends upstream (the caller's 16 KiB and an Authorization header whose ext
 * carries every scope); past it Jetty can only fail the answer, with a bare 500 and none of the proxy's headers, so
 * the proxy checks first and answers something it can say ({@link #fits}).
 */
public final class AnswerHead {
    /** The largest answer head the server writes. */
    public static final int MAX = 128 * 1024;
    /** What the proxy's answers may hold, leaving room for the status line and what Jetty adds itself. */
    private static final int MAX_CHECKED = MAX - 1024;

    private AnswerHead() {}

    /** The bytes these headers take in an HTTP/1.1 head: {@code Name: value\r\n} each. */
    public static int size(HttpFields fields) {
        int size = 0;
        for (HttpField field : fields) {
            size += field.getName().length() + 2 + (field.getValue() == null ? 0 : field.getValue().length()) + 2;
        }
        return size;
    }

    /** Whether an answer with this status and these headers can be written. */
    public static boolean fits(int status, HttpFields fields) {
        String reason = HttpStatus.getMessage(status);
        return "HTTP/1.1 000 \r\n\r\n".length() + reason.length() + size(fields) <= MAX_CHECKED;
    }

    /** The most the answer's headers may take, in words for an error message. */
    public static String limit() {
        return MAX_CHECKED + " bytes";
    }
}
