package net.taskcluster.proxy.forward;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import net.taskcluster.proxy.egress.ProxyUrl;
import net.taskcluster.proxy.plaintext.AnswerHead;
import org.eclipse.jetty.client.HttpResponseException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.RetryableStreamException;

/**
 * What went wrong talking to the upstream, as a short phrase for the caller and the log, and what follows from it.
 * The phrase is chosen from the failure's type, never taken from a Jetty exception's text, which can be a dump
 * of connection internals; only the JDK's own TLS and HTTP-parser reasons are passed on.
 */
record UpstreamFailure(int status, String description, boolean retryable) {

    /**
     * The failure of an attempt that went through the egress proxy {@code via} (or directly, when null). A
     * connection that cannot be made is then the proxy's, and so is a CONNECT or a 407 it answers; anything else
     * says that the proxy was on the way.
     */
    static UpstreamFailure of(Throwable failure, ProxyUrl via) {
        UpstreamFailure direct = of(failure);
        if (via == null) {
            return direct;
        }
        String proxy = "the egress proxy " + via.describe();
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpResponseException answered && answered.getResponse() != null) {
                int status = answered.getResponse().getStatus();
                if (status == HttpStatus.PROXY_AUTHENTICATION_REQUIRED_407) {
                    return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, proxyRefused(via), false);
                }
                if (HttpMethod.CONNECT.is(answered.getResponse().getRequest().getMethod())) {
                    // 5xx: the proxy could not reach the upstream, which may come back; 403 and the like will not change.
                    return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, proxy + " did not open a tunnel to the upstream:"
                            + " it answered CONNECT with " + status, status >= 500);
                }
            }
            if (t instanceof SocketTimeoutException) {
                return new UpstreamFailure(HttpStatus.GATEWAY_TIMEOUT_504, "timed out connecting to " + proxy, true);
            }
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "the host name of " + proxy + " does not resolve", true);
            }
            if (t instanceof ConnectException) {
                return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "cannot connect to " + proxy + ": connection refused", true);
            }
            if (t instanceof NoRouteToHostException) {
                return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "cannot connect to " + proxy + ": no route to host", true);
            }
        }
        return new UpstreamFailure(direct.status(), direct.description() + " (through " + proxy + ")", direct.retryable());
    }

    /** What a 407 from the egress proxy means: it wants credentials, or other ones. */
    static String proxyRefused(ProxyUrl via) {
        return "the egress proxy " + via.describe() + " answered 407 Proxy Authentication Required: "
                + (via.hasCredentials() ? "it refused the credentials of " + via.variable() : via.variable() + " has no credentials");
    }

    static UpstreamFailure of(Throwable failure) {
        if (isHeadTooLarge(failure)) { // the same on every attempt
            return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502,
                    "the upstream's answer head is larger than " + AnswerHead.MAX + " bytes", false);
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            UpstreamFailure http2 = http2(t);
            if (http2 != null) {
                return http2;
            }
            if (t instanceof SocketTimeoutException) {
                return new UpstreamFailure(HttpStatus.GATEWAY_TIMEOUT_504, "timed out connecting to the upstream", true);
            }
            if (t instanceof TimeoutException) {
                return new UpstreamFailure(HttpStatus.GATEWAY_TIMEOUT_504, "timed out: the upstream sent nothing for too long", true);
            }
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "the host name does not resolve", true);
            }
            if (t instanceof ConnectException) {
                return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "cannot connect: connection refused", true);
            }
            if (t instanceof NoRouteToHostException) {
                return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "cannot connect: no route to host", true);
            }
            if (t instanceof SSLException) {
                // A certificate that does not verify will not verify a few seconds later either.
                return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "TLS failed: " + jdkReason(t), false);
            }
            if (t instanceof RejectedExecutionException) {
                return new UpstreamFailure(HttpStatus.SERVICE_UNAVAILABLE_503,
                        "too many requests are already waiting for this upstream", false);
            }
            if (t instanceof HttpResponseException || t instanceof HttpException) {
                return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "the upstream's answer is not valid HTTP"
                        + parserReason(t), true);
            }
            if (t instanceof IllegalArgumentException) { // e.g. a head too large to send: the same on every attempt
                return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "the request cannot be sent upstream", false);
            }
            if (t instanceof EOFException || t instanceof ClosedChannelException) {
                return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "connection closed by the upstream", true);
            }
            if (t instanceof IOException && t.getMessage() != null
                    && t.getMessage().toLowerCase(Locale.ROOT).contains("reset")) {
                return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "connection reset by the upstream", true);
            }
        }
        return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "connection failed", true);
    }

    /**
     * An HTTP/2 failure, by the exceptions Jetty's h2 client makes of them, or null: the upstream's RST_STREAM (an
     * IOException whose message is the error code's name), a GOAWAY or a session failure (the code's name, a slash,
     * a reason, which may be the peer's own text and so is never passed on), a stream refused by a GOAWAY before
     * the upstream took it. All are retried like a reset connection: whether they may be is the body's question.
     */
    private static UpstreamFailure http2(Throwable t) {
        String message = t.getMessage();
        if (t instanceof RetryableStreamException) {
            return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502,
                    "the HTTP/2 connection was closed (GOAWAY) before the upstream took the request", true);
        }
        if (t instanceof EOFException && STREAM_RESET_WHILE_READING.equals(message)) {
            return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "the upstream reset the HTTP/2 stream", true);
        }
        if (t.getClass() != IOException.class || message == null) {
            return null;
        }
        if (isErrorCode(message)) {
            return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "the upstream reset the HTTP/2 stream (" + message + ")", true);
        }
        int slash = message.indexOf('/');
        String code = slash < 0 ? null : message.substring(0, slash);
        if (code == null || !isErrorCode(code)) {
            return null;
        }
        if (code.equals(FLOW_CONTROL_ERROR)) {
            return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "HTTP/2 flow control failed (" + code + ")", true);
        }
        return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "the HTTP/2 connection was closed (GOAWAY " + code + ")", true);
    }

    /** Jetty's name of an HTTP/2 error code (such as {@code refused_stream_error}), or of one it does not know. */
    private static boolean isErrorCode(String name) {
        return ERROR_CODES.contains(name) || name.matches("reset_code_[0-9]+");
    }

    private static final Set<String> ERROR_CODES = Arrays.stream(ErrorCode.values())
            .map(code -> ErrorCode.toString(code.code, null)).collect(Collectors.toUnmodifiableSet());
    private static final String FLOW_CONTROL_ERROR = ErrorCode.toString(ErrorCode.FLOW_CONTROL_ERROR.code, null);
    /** What Jetty's h2 receiver fails an answer with when its stream is reset while the body is read. */
    private static final String STREAM_RESET_WHILE_READING = "Stream has been reset";

    static boolean isTimeout(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TimeoutException || t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** Jetty's parser refusing an answer head over the client's limit (431, "Response Header Bytes Too Large"). */
    private static boolean isHeadTooLarge(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpException parser && (parser.getCode() == HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431
                    || (parser.getReason() != null && parser.getReason().contains("Header Bytes Too Large")))) {
                return true;
            }
        }
        return false;
    }

    /** What Jetty's HTTP parser found wrong (such as "No Status"), from its HttpException, if it names it. */
    private static String parserReason(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpException parser && parser.getReason() != null && !parser.getReason().isBlank()) {
                return " (" + jdkReason(parser.getReason(), t) + ")";
            }
        }
        return "";
    }

    /** The reason a JDK TLS or Jetty parser exception gives, on one line and short; never an object dump. */
    private static String jdkReason(Throwable t) {
        return jdkReason(t.getMessage(), t);
    }

    private static String jdkReason(String message, Throwable t) {
        if (message == null || message.isBlank() || message.contains("@")) {
            return t.getClass().getSimpleName();
        }
        // SSLHandshakeException's message often repeats the cause as "javax.net.ssl.SSLHandshakeException: ...".
        String line = message.replaceAll("\\s+", " ").replaceAll("(?:[a-z]+\\.)+[A-Za-z]+Exception: ", "");
        return line.length() <= 200 ? line : line.substring(0, 200) + "…";
    }
}
