package net.taskcluster.proxy.auth;

/**
 * Credentials, a certificate or authorized scopes that cannot be used. The message names the field at fault and
 * never contains an access token.
 */
public final class InvalidCredentialsException extends Exception {
    public InvalidCredentialsException(String message) {
        super(message);
    }
}
