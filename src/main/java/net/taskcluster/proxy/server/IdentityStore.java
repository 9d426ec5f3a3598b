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

    /** @throws ProxyIdentity.TooLargeException when the identity's headers would not fit an answer */
    IdentityStore(Identity initial, Version version) throws ProxyIdentity.TooLargeException {
        this.version = version;
        this.current = new AtomicReference<>(ProxyIdentity.checked(initial, version));
    }

    ProxyIdentity current() {
        return current.get();
    }

    /**
     * Replaces the credentials; the authorized scopes stay as they were. The new identity is complete, and checked,
     * before the swap: either every later answer and signature uses it, or (when its headers would not fit an
     * answer) nothing changes.
     *
     * @throws ProxyIdentity.TooLargeException and the credentials stay as they were
     */
    void replace(Credentials credentials) throws ProxyIdentity.TooLargeException {
        while (true) {
            ProxyIdentity old = current.get();
            ProxyIdentity next = ProxyIdentity.checked(old.identity().withCredentials(credentials), version);
            if (current.compareAndSet(old, next)) {
                return;
            }
        }
    }
}
