package net.taskcluster.proxy.forward;

import net.taskcluster.proxy.config.EgressProxies;
import net.taskcluster.proxy.egress.ProxyUrl;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpProxy;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;

/**
 * The egress proxies of the environment, installed in the upstream client: one Jetty {@link HttpProxy} per target
 * scheme, which Jetty asks about each new destination and which answers by Go's rules ({@link EgressProxies}).
 * Jetty then sends http requests to the proxy in absolute form and tunnels https ones through {@code CONNECT}.
 * The connection to a proxy itself always goes directly.
 *
 * <p>The proxy's credentials go as {@code Proxy-Authorization: Basic}, up front as Go sends them, on the
 * {@code CONNECT} of an https target and on every request to an http target; never on the requests inside a
 * tunnel, which the deployment would receive.
 */
final class EgressRoutes {
    private EgressRoutes() {}

    static void install(HttpClient client, EgressProxies egress) {
        for (ProxyUrl proxy : egress.proxies()) {
            client.getProxyConfiguration().addProxy(new GoRuleProxy(egress, proxy));
        }
        if (egress.proxies().stream().anyMatch(ProxyUrl::hasCredentials)) {
            client.getRequestListeners().addBeginListener(request -> authorize(egress, request));
        }
    }

    /** The Proxy-Authorization this request carries, if it is a CONNECT to the https proxy or a proxied http request. */
    private static void authorize(EgressProxies egress, Request request) {
        ProxyUrl proxy;
        if (HttpMethod.CONNECT.is(request.getMethod())) {
            // Jetty's tunnel request: addressed to the proxy itself.
            proxy = egress.https() != null && egress.https().isAt(request.getHost(), request.getPort()) ? egress.https() : null;
        } else {
            proxy = "http".equals(request.getScheme()) ? egress.proxyFor("http", request.getHost(), request.getPort()) : null;
        }
        if (proxy != null && proxy.hasCredentials()) {
            request.headers(headers -> headers.put(HttpHeader.PROXY_AUTHORIZATION, "Basic " + proxy.basicToken()));
        }
    }

    /** An http:// proxy used for exactly the origins that Go would send to it. */
    private static final class GoRuleProxy extends HttpProxy {
        private final EgressProxies egress;
        private final ProxyUrl proxy;

        GoRuleProxy(EgressProxies egress, ProxyUrl proxy) {
            super(new Origin.Address(proxy.host(), proxy.port()), false);
            this.egress = egress;
            this.proxy = proxy;
        }

        @Override
        public boolean matches(Origin origin) {
            Origin.Address address = origin.getAddress();
            return !egress.isProxy(address.getHost(), address.getPort())
                    && egress.proxyFor(origin.getScheme(), address.getHost(), address.getPort()) == proxy;
        }
    }
}
