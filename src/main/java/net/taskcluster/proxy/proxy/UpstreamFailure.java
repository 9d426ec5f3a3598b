package net.taskcluster.proxy.proxy;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.eclipse.jetty.http.HttpStatus;

/** What went wrong talking to the upstream, in words for the caller, and what follows from it. */
record UpstreamFailure(int status, String description, boolean retryable) {

    static UpstreamFailure of(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TimeoutException || t instanceof SocketTimeoutException) {
                return new UpstreamFailure(HttpStatus.GATEWAY_TIMEOUT_504, "timed out: " + message(t), true);
            }
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "host name does not resolve: " + message(t), true);
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "cannot connect: " + message(t), true);
            }
            if (t instanceof SSLHandshakeException || t instanceof SSLException) {
                // A certificate that does not verify will not verify a few seconds later either.
                return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "TLS failed: " + message(t), false);
            }
            if (t instanceof IllegalArgumentException) { // e.g. a head too large to send: the same on every attempt
                return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "the request cannot be sent: " + message(t), false);
            }
        }
        return new UpstreamFailure(HttpStatus.BAD_GATEWAY_502, "connection failed: " + message(failure), true);
    }

    static boolean isTimeout(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TimeoutException || t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static String message(Throwable t) {
        String message = t.getMessage();
        String name = t.getClass().getSimpleName();
        return message == null || message.isBlank() ? name : name + ": " + message.replaceAll("\\s+", " ");
    }
}
