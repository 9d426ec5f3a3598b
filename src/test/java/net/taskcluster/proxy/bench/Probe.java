package net.taskcluster.proxy.bench;

import java.time.Clock;
import net.taskcluster.proxy.auth.RequestSigner;
import net.taskcluster.proxy.identity.Identity;
import net.taskcluster.proxy.routing.Target;

/**
 * The upstream measured without the proxy, in the same minutes: on a shared VM every latency follows the host (CPU
 * steal, other processes), so the soak judges the proxy's p99 as a ratio to this one's. The probe asks the fake
 * deployment for the same route, signed as the proxy signs it at that moment (the identity the last rotation
 * installed, with the proxy's authorized scopes in the ext), so that the deployment does the same work for both:
 * the Hawk MAC, the temporary certificate's signature and the scope checks. An unauthenticated route would skip that
 * work, which is most of what the deployment does per request, and would compare less. The probe's own client
 * keeps its connections alive, as the proxy's upstream pool does.
 */
final class Probe {
    private Probe() {
    }

    static ScopesCall call(String upstreamRoot, Rotation rotation) {
        RequestSigner signer = new RequestSigner(Clock.systemUTC());
        Target target = Target.parse(upstreamRoot + ScopesCall.PATH);
        return new ScopesCall(upstreamRoot, () -> {
            Identity identity = rotation.current();
            return signer.authorization(identity.credentials(), identity.ext(), "GET", target);
        }, new Errors("probe"));
    }
}
