package net.taskcluster.proxy.proxy;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.eclipse.jetty.client.HttpResponseException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpStatus;

/**
 * What went wrong talking to the upstream, as a short phrase for the caller and the log, and what follows from it.
 * The phrase is chosen from the failure's type, never taken from a Jetty exception's text, which can be a dump
 * of connection internals; only the JDK's own TLS and HTTP-parser reasons are passed on.
 */
record UpstreamFailure(int status, String description, boolean retryable) {

    static UpstreamFailure of(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
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

    static boolean isTimeout(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TimeoutException || t instanceof SocketTimeoutException) {
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
