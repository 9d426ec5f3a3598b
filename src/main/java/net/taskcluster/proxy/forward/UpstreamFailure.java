package net.taskcluster.proxy.forward;

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
import net.taskcluster.proxy.egress.ProxyUrl;
import net.taskcluster.proxy.plaintext.AnswerHead;
import org.eclipse.jetty.client.HttpResponseException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;

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
