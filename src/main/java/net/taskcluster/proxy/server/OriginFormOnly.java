package net.taskcluster.proxy.server;

import net.taskcluster.proxy.plaintext.Redact;
import net.taskcluster.proxy.routing.Router;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/1.1 connections that refuse request targets in absolute form ({@code GET http://host/path}), with a 400:
 * the proxy is not a forward proxy, and once Jetty has parsed a request the form it came in is gone (an
 * origin-form target is completed with the Host header), so the request line is checked as it is parsed.
 * CONNECT (authority form) is left to the dispatcher, which refuses it too.
 *
 * <p>Origin-form targets that Jetty cannot parse (a malformed percent-escape such as {@code %zz}, a {@code ..}
 * above the root) are refused here too: Jetty's own answer is a bare "400 Bad Request" that does not say why.
 *
 * <p>The target Jetty passes on is rebuilt from the bytes received (see {@link RequestLineParser}): bytes outside
 * ASCII become percent-escapes of themselves, so a raw 0xFF goes upstream as {@code %FF} and is signed so.
 *
 * <p>Every request refused while its head is parsed (a bad request line, a head too large, both Content-Length
 * and Transfer-Encoding, an HTTP version other than 1.x) is logged here in one line, escaped: Jetty says nothing.
 */
final class OriginFormOnly extends HttpConnectionFactory {
    private static final Logger LOG = LoggerFactory.getLogger(OriginFormOnly.class);
    /** How much of a refused request line is logged. */
    private static final int LOGGED_LINE = 200;
    private static final String EARLY_EOF = "Early EOF";

    OriginFormOnly(HttpConfiguration configuration) {
        super(configuration);
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        HttpConnection connection = new TargetKeepingConnection(getHttpConfiguration(), connector, endPoint);
        connection.setTransferEncodingChunkMaxLength(getTransferEncodingChunkMaxLength());
        return configure(connection, connector, endPoint);
    }

    private static final class TargetKeepingConnection extends HttpConnection {
        // Both are set while the superclass's constructor runs (it asks for the handler, then the parser), so they
        // have no initialiser, which would run after it and clear them.
        private RequestHandler handler;
        private RequestLineParser parser;

        TargetKeepingConnection(HttpConfiguration configuration, Connector connector, EndPoint endPoint) {
            super(configuration, connector, endPoint);
        }

        @Override
        protected RequestHandler newRequestHandler() {
            handler = new OriginFormHandler();
            return handler;
        }

        @Override
        protected HttpParser newHttpParser(HttpCompliance compliance) {
            parser = new RequestLineParser(handler, getHttpConfiguration().getRequestHeaderSize(), compliance);
            parser.setHeaderCacheSize(getHttpConfiguration().getHeaderCacheSize());
            parser.setHeaderCacheCaseSensitive(getHttpConfiguration().isHeaderCacheCaseSensitive());
            return parser;
        }

        private final class OriginFormHandler extends RequestHandler {
            @Override
            public void startRequest(String method, String target, HttpVersion version) {
                String wire = parser.wireTarget(target); // as received, byte for byte, in ASCII
                if (HttpMethod.CONNECT.is(method) || target.equals("*")) {
                    super.startRequest(method, target, version);
                    return;
                }
                if (!target.startsWith("/")) {
                    throw new BadMessageException(400,
                            "absolute-form request targets are not supported: this is not a forward proxy");
                }
                String problem = Router.problem(wire);
                if (problem != null) {
                    throw new BadMessageException(400, "the request target has " + problem);
                }
                try {
                    super.startRequest(method, wire, version);
                } catch (IllegalArgumentException e) {
                    throw new BadMessageException(400, "the request target cannot be parsed (" + e.getMessage() + ")", e);
                }
            }

            @Override
            public boolean headerComplete() {
                parser.forget();
                return super.headerComplete();
            }

            @Override
            public void badMessage(HttpException failure) {
                byte[] line = parser.requestLine();
                parser.forget();
                byte[] shown = java.util.Arrays.copyOf(line, Math.min(line.length, LOGGED_LINE));
                // The parser's "Early EOF" in a head is a caller that went away before finishing it: nobody to refuse.
                String what = EARLY_EOF.equals(failure.getReason()) ? "caller gone while sending the request head"
                        : "refused while reading the request: " + failure.getCode() + " " + Redact.escape(
                                failure.getReason() == null ? HttpStatus.getMessage(failure.getCode()) : failure.getReason());
                LOG.info("{}; request line \"{}\"{} from {}", what, Redact.forLog(shown),
                        line.length > LOGGED_LINE ? " (" + line.length + " bytes, cut)" : "",
                        getEndPoint().getRemoteSocketAddress());
                super.badMessage(failure);
            }
        }
    }
}
