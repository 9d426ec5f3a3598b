package net.taskcluster.proxy.server;

import java.util.concurrent.atomic.AtomicReference;
import net.taskcluster.proxy.Version;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.auth.Identity;
import net.taskcluster.proxy.proxy.ProxyIdentity;

/**
 * The identity in use. A credential update swaps one immutable snapshot for another: requests read a snapshot
 * once per attempt and never wait, and no signature ever mixes old and new values.
 */
final class IdentityStore {
    private final AtomicReference<ProxyIdentity> current;
    private final Version version;

    IdentityStore(Identity initial, Version version) {
        this.version = version;
        this.current = new AtomicReference<>(ProxyIdentity.of(initial, version));
    }

    ProxyIdentity current() {
        return current.get();
    }

    /** Replaces the credentials; the authorized scopes stay as they were. */
    void replace(Credentials credentials) {
        current.updateAndGet(old -> ProxyIdentity.of(old.identity().withCredentials(credentials), version));
    }
}
