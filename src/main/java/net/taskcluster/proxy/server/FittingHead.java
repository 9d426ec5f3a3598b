package net.taskcluster.proxy.server;

import java.nio.ByteBuffer;
import net.taskcluster.proxy.proxy.AnswerHead;
import net.taskcluster.proxy.proxy.PlainText;
import net.taskcluster.proxy.proxy.ProxyIdentity;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The caller's response to a forwarded request, checked as its head is about to be written: an upstream answer
 * whose headers, with the proxy's, would not fit an answer head ({@link AnswerHead}) becomes a 502 that says so,
 * with the proxy's headers, instead of the bare 500 Jetty would send. The rest of that answer's body is dropped.
 */
final class FittingHead extends Response.Wrapper {
    private final ProxyIdentity identity;
    private boolean checked; // the writes of one response come one after another
    private boolean replaced;

    FittingHead(Request request, Response response, ProxyIdentity identity) {
        super(request, response);
        this.identity = identity;
    }

    @Override
    public void write(boolean last, ByteBuffer content, Callback callback) {
        if (!checked && !isCommitted()) {
            checked = true;
            if (!AnswerHead.fits(getStatus(), getHeaders())) {
                replaced = true;
                replace(last ? callback : Callback.from(callback::succeeded, callback::failed));
                return;
            }
        }
        if (replaced) {
            callback.succeeded();
            return;
        }
        super.write(last, content, callback);
    }

    private void replace(Callback callback) {
        HttpFields.Mutable headers = getHeaders();
        int status = getStatus();
        int size = AnswerHead.size(headers);
        String endpoint = headers.get(ProxyIdentity.ENDPOINT);
        headers.clear();
        identity.addTo(headers);
        if (endpoint != null) {
            headers.put(ProxyIdentity.ENDPOINT, endpoint);
        }
        PlainText.write(getWrapped(), callback, HttpStatus.BAD_GATEWAY_502, "taskcluster-proxy: the upstream's answer ("
                + status + ") has headers of " + size + " bytes with the proxy's, more than an answer can carry ("
                + AnswerHead.limit() + ")");
    }
}
