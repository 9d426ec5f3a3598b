package net.taskcluster.proxy.routing;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where a request goes, exactly as it will be written on the wire: the path and query are raw (percent-escapes,
 * {@code //} and the order of query parameters kept), so that what Hawk signs is what the upstream receives.
 *
 * @param scheme   {@code http} or {@code https}, lower case
 * @param host     the host as written in a URL (IPv6 literals in brackets)
 * @param port     the explicit port, or -1 for the scheme's default
 * @param rawPath  the escaped path; empty means {@code /}
 * @param rawQuery the raw query without {@code ?}, or null when there is none
 */
public record Target(String scheme, String host, int port, String rawPath, String rawQuery) {

    public Target {
        scheme = scheme.toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("scheme must be http or https");
        }
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("host is missing");
        }
        if (port < -1 || port > 65535) {
            throw new IllegalArgumentException("port out of range");
        }
    }

    /**
     * Parses an absolute http(s) URL, keeping its path and query as written. A fragment is not part of the target
     * (it never goes on the wire).
     */
    public static Target parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid URL: " + e.getReason() + " at index " + e.getIndex());
        }
        if (!uri.isAbsolute() || uri.isOpaque()) {
            throw new IllegalArgumentException("not an absolute http(s) URL");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("URL has no valid host");
        }
        String rawPath = uri.getRawPath() == null ? "" : uri.getRawPath();
        String rawQuery = uri.getRawQuery();
        return new Target(uri.getScheme(), uri.getHost(), uri.getPort(), rawPath, rawQuery);
    }

    /** The port the connection goes to: the explicit one, else 80 for http and 443 for https. */
    public int effectivePort() {
        return port >= 0 ? port : scheme.equals("http") ? 80 : 443;
    }

    /** The request target on the wire (origin form): path, and {@code ?query} when there is a query. */
    public String resource() {
        String path = rawPath.isEmpty() ? "/" : rawPath;
        return rawQuery == null ? path : path + "?" + rawQuery;
    }

    /** The Host header value: host, with {@code :port} only when the URL names a port. */
    public String authority() {
        return port >= 0 ? host + ":" + port : host;
    }

    /**
     * A request of {@code client} to this target, whose request line carries {@link #resource()} exactly as it is.
     * (A java.net.URI refuses {@code |}, {@code {}} and the like, which a caller may send and the upstream must
     * receive as sent; Jetty's client writes a path it cannot parse as a URI as given.)
     */
    public org.eclipse.jetty.client.Request newRequest(org.eclipse.jetty.client.HttpClient client) {
        return client.newRequest(scheme + "://" + authority()).path(resource());
    }

    /** The full URL. */
    public String url() {
        return scheme + "://" + authority() + resource();
    }

    @Override
    public String toString() {
        return url();
    }
}
