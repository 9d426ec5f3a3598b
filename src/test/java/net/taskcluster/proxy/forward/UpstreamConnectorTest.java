package net.taskcluster.proxy.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import net.taskcluster.proxy.testing.JettyUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One h2 connection whose reading does not return must not keep the client's other connections from being read.
 *
 * <p>The busy connection here is one whose answer's first bytes are held by the listener, which the transport is
 * told runs without blocking, so Jetty calls it from within the connection's read loop: it stands for the read
 * loop of an upstream that sends faster than the proxy can parse, which never runs dry (StalledDownloadsIT over
 * h2, on a busy machine). The pool has no reserved threads, as when a loaded proxy has used them all: Jetty's
 * connector would then run that loop on its one selector thread, and a request to a second upstream would never
 * be answered. {@link UpstreamConnector} runs it on a pool thread instead.
 */
class UpstreamConnectorTest {
    private final CountDownLatch release = new CountDownLatch(1);
    private JettyUpstream busy;
    private JettyUpstream other;
    private QueuedThreadPool threads;
    private HttpClient client;

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        if (client != null) {
            client.stop();
        }
        if (threads != null) {
            threads.stop();
        }
        if (busy != null) {
            busy.close();
        }
        if (other != null) {
            other.close();
        }
    }

    @Test
    void aConnectionWhoseReadingDoesNotReturnLeavesTheOthersRead() throws Exception {
        busy = JettyUpstream.startHttp2Cleartext(answeringThePath());
        other = JettyUpstream.startHttp2Cleartext(answeringThePath());

        threads = new QueuedThreadPool(10, 4);
        threads.setReservedThreads(0);
        threads.start();
        UpstreamConnector connector = new UpstreamConnector();
        connector.setExecutor(threads);
        HttpClientTransportOverHTTP2 transport = new HttpClientTransportOverHTTP2(new HTTP2Client(connector));
        transport.setInvocationType(InvocationType.NON_BLOCKING);
        client = new HttpClient(transport);
        client.setExecutor(threads);
        client.start();

        CountDownLatch held = new CountDownLatch(1);
        client.newRequest(busy.rootUrl() + "/busy")
                .onResponseContent((response, content) -> {
                    held.countDown();
                    awaitRelease();
                })
                .send(result -> { });
        assertTrue(held.await(10, TimeUnit.SECONDS), "the busy answer's first bytes arrived");

        ContentResponse answer = client.newRequest(other.rootUrl() + "/other")
                .timeout(10, TimeUnit.SECONDS)
                .send();
        assertEquals("/other", answer.getContentAsString(), "the other upstream's answer, while the busy one is held");
    }

    /** A handler (one per server) whose answer is the request's path. */
    private static Handler answeringThePath() {
        return new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.write(true, ByteBuffer.wrap(request.getHttpURI().getPath().getBytes(StandardCharsets.US_ASCII)), callback);
                return true;
            }
        };
    }

    private void awaitRelease() {
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
