package net.taskcluster.proxy.routing;

import java.nio.charset.StandardCharsets;

/**
 * Maps the raw request target to a {@link Route}, exactly as received: no decoding, no normalisation, so that
 * {@code //}, {@code %2F} and {@code %252F} reach the upstream byte for byte.
 *
 * <ul>
 *   <li>{@code /api/<service>/<version>/<path>} goes to the root URL's API of that service;
 *   <li>{@code /<service>/<version>/<path>}, where the service has no dot, likewise (the shortcut form);
 *   <li>{@code /<host.name>/<path>} goes to {@code https://<host.name>/<path>};
 *   <li>{@code /bewit} and {@code /credentials} are the proxy's own endpoints.
 * </ul>
 */
public final class Router {

    private final Target root;

    /** @param root the root URL of the deployment, without trailing slashes */
    public Router(Target root) {
        this.root = root;
    }

    /**
     * @param rawPath  the path as received (percent-escapes intact)
     * @param rawQuery the query as received, or null when there is none
     */
    public Route route(String rawPath, String rawQuery) {
        String problem = problem(rawPath);
        if (problem == null && rawQuery != null) {
            problem = problem(rawQuery);
        }
        if (problem != null) {
            return new Route.BadRequest("the request target has " + problem);
        }
        // A '?' in the path (the server splits it off with the query; a caller of this method might not) would move
        // the rest of the path into the query on the wire.
        String path = escapeUnsafe(rawPath).replace("?", "%3F");
        String query = rawQuery == null ? null : escapeUnsafe(rawQuery);

        if (path.equals("/bewit")) {
            return new Route.Bewit();
        }
        if (path.equals("/credentials")) {
            return new Route.Credentials();
        }
        if (!path.startsWith("/")) { // "*" (OPTIONS *), or a caller's mistake: no URL form applies
            return new Route.NotFound("not a path: expected /api/<service>/<version>/<path>, /<service>/<version>/<path> or /<host.name>/<path>");
        }
        if (path.startsWith("/api")) { // as the original: anything under /api must be the /api form
            String[] api = path.startsWith("/api/") ? serviceVersionPath(path, 5) : null;
            if (api == null) {
                return new Route.NotFound("invalid /api path: expected /api/<service>/<version>/<path>");
            }
            return new Route.Proxied(api(api[0], api[1], api[2], query));
        }
        int end = path.indexOf('/', 1);
        String first = path.length() <= 1 ? "" : path.substring(1, end < 0 ? path.length() : end);
        if (first.indexOf('.') >= 0) {
            if (!isHostName(first)) {
                return new Route.NotFound("invalid host name \"" + first + "\"");
            }
            String rest = end < 0 ? "/" : path.substring(end);
            return new Route.Proxied(new Target("https", first, -1, rest, query));
        }
        if (!isLabel(first)) {
            return new Route.NotFound("unknown taskcluster service \"" + first
                    + "\": expected /api/<service>/<version>/<path>, /<service>/<version>/<path> or /<host.name>/<path>");
        }
        String[] shortcut = serviceVersionPath(path, 1);
        if (shortcut == null) {
            return new Route.NotFound("incomplete path: expected /" + first + "/<version>/<path>");
        }
        return new Route.Proxied(api(shortcut[0], shortcut[1], shortcut[2], query));
    }

    /**
     * Splits {@code <service>/<version>/<path>}, starting at {@code start}, into its three parts; null unless the
     * service and the version are non-empty and a slash follows the version.
     */
    private static String[] serviceVersionPath(String path, int start) {
        int serviceEnd = path.indexOf('/', start);
        int versionEnd = serviceEnd < 0 ? -1 : path.indexOf('/', serviceEnd + 1);
        if (serviceEnd <= start || versionEnd <= serviceEnd + 1) {
            return null;
        }
        return new String[] {path.substring(start, serviceEnd), path.substring(serviceEnd + 1, versionEnd), path.substring(versionEnd + 1)};
    }

    /** The taskcluster-lib-urls (v13) rule: root + /api/ + service + / + version + / + path without leading slashes. */
    private Target api(String service, String version, String path, String query) {
        int start = 0;
        while (start < path.length() && path.charAt(start) == '/') {
            start++;
        }
        String rawPath = root.rawPath() + "/api/" + service + "/" + version + "/" + path.substring(start);
        return new Target(root.scheme(), root.host(), root.port(), rawPath, query);
    }

    /** A DNS name: dot-separated labels of letters, digits and inner hyphens (no port, no empty label). */
    private static boolean isHostName(String name) {
        if (name.length() > 253) {
            return false;
        }
        for (String label : name.split("\\.", -1)) {
            if (label.length() > 63 || !isLabel(label)) {
                return false;
            }
        }
        return true;
    }

    /** A DNS label: letters, digits and hyphens, neither first nor last. */
    private static boolean isLabel(String s) {
        if (s.isEmpty() || s.charAt(0) == '-' || s.charAt(s.length() - 1) == '-') {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /**
     * What makes a raw request target, or a part of it, unusable, described for the caller; null when nothing does.
     * Control characters have no safe form on the wire, and an unpaired surrogate has no UTF-8 bytes at all (the
     * server never passes one: its targets are ASCII, each byte outside ASCII made a percent-escape). A {@code %}
     * that does not start an escape of two hex digits leaves the target without one meaning (the proxy cannot
     * escape it without changing what the caller sent, and the upstream would read it its own way), so it is
     * refused rather than forwarded.
     */
    public static String problem(String raw) {
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return String.format("a control character (0x%02x)", (int) c);
            }
            if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 == raw.length() || !Character.isLowSurrogate(raw.charAt(i + 1))) {
                    return String.format("an unpaired surrogate (0x%04x)", (int) c);
                }
                i++;
            }
        }
        // (control characters and surrogates first: the escape is quoted in the description)
        for (int i = 0; i < raw.length(); i++) {
            if (raw.charAt(i) == '%') {
                int end = Math.min(i + 3, raw.length());
                if (end < raw.length() && Character.isHighSurrogate(raw.charAt(end - 1))) {
                    end++; // the quote takes the whole character, never half of a pair (UTF-8 has no bytes for one)
                }
                if (end - i < 3 || !isHexDigit(raw.charAt(i + 1)) || !isHexDigit(raw.charAt(i + 2))) {
                    return "a malformed percent-escape \"" + raw.substring(i, end) + "\" (a % must be followed by two hex digits)";
                }
            }
        }
        return null;
    }

    private static boolean isHexDigit(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /**
     * Percent-encodes (as UTF-8) what cannot appear raw in a request target: characters outside ASCII (the server
     * has already turned the bytes it received into escapes of themselves, so these come only from other callers
     * of {@link #route}), spaces and {@code #}. Printable ASCII, {@code []|{}^} and the like included, and existing escapes
     * are left exactly as the caller sent them: the upstream must receive what the caller wrote, and the signature
     * covers it.
     */
    static String escapeUnsafe(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean allowed = c > ' ' && c < 0x7f && c != '#'; // a '#' would end the target on the wire
            if (allowed) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            int codePointEnd = i + Character.charCount(s.codePointAt(i)); // a pair, never a surrogate and what follows
            for (byte b : s.substring(i, codePointEnd).getBytes(StandardCharsets.UTF_8)) {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
            i = codePointEnd - 1;
        }
        return out == null ? s : out.toString();
    }
}
