package net.taskcluster.proxy.forward;

import java.util.List;
import org.eclipse.jetty.client.HttpClientTransport;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;

/**
 * The upstream transport of {@code --upstream-http auto}: HTTP/2 where an https upstream's TLS handshake picks it by
 * ALPN, HTTP/1.1 everywhere else, as Go's transport decides. ALPN offers {@code h2, http/1.1} in Go's order; a
 * server that answers without ALPN gets HTTP/1.1 (the first protocol given to Jetty); http upstreams always get
 * HTTP/1.1 (no h2c). TLS stays {@link LazyTls}'s: the ALPN extension is added to the handshake it sets up at the
 * first https request.
 *
 * <p>The h2 flow-control windows bound what the proxy holds of answers whose callers read slower than the upstream
 * sends: Jetty gives window back only as the answer is passed on. Each answer's window is
 * {@link UpstreamFlowControl}'s, 16 KiB until its caller reads and 1 MiB within a budget shared by all connections;
 * and at most {@link #SESSION_WINDOW} of all answers on one connection wait in the heap (Jetty's default, 16 MiB,
 * would be half of the distribution's 32 MiB heap for one connection). The price: one answer moves at most 1 MiB per
 * round trip (50 MiB/s at 20 ms), 16 KiB once the budget is spent; and in principle 8 callers on one connection
 * that have all stopped reading fill its window, and its other answers wait for them too.
 */
final class UpstreamHttp2 {
    static final int SESSION_WINDOW = 8 * UpstreamFlowControl.LARGE_WINDOW;
    private static final List<String> GO_ALPN = List.of("h2", "http/1.1");

    private UpstreamHttp2() {}

    static HttpClientTransport transport(ClientConnector connector, int maxRequestHead, int maxAnswerHead) {
        HTTP2Client http2 = new HTTP2Client(connector);
        MemoryBudget windows = MemoryBudget.ofThisHeap(); // 8 MiB, eight large windows, with the 32 MiB heap
        http2.setFlowControlStrategyFactory(() -> new UpstreamFlowControl(windows, SESSION_WINDOW));
        http2.setInitialStreamRecvWindow(UpstreamFlowControl.SMALL_WINDOW);
        http2.setInitialSessionRecvWindow(SESSION_WINDOW);
        // The same limits as the HTTP/1.1 client's (Forwarder.newHttpClient), for HPACK's encoder and decoder.
        http2.setMaxRequestHeadersSize(maxRequestHead);
        http2.setMaxResponseHeadersSize(maxAnswerHead);
        http2.setUseInputDirectByteBuffers(false);
        http2.setUseOutputDirectByteBuffers(false);
        // HTTP/1.1 first: it is what a clear-text upstream, or a TLS one that does not do ALPN, is spoken to in.
        return new HttpClientTransportDynamic(connector, HttpClientConnectionFactory.HTTP11,
                new ClientConnectionFactoryOverHTTP2.HTTP2(http2)) {
            @Override
            public Origin newOrigin(Request request) {
                Origin origin = super.newOrigin(request);
                Origin.Protocol protocol = origin.getProtocol();
                if (protocol == null || !protocol.isNegotiate()) {
                    return origin;
                }
                return new Origin(origin.getScheme(), origin.getAddress(), origin.getTag(),
                        new Origin.Protocol(GO_ALPN, true), origin.getTransport());
            }
        };
    }
}
