package net.taskcluster.proxy.server;

import net.taskcluster.proxy.routing.Router;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;

/**
 * HTTP/1.1 connections that refuse request targets in absolute form ({@code GET http://host/path}), with a 400:
 * the proxy is not a forward proxy, and once Jetty has parsed a request the form it came in is gone (an
 * origin-form target is completed with the Host header), so the request line is checked as it is parsed.
 * CONNECT (authority form) is left to the dispatcher, which refuses it too.
 *
 * <p>Origin-form targets that Jetty cannot parse (a malformed percent-escape such as {@code %zz}, a {@code ..}
 * above the root) are refused here too: Jetty's own answer is a bare "400 Bad Request" that does not say why.
 */
final class OriginFormOnly extends HttpConnectionFactory {
    OriginFormOnly(HttpConfiguration configuration) {
        super(configuration);
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        HttpConnection connection = new HttpConnection(getHttpConfiguration(), connector, endPoint) {
            @Override
            protected RequestHandler newRequestHandler() {
                return new RequestHandler() {
                    @Override
                    public void startRequest(String method, String target, HttpVersion version) {
                        if (HttpMethod.CONNECT.is(method) || target.equals("*")) {
                            super.startRequest(method, target, version);
                            return;
                        }
                        if (!target.startsWith("/")) {
                            throw new BadMessageException(400,
                                    "absolute-form request targets are not supported: this is not a forward proxy");
                        }
                        String problem = Router.problem(target);
                        if (problem != null) {
                            throw new BadMessageException(400, "the request target has " + problem);
                        }
                        try {
                            super.startRequest(method, target, version);
                        } catch (IllegalArgumentException e) {
                            throw new BadMessageException(400, "the request target cannot be parsed (" + e.getMessage() + ")", e);
                        }
                    }
                };
            }
        };
        connection.setTransferEncodingChunkMaxLength(getTransferEncodingChunkMaxLength());
        return configure(connection, connector, endPoint);
    }
}
