package net.taskcluster.proxy.bench;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.identity.Identity;

/**
 * PUT /credentials every second, alternating identities, as a worker rotating a task's credentials would; counts
 * answers other than 200. {@link #current()} is the identity the proxy last accepted, which the probe signs as.
 */
final class Rotation implements Runnable {
    private final HttpClient http = ScopesCall.client();
    private final URI uri;
    private final List<Identity> identities;
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final Errors errors = new Errors("rotation");
    private volatile Identity current;
    private volatile boolean stopped;

    /** @param identities the first is the one the proxy started with */
    Rotation(String proxy, List<Identity> identities) {
        this.uri = URI.create(proxy + "/credentials");
        this.identities = identities;
        this.current = identities.getFirst();
    }

    @Override
    public void run() {
        long next = System.nanoTime();
        while (!stopped) {
            next += 1_000_000_000L;
            Identity identity = identities.get((int) (count.incrementAndGet() % identities.size()));
            Credentials credentials = identity.credentials();
            try {
                // As generic-worker sends them: the certificate as a string of JSON.
                String body = JSON.std.asString(Map.of("clientId", credentials.clientId(), "accessToken",
                        credentials.accessToken(), "certificate", credentials.isTemporary() ? credentials.certificate().toJson() : ""));
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri)
                        .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    current = identity;
                } else {
                    failed(response.statusCode() + " " + response.body());
                }
            } catch (IOException e) {
                failed(e.toString());
            } catch (InterruptedException e) {
                return;
            }
            LockSupport.parkNanos(next - System.nanoTime());
        }
    }

    private void failed(String what) {
        failures.incrementAndGet();
        errors.add(what);
    }

    Identity current() {
        return current;
    }

    long count() {
        return count.get();
    }

    long failures() {
        return failures.get();
    }

    Errors errors() {
        return errors;
    }

    void stop() {
        stopped = true;
    }
}
