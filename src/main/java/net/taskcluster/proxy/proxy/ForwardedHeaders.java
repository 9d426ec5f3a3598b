package net.taskcluster.proxy.proxy;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Which headers cross the proxy. Everything does, except hop-by-hop headers (Connection and the headers it names,
 * Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding, Upgrade), and on requests also Host (set for the target),
 * Authorization (replaced by the proxy's signature), Expect (the proxy answers it itself) and Content-Length (sent
 * for the body actually forwarded).
 */
final class ForwardedHeaders {
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
            HttpHeader header = field.getHeader();
            if (isHopByHop(header, field.getLowerCaseName())
                    || (request && isReplacedOnRequests(header))
                    || (named != null && named.contains(field.getLowerCaseName()))) {
                continue;
            }
            to.add(field);
        }
    }

    private static boolean isHopByHop(HttpHeader header, String lowerCaseName) {
        if (header != null) {
            switch (header) {
                case CONNECTION, KEEP_ALIVE, PROXY_AUTHORIZATION, PROXY_AUTHENTICATE, PROXY_CONNECTION, TE, TRAILER,
                        TRANSFER_ENCODING, UPGRADE -> {
                    return true;
                }
                default -> {
                    return false;
                }
            }
        }
        return lowerCaseName.startsWith("proxy-");
    }

    private static boolean isReplacedOnRequests(HttpHeader header) {
        return header == HttpHeader.HOST || header == HttpHeader.AUTHORIZATION || header == HttpHeader.EXPECT
                || header == HttpHeader.CONTENT_LENGTH;
    }

    private static Set<String> namedByConnection(HttpFields fields) {
        if (!fields.contains(HttpHeader.CONNECTION)) {
            return null;
        }
        Set<String> named = null;
        for (String value : fields.getValuesList(HttpHeader.CONNECTION)) {
            for (String name : value.split(",")) {
                if (named == null) {
                    named = new HashSet<>();
                }
                named.add(name.trim().toLowerCase(Locale.ROOT));
            }
        }
        return named;
    }
}
