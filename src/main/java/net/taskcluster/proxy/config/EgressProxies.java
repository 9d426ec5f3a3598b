package net.taskcluster.proxy.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.taskcluster.proxy.egress.NoProxy;
import net.taskcluster.proxy.egress.ProxyUrl;
import net.taskcluster.proxy.plaintext.Redact;
import net.taskcluster.proxy.routing.Target;

/**
 * The egress proxies of the environment, read once at start-up as Go's {@code http.ProxyFromEnvironment} reads
 * them: {@code HTTPS_PROXY} for https targets (through a CONNECT tunnel), {@code HTTP_PROXY} for http targets, and
 * {@code NO_PROXY} for the targets that go directly; each upper-case name wins over its lower-case form when it is
 * set and not empty. When {@code REQUEST_METHOD} is set (a CGI environment, where a caller's {@code Proxy:}
 * header arrives as {@code HTTP_PROXY}), {@code HTTP_PROXY} is ignored.
 *
 * @param http          the proxy for http targets, or null
 * @param https         the proxy for https targets, or null
 * @param noProxy       the targets that are never proxied (besides localhost and loopback addresses)
 * @param noProxySource the variable NO_PROXY came from, or null when neither form is set
 * @param ignoredHttp   the variable of an HTTP_PROXY ignored because REQUEST_METHOD is set, or null
 */
public record EgressProxies(ProxyUrl http, ProxyUrl https, NoProxy noProxy, String noProxySource, String ignoredHttp) {
    public static final EgressProxies NONE = new EgressProxies(null, null, NoProxy.NONE, null, null);

    /**
     * Reads the variables.
     *
     * @throws ProxyUrl.InvalidProxyUrl when a proxy variable is not a usable proxy URL (the message names it)
     */
    public static EgressProxies fromEnvironment(Map<String, String> env) {
        String httpVariable = firstSet(env, "HTTP_PROXY", "http_proxy");
        String httpsVariable = firstSet(env, "HTTPS_PROXY", "https_proxy");
        String noProxyVariable = firstSet(env, "NO_PROXY", "no_proxy");
        String requestMethod = env.get("REQUEST_METHOD");
        boolean cgi = requestMethod != null && !requestMethod.isEmpty();
        ProxyUrl http = httpVariable == null || cgi ? null : ProxyUrl.parse(httpVariable, env.get(httpVariable));
        ProxyUrl https = httpsVariable == null ? null : ProxyUrl.parse(httpsVariable, env.get(httpsVariable));
        NoProxy noProxy = noProxyVariable == null ? NoProxy.NONE : NoProxy.parse(env.get(noProxyVariable));
        return new EgressProxies(http, https, noProxy, noProxyVariable, cgi ? httpVariable : null);
    }

    /** The first of the names that is set to something other than the empty string (Go's getEnvAny). */
    private static String firstSet(Map<String, String> env, String... names) {
        for (String name : names) {
            String value = env.get(name);
            if (value != null && !value.isEmpty()) {
                return name;
            }
        }
        return null;
    }

    /**
     * The proxy a request to {@code scheme://host:port} goes through, or null when it goes directly: Go's
     * {@code proxyForURL}.
     *
     * @param host as in a URL (an IPv6 literal in brackets or not)
     */
    public ProxyUrl proxyFor(String scheme, String host, int port) {
        ProxyUrl proxy = switch (scheme) {
            case "https" -> https;
            case "http" -> http;
            default -> null;
        };
        return proxy != null && noProxy.useProxy(host, port) ? proxy : null;
    }

    public ProxyUrl proxyFor(Target target) {
        return proxyFor(target.scheme(), target.host(), target.effectivePort());
    }

    /** The proxies in use, https's first. */
    public List<ProxyUrl> proxies() {
        List<ProxyUrl> all = new ArrayList<>(2);
        if (https != null) {
            all.add(https);
        }
        if (http != null) {
            all.add(http);
        }
        return all;
    }

    /** Whether the connection to {@code host:port} is one to an egress proxy itself (which always goes directly). */
    public boolean isProxy(String host, int port) {
        return (https != null && https.isAt(host, port)) || (http != null && http.isAt(host, port));
    }

    /** Whether any of the variables is set (when none is, the start-up log says nothing about them). */
    public boolean isConfigured() {
        return http != null || https != null || noProxySource != null || ignoredHttp != null;
    }

    /** The start-up log's line: which proxy for which scheme, what goes directly (passwords hidden). */
    public String describe() {
        StringBuilder line = new StringBuilder("egress proxies: https targets ")
                .append(https == null ? "directly" : "through " + https.describe())
                .append(", http targets ")
                .append(http == null ? "directly" : "through " + http.describe());
        if (ignoredHttp != null) {
            line.append(" (").append(ignoredHttp).append(" ignored: REQUEST_METHOD is set, as in a CGI program)");
        }
        line.append("; never proxied: localhost, loopback addresses");
        if (noProxySource != null) {
            line.append(" and ").append(noProxySource).append("=").append(Redact.escape(noProxy.text()));
        }
        return line.toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
