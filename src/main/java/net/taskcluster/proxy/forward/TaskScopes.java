package net.taskcluster.proxy.forward;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.taskcluster.proxy.config.EgressProxies;
import net.taskcluster.proxy.egress.ProxyUrl;
import net.taskcluster.proxy.json.Json;
import net.taskcluster.proxy.json.JsonSyntaxException;
import net.taskcluster.proxy.routing.Target;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpStatus;

/** The scopes of a task, fetched (unauthenticated, as the original does) from the Queue at start-up. */
public final class TaskScopes {
    private TaskScopes() {}

    /** Thrown when the task's scopes cannot be had; the message says why, in one line. */
    public static final class FetchException extends Exception {
        FetchException(String message) {
            super(message);
        }
    }

    /**
     * GET {@code <root>/api/queue/v1/task/<taskId>}; 5xx answers and connection failures are retried within the
     * policy's budget. A task without scopes yields an empty list (a restriction to nothing).
     */
    public static List<String> fetch(HttpClient client, Target root, String taskId, RetryPolicy retryPolicy,
            Duration idleTimeout, EgressProxies egress) throws FetchException, InterruptedException {
        String url = root.scheme() + "://" + root.authority() + root.rawPath() + "/api/queue/v1/task/" + taskId;
        ProxyUrl via = egress.proxyFor(root);
        String problem = "could not fetch taskcluster task '" + taskId + "' from " + url + ": ";
        RetryPolicy.Backoff backoff = retryPolicy.start();
        while (true) {
            String failure;
            try {
                ContentResponse response = client.newRequest(url)
                        .idleTimeout(idleTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .timeout(idleTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .send();
                int status = response.getStatus();
                if (status == 200) {
                    return scopes(response.getContentAsString(), problem);
                }
                if (via != null && status == HttpStatus.PROXY_AUTHENTICATION_REQUIRED_407 && root.scheme().equals("http")) {
                    throw new FetchException(problem + UpstreamFailure.proxyRefused(via));
                }
                if (!retryPolicy.retries(status)) {
                    throw new FetchException(problem + "the queue answered " + status);
                }
                failure = "the queue answered " + status;
            } catch (ExecutionException | TimeoutException e) {
                UpstreamFailure what = UpstreamFailure.of(e, via);
                if (!what.retryable()) {
                    throw new FetchException(problem + what.description());
                }
                failure = what.description();
            }
            Duration wait = backoff.next(null);
            if (wait == null) {
                throw new FetchException(problem + failure + " (gave up after " + retryPolicy.budget().toSeconds() + " s)");
            }
            Thread.sleep(wait.toMillis());
        }
    }

    private static List<String> scopes(String json, String problem) throws FetchException {
        Map<?, ?> task;
        try {
            task = Json.parseObject(json);
        } catch (JsonSyntaxException e) {
            throw new FetchException(problem + "the answer is " + e.getMessage());
        }
        Object scopes = task.get("scopes");
        List<String> result = new ArrayList<>();
        if (scopes == null) {
            return result;
        }
        if (!(scopes instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
            throw new FetchException(problem + "the task's \"scopes\" is not an array of strings");
        }
        list.forEach(s -> result.add((String) s));
        return result;
    }
}
