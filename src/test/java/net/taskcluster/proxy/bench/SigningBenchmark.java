package net.taskcluster.proxy.bench;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.taskcluster.proxy.auth.AuthorizedScopes;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.auth.InvalidCredentialsException;
import net.taskcluster.proxy.auth.RequestSigner;
import net.taskcluster.proxy.auth.TemporaryCredentials;
import net.taskcluster.proxy.identity.Identity;
import net.taskcluster.proxy.routing.Router;
import net.taskcluster.proxy.routing.Target;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The signing hot path: what every forwarded attempt computes. Temporary credentials with authorized scopes, the
 * common case under a worker (run by bench/jmh.sh, with -prof gc for the bytes allocated per operation).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SigningBenchmark {
    private RequestSigner signer;
    private Identity identity;
    private Target target;
    private Router router;

    @Setup
    public void setUp() throws InvalidCredentialsException {
        Credentials issuer = new Credentials("project/issuer", "an-issuer-access-token-for-the-benchmark", null);
        Credentials task = TemporaryCredentials.create(issuer, null, List.of("queue:get-artifact:*", "secrets:get:project/x",
                "queue:create-artifact:KTBKfEgxR5GdfIIREQIvFQ/0"), Duration.ofHours(1));
        identity = Identity.of(task, AuthorizedScopes.restrictedTo(List.of("queue:get-artifact:public/*",
                "queue:create-artifact:KTBKfEgxR5GdfIIREQIvFQ/0")));
        signer = new RequestSigner(Clock.systemUTC());
        router = new Router(Target.parse("https://tc.example.com"));
        target = Target.parse("https://tc.example.com/api/queue/v1/task/KTBKfEgxR5GdfIIREQIvFQ/artifacts/public%2Flogs%2Flive.log");
    }

    /** One Authorization header: nonce, normalized string, HMAC-SHA256, header text (the ext is per identity). */
    @Benchmark
    public String signHeader() {
        return signer.authorization(identity.credentials(), identity.ext(), "GET", target);
    }

    /** What a credential update costs: the ext (certificate and scopes as JSON, base64) of a new identity. */
    @Benchmark
    public String newIdentityExt() {
        return Identity.of(identity.credentials(), identity.scopes()).ext();
    }

    /** Routing a request target to its upstream URL. */
    @Benchmark
    public Object route() {
        return router.route("/api/queue/v1/task/KTBKfEgxR5GdfIIREQIvFQ/artifacts/public%2Flogs%2Flive.log", "b=2&a=1");
    }
}
