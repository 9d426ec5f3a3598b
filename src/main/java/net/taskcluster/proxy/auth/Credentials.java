package net.taskcluster.proxy.auth;

/**
 * Taskcluster credentials: permanent ones (no certificate) or temporary ones (with a certificate, whose access
 * token is already the temporary key). The access token never appears in {@link #toString()}.
 */
public record Credentials(String clientId, String accessToken, Certificate certificate) {

    public Credentials {
        if (clientId == null || clientId.isEmpty()) {
            throw new IllegalArgumentException("client id must not be empty");
        }
        if (accessToken == null || accessToken.isEmpty()) {
            throw new IllegalArgumentException("access token must not be empty");
        }
    }

    /**
     * Credentials from their string forms, as the command line, the environment and {@code PUT /credentials}
     * carry them; a null or empty certificate means permanent credentials.
     */
    public static Credentials of(String clientId, String accessToken, String certificate)
            throws InvalidCredentialsException {
        if (clientId == null || clientId.isEmpty()) {
            throw new InvalidCredentialsException("client id is missing");
        }
        int bad = unsignableCharacter(clientId);
        if (bad >= 0) {
            throw new InvalidCredentialsException(String.format(
                    "client id has a character a Hawk header cannot carry (U+%04X at index %d)", (int) clientId.charAt(bad), bad));
        }
        if (accessToken == null || accessToken.isEmpty()) {
            throw new InvalidCredentialsException("access token is missing");
        }
        Certificate parsed = certificate == null || certificate.isEmpty() ? null : Certificate.parse(certificate);
        return new Credentials(clientId, accessToken, parsed);
    }

    /**
     * Where the id has a character that would break the quoted {@code id="..."} of a Hawk header or the
     * backslash-separated bewit (a quote, a backslash, a control or non-ASCII character), or -1. Taskcluster's
     * client ids never have one.
     */
    private static int unsignableCharacter(String clientId) {
        for (int i = 0; i < clientId.length(); i++) {
            char c = clientId.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return i;
            }
        }
        return -1;
    }

    public Credentials withCertificate(Certificate newCertificate) {
        return new Credentials(clientId, accessToken, newCertificate);
    }

    public boolean isTemporary() {
        return certificate != null;
    }

    @Override
    public String toString() {
        return "Credentials[clientId=" + clientId + ", temporary=" + isTemporary() + "]";
    }
}
