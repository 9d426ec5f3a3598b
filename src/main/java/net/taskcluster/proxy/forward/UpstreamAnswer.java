package net.taskcluster.proxy.forward;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import net.taskcluster.proxy.identity.ProxyIdentity;
import org.eclipse.jetty.client.HttpResponseException;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * Listens to one attempt's server→proxy response and hands each event to its exchange: the head (retry, or pass
 * on), each chunk of the body (written to the caller before the next is read), the end, or the failure.
 */
final class UpstreamAnswer implements org.eclipse.jetty.client.Response.Listener {
    private final ForwardedExchange exchange;
    private final ProxyIdentity identity;
    private final int attempt;
    private boolean passingOn;
    private Duration retryWait;

    UpstreamAnswer(ForwardedExchange exchange, ProxyIdentity identity, int attempt) {
        this.exchange = exchange;
        this.identity = identity;
        this.attempt = attempt;
    }

    @Override
    public void onHeaders(org.eclipse.jetty.client.Response answer) {
        if (exchange.isDone()) {
            answer.abort(new CancellationException("the caller went away"));
            return;
        }
        if (exchange.isEgressProxyRefusal(answer)) {
            answer.abort(new HttpResponseException("the egress proxy answered 407", answer));
            return;
        }
        try {
            retryWait = exchange.serverToProxyResponse(answer, identity);
        } catch (CancellationException e) {
            answer.abort(e);
            return;
        }
        if (retryWait != null) {
            answer.abort(new CancellationException("retrying after " + answer.getStatus()));
            return;
        }
        passingOn = true;
    }

    @Override
    public void onContent(org.eclipse.jetty.client.Response answer, Content.Chunk chunk, Runnable demander) {
        chunk.retain();
        int bytes = chunk.remaining();
        exchange.response().write(false, chunk.getByteBuffer(), new Callback() {
            @Override
            public void succeeded() {
                chunk.release();
                exchange.log().answered(bytes);
                demander.run();
            }

            @Override
            public void failed(Throwable x) {
                chunk.release();
                callerGone(x);
                answer.abort(x);
            }

            @Override
            public InvocationType getInvocationType() {
                return InvocationType.NON_BLOCKING;
            }
        });
    }

    @Override
    public void onSuccess(org.eclipse.jetty.client.Response answer) {
        if (!passingOn) {
            return;
        }
        exchange.response().write(true, BufferUtil.EMPTY_BUFFER, Callback.from(
                () -> exchange.proxyToClientResponseEnd(exchange.response().getStatus()), this::callerGone));
    }

    @Override
    public void onComplete(Result result) {
        if (retryWait != null) {
            exchange.retryLater(retryWait, "answered " + result.getResponse().getStatus());
            return;
        }
        if (!result.isFailed() || exchange.isDone()) {
            return;
        }
        Throwable failure = result.getFailure();
        if (passingOn && exchange.response().isCommitted()) {
            exchange.end().answerCut(UpstreamFailure.of(failure, exchange.via()).description(), failure);
            return;
        }
        exchange.attemptFailed(identity, attempt, failure);
    }

    /** A write of the answer to the caller failed: it went away. */
    private void callerGone(Throwable cause) {
        exchange.end().callerGone(" after " + exchange.log().answerBytes() + " bytes of the answer", cause);
    }
}
