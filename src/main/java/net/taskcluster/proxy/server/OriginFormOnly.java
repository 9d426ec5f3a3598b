package net.taskcluster.proxy.server;

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
                        if (!target.startsWith("/") && !target.equals("*") && !HttpMethod.CONNECT.is(method)) {
                            throw new BadMessageException(400,
                                    "absolute-form request targets are not supported: this is not a forward proxy");
                        }
                        super.startRequest(method, target, version);
                    }
                };
            }
        };
        connection.setTransferEncodingChunkMaxLength(getTransferEncodingChunkMaxLength());
        return configure(connection, connector, endPoint);
    }
}
