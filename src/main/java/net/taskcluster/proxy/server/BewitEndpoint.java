package net.taskcluster.proxy.server;

import java.time.Clock;
import java.time.Duration;
import net.taskcluster.proxy.auth.Bewit;
import net.taskcluster.proxy.auth.Identity;
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
            String url = body.strip();
            if (url.isEmpty()) {
                PlainText.write(response, callback, HttpStatus.BAD_REQUEST_400, "the body must be the URL to sign");
                return;
            }
            String signed;
            try {
                signed = Bewit.signUrl(identity.credentials(), identity.ext(), url, clock.instant().plus(VALIDITY));
            } catch (IllegalArgumentException e) {
                PlainText.write(response, callback, HttpStatus.BAD_REQUEST_400, "cannot sign the URL: " + e.getMessage());
                return;
            }
            response.setStatus(HttpStatus.SEE_OTHER_303);
            response.getHeaders().put(HttpHeader.LOCATION, signed);
            PlainText.writeBody(response, callback, signed);
        });
    }
}
