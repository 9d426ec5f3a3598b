package net.taskcluster.proxy.identity;

import java.util.concurrent.atomic.AtomicReference;
import net.taskcluster.proxy.Version;
import net.taskcluster.proxy.auth.Credentials;

/**
 * The identity in use. A credential update swaps one immutable snapshot for another: requests read a snapshot
 * once per attempt and never wait, and no signature ever mixes old and new values.
 */
public final class IdentityStore {
    private final AtomicReference<ProxyIdentity> current;
    private final Version version;

    /** @throws ProxyIdentity.TooLargeException when the identity's headers would not fit an answer */
    public IdentityStore(Identity initial, Version version) throws ProxyIdentity.TooLargeException {
        this.version = version;
        this.current = new AtomicReference<>(ProxyIdentity.checked(initial, version));
    }

    public ProxyIdentity current() {
        return current.get();
    }

    /**
     * Replaces the credentials; the authorized scopes stay as they were. The new identity is complete, and checked,
     * before the swap: either every later answer and signature uses it, or (when its headers would not fit an
     * answer) nothing changes.
     *
     * @throws ProxyIdentity.TooLargeException and the credentials stay as they were
     */
    public void replace(Credentials credentials) throws ProxyIdentity.TooLargeException {
        while (true) {
            ProxyIdentity old = current.get();
            ProxyIdentity next = ProxyIdentity.checked(old.identity().withCredentials(credentials), version);
            if (current.compareAndSet(old, next)) {
                return;
            }
        }
    }
}
