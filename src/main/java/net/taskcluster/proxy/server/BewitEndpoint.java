package net.taskcluster.proxy.server;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import net.taskcluster.proxy.auth.Bewit;
import net.taskcluster.proxy.auth.Identity;
import net.taskcluster.proxy.proxy.AnswerHead;
import net.taskcluster.proxy.proxy.PlainText;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code /bewit}: the body is a URL; the answer is 303 with the signed URL, valid for an hour, in Location and in
 * the body (clients read the body with redirects off). Any method works, as in the original.
 */
final class BewitEndpoint {
    static final Duration VALIDITY = Duration.ofHours(1);

    private final Clock clock;

    BewitEndpoint(Clock clock) {
        this.clock = clock;
    }

    void handle(Request request, Response response, Callback callback, Identity identity) {
        SmallBody.read(request, response, callback, body -> {
            String signed;
            try {
                signed = signedUrl(body, identity, clock.instant().plus(VALIDITY));
            } catch (IllegalArgumentException e) {
                PlainText.write(response, callback, HttpStatus.BAD_REQUEST_400, e.getMessage());
                return;
            }
            response.getHeaders().put(HttpHeader.LOCATION, signed);
            if (!AnswerHead.fits(HttpStatus.SEE_OTHER_303, response.getHeaders())) {
                // Too long for the Location header beside the proxy's own headers: a URL too long, as 414 says.
                response.getHeaders().remove(HttpHeader.LOCATION);
                PlainText.write(response, callback, HttpStatus.URI_TOO_LONG_414, "the signed URL would be "
                        + signed.length() + " bytes, too long for the answer's Location header (its headers may take "
                        + AnswerHead.limit() + ")");
                return;
            }
            response.setStatus(HttpStatus.SEE_OTHER_303);
            PlainText.writeBody(response, callback, signed);
        });
    }

    /**
     * The answer to a body: the URL it holds (surrounding white space trimmed), signed until {@code expiry}.
     *
     * @throws IllegalArgumentException with the 400's message, when the body holds no URL that can be signed
     */
    static String signedUrl(String body, Identity identity, Instant expiry) {
        String url = body.strip();
        if (url.isEmpty()) {
            throw new IllegalArgumentException("the body must be the URL to sign");
        }
        try {
            return Bewit.signUrl(identity.credentials(), identity.ext(), url, expiry);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot sign the URL: " + e.getMessage(), e);
        }
    }
}
