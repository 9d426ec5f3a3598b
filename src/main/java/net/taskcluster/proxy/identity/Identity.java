package net.taskcluster.proxy.identity;

import net.taskcluster.proxy.auth.AuthorizedScopes;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.auth.Ext;

/**
 * Who the proxy signs as: credentials narrowed to authorized scopes, with the ext that says so computed once.
 * Immutable, so that one request reads one consistent identity however often the credentials rotate.
 */
public record Identity(Credentials credentials, AuthorizedScopes scopes, String ext) {

    public static Identity of(Credentials credentials, AuthorizedScopes scopes) {
        return new Identity(credentials, scopes, Ext.of(credentials, scopes));
    }

    /** The same authorized scopes with other credentials (a credential rotation keeps the scopes). */
    public Identity withCredentials(Credentials newCredentials) {
        return of(newCredentials, scopes);
    }

    @Override
    public String toString() {
        return "Identity[" + credentials + ", scopes=" + scopes + "]";
    }
}
