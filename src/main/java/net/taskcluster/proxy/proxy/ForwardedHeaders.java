package net.taskcluster.proxy.proxy;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Which headers cross the proxy. Everything does, in order and with every value of a repeated header, except the
 * hop-by-hop headers ({@link #HOP_BY_HOP}, any {@code Proxy-*}, and the headers {@code Connection} names), and on
 * requests also {@link #REPLACED_ON_REQUESTS}.
 */
final class ForwardedHeaders {
    /** RFC 9110 section 7.6.1's connection-specific fields, and Keep-Alive and Proxy-Connection of older peers. */
    static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
            "transfer-encoding", "upgrade");
    /**
     * Host (set for the target), Authorization (replaced by the proxy's signature), Expect (the proxy answers it
     * itself) and Content-Length (sent for the body actually forwarded).
     */
    static final Set<String> REPLACED_ON_REQUESTS = Set.of("host", "authorization", "expect", "content-length");

    private ForwardedHeaders() {}

    static void copyRequest(HttpFields from, HttpFields.Mutable to) {
        copy(from, to, true);
    }

    static void copyResponse(HttpFields from, HttpFields.Mutable to) {
        copy(from, to, false);
    }

    private static void copy(HttpFields from, HttpFields.Mutable to, boolean request) {
        Set<String> named = namedByConnection(from);
        for (HttpField field : from) {
            String name = field.getLowerCaseName();
            if (HOP_BY_HOP.contains(name) || name.startsWith("proxy-") || named.contains(name)
                    || (request && REPLACED_ON_REQUESTS.contains(name))) {
                continue;
            }
            to.add(field);
        }
    }

    private static Set<String> namedByConnection(HttpFields fields) {
        if (!fields.contains(HttpHeader.CONNECTION)) {
            return Set.of();
        }
        Set<String> named = new HashSet<>();
        for (String value : fields.getValuesList(HttpHeader.CONNECTION)) {
            for (String name : value.split(",")) {
                named.add(name.trim().toLowerCase(Locale.ROOT));
            }
        }
        return named;
    }
}
