package net.taskcluster.proxy.auth;

import java.util.Collection;
import java.util.List;

/**
 * The scopes a request is narrowed to. Unrestricted (no {@code authorizedScopes} at all: the credentials' full
 * scopes apply) and restricted to an empty list (the request may do nothing that needs a scope) are different.
 */
public final class AuthorizedScopes {
    public static final AuthorizedScopes UNRESTRICTED = new AuthorizedScopes(null);

    private final List<String> scopes;

    private AuthorizedScopes(List<String> scopes) {
        this.scopes = scopes;
    }

    /** Restricted to exactly these scopes (an empty collection restricts to nothing). */
    public static AuthorizedScopes restrictedTo(Collection<String> scopes) {
        return new AuthorizedScopes(List.copyOf(scopes));
    }

    public boolean isRestricted() {
        return scopes != null;
    }

    /** The scopes; only meaningful when {@link #isRestricted()}. */
    public List<String> scopes() {
        if (scopes == null) {
            throw new IllegalStateException("unrestricted authorized scopes have no list");
        }
        return scopes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuthorizedScopes other && java.util.Objects.equals(scopes, other.scopes);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hashCode(scopes);
    }

    @Override
    public String toString() {
        return scopes == null ? "unrestricted" : scopes.toString();
    }
}
