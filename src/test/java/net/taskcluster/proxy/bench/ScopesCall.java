package net.taskcluster.proxy.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * One GET of the caller's scopes (the auth service's scopes/current, which the fake deployment answers only after
 * checking the signature): succeeds on a 200 that lists scopes. Each instance has its own client, so that the
 * proxy's load and the probe never share a connection pool.
 */
final class ScopesCall {
    static final String PATH = "/api/auth/v1/scopes/current";

    private final HttpClient http = client();
    private final URI uri;
    private final Supplier<String> authorization;
    private final Errors errors;

    /** @param authorization the Authorization header for each request, or null to send none (the proxy signs) */
    ScopesCall(String root, Supplier<String> authorization, Errors errors) {
        this.uri = URI.create(root + PATH);
        this.authorization = authorization;
        this.errors = errors;
    }

    boolean call() {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri);
            if (authorization != null) {
                request.header("Authorization", authorization.get());
            }
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200 && response.body().contains("\"scopes\"")) {
                return true;
            }
            errors.add(response.statusCode() + " " + response.body());
        } catch (IOException e) {
            errors.add(e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            errors.add(e.toString());
        }
        return false;
    }

    Errors errors() {
        return errors;
    }

    /** A client of its own for each kind of caller of the soak. */
    static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    }
}
