package net.taskcluster.proxy.server;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import net.taskcluster.proxy.auth.Certificate;
import net.taskcluster.proxy.peer.PeerCheck;
import net.taskcluster.proxy.proxy.Forwarder;
import net.taskcluster.proxy.proxy.PlainText;
import net.taskcluster.proxy.proxy.ProxyIdentity;
import net.taskcluster.proxy.proxy.Redact;
import net.taskcluster.proxy.routing.Route;
import net.taskcluster.proxy.routing.Router;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every request starts here: routed on its raw target to an endpoint of the proxy or to the forwarder. */
final class Dispatcher extends Handler.Abstract.NonBlocking {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final Router router;
    private final IdentityStore identities;
    private final Forwarder forwarder;
    private final BewitEndpoint bewit;
    private final CredentialsEndpoint credentials;
    private final Clock clock;
    private final AtomicReference<ProxyIdentity> warnedExpired = new AtomicReference<>();
    /** Numbers the requests in the log, so that an exchange's retry lines can be matched to its final line. */
    private final AtomicLong ids = new AtomicLong();

    /** @param peerCheck who may connect; null when anyone may */
    Dispatcher(Router router, IdentityStore identities, Forwarder forwarder, PeerCheck peerCheck, Clock clock) {
        this.router = router;
        this.identities = identities;
        this.forwarder = forwarder;
        this.bewit = new BewitEndpoint(clock);
        this.credentials = new CredentialsEndpoint(identities, peerCheck);
        this.clock = clock;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        ProxyIdentity identity = identities.current();
        warnIfExpired(identity);
        HttpURI uri = request.getHttpURI();
        Route route = HttpMethod.CONNECT.is(request.getMethod())
                ? new Route.BadRequest("CONNECT is not supported: this is not a forward proxy")
                : router.route(uri.getPath(), uri.getQuery());
        if (route instanceof Route.Proxied proxied) {
            forwarder.forward(ids.incrementAndGet(), request, new FittingHead(request, response, identity), callback,
                    proxied.target());
            return true;
        }
        identity.addTo(response.getHeaders());
        if (HttpMethod.CONNECT.is(request.getMethod())) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close"); // no tunnel follows
        }
        Callback logged = logged(ids.incrementAndGet(), request, response, callback);
        switch (route) {
            case Route.Bewit b -> bewit.handle(request, response, logged, identity.identity());
            case Route.Credentials c -> credentials.handle(request, response, logged);
            case Route.NotFound notFound -> PlainText.write(response, logged, HttpStatus.NOT_FOUND_404, notFound.message());
            case Route.BadRequest bad -> PlainText.write(response, logged, HttpStatus.BAD_REQUEST_400, bad.message());
            case Route.Proxied p -> throw new IllegalStateException("handled above");
        }
        return true;
    }

    private Callback logged(long id, Request request, Response response, Callback callback) {
        long start = clock.millis();
        return Callback.from(() -> {
            log(id, request, String.valueOf(response.getStatus()), start);
            callback.succeeded();
        }, failure -> {
            log(id, request, "failed: caller gone", start);
            callback.failed(failure);
        });
    }

    private void log(long id, Request request, String outcome, long startMillis) {
        LOG.info("#{} {} {} {} in {} ms", id, Redact.escape(request.getMethod()), Redact.forLog(request.getHttpURI().getPathQuery()),
                outcome, clock.millis() - startMillis);
    }

    /** Signing with an expired certificate is allowed (the upstream decides), but worth a warning, once. */
    private void warnIfExpired(ProxyIdentity identity) {
        Certificate certificate = identity.identity().credentials().certificate();
        if (certificate != null && certificate.expiry() < clock.millis() && warnedExpired.getAndSet(identity) != identity) {
            LOG.warn("signing with an expired certificate: client id {} expired at {}",
                    Redact.escape(identity.identity().credentials().clientId()), certificate.expiresAt());
        }
    }
}
