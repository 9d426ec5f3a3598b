package net.taskcluster.proxy.auth;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Temporary credentials as Taskcluster defines them: a certificate signed with the issuer's permanent access
 * token, and a temporary access token derived from the same token and the certificate's seed.
 */
public final class TemporaryCredentials {
    /** Taskcluster refuses temporary credentials valid for longer than 31 days. */
    public static final Duration MAX_VALIDITY = Duration.ofDays(31);

    private static final SecureRandom RANDOM = new SecureRandom();

    private TemporaryCredentials() {}

    /**
     * Creates temporary credentials valid from five minutes ago (to allow for clock skew, as the official clients
     * do) until {@code validity} from now, with a random seed.
     *
     * @param name the client id of named temporary credentials, or null for unnamed ones
     */
    public static Credentials create(Credentials permanent, String name, List<String> scopes, Duration validity)
            throws InvalidCredentialsException {
        Instant now = Instant.now();
        return create(permanent, name, scopes, now.minus(Duration.ofMinutes(5)), now.plus(validity), newSeed());
    }

    /** Creates temporary credentials with every input given (deterministic). */
    public static Credentials create(
            Credentials permanent, String name, List<String> scopes, Instant start, Instant expiry, String seed)
            throws InvalidCredentialsException {
        if (permanent.isTemporary()) {
            throw new InvalidCredentialsException("temporary credentials cannot issue temporary credentials");
        }
        if (!expiry.isAfter(start)) {
            throw new InvalidCredentialsException("expiry must be after start");
        }
        if (Duration.between(start, expiry).compareTo(MAX_VALIDITY) > 0) {
            throw new InvalidCredentialsException("temporary credentials cannot be valid for more than 31 days");
        }
        if (seed == null || seed.length() != 44) {
            throw new InvalidCredentialsException("seed must be 44 characters");
        }
        boolean named = name != null && !name.isEmpty();
        String clientId = named ? name : permanent.clientId();
        Certificate unsigned = new Certificate(
                1, scopes, start.toEpochMilli(), expiry.toEpochMilli(), seed, "", named ? permanent.clientId() : null);
        Certificate certificate = unsigned.withSignature(signature(permanent.accessToken(), clientId, unsigned));
        return new Credentials(clientId, accessToken(permanent.accessToken(), seed), certificate);
    }

    /** The temporary access token: base64url, without padding, of HMAC-SHA256(issuer's token, seed). */
    public static String accessToken(String issuerAccessToken, String seed) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Hawk.hmacSha256(issuerAccessToken, seed));
    }

    /**
     * The certificate signature: standard base64 of HMAC-SHA256, keyed with the issuer's token, over the lines
     * {@code version:1}, for named credentials {@code clientId:<name>} and {@code issuer:<issuer>}, then
     * {@code seed:}, {@code start:}, {@code expiry:}, {@code scopes:} and one line per scope, joined by newlines.
     * The certificate's own signature field is not read.
     */
    public static String signature(String issuerAccessToken, String clientId, Certificate certificate) {
        List<String> lines = new ArrayList<>();
        lines.add("version:" + certificate.version());
        if (certificate.isNamed()) {
            lines.add("clientId:" + clientId);
            lines.add("issuer:" + certificate.issuer());
        }
        lines.add("seed:" + certificate.seed());
        lines.add("start:" + certificate.start());
        lines.add("expiry:" + certificate.expiry());
        lines.add("scopes:");
        if (certificate.scopes() != null) {
            lines.addAll(certificate.scopes());
        }
        return Base64.getEncoder().encodeToString(Hawk.hmacSha256(issuerAccessToken, String.join("\n", lines)));
    }

    /**
     * Checks temporary credentials the way the auth service does: the certificate's signature and the temporary
     * access token must both follow from the issuer's permanent token.
     */
    public static boolean verify(Credentials temporary, String issuerAccessToken) {
        Certificate certificate = temporary.certificate();
        if (certificate == null) {
            return false;
        }
        byte[] expectedSignature = signature(issuerAccessToken, temporary.clientId(), certificate).getBytes();
        byte[] expectedToken = accessToken(issuerAccessToken, certificate.seed()).getBytes();
        return MessageDigest.isEqual(expectedSignature, certificate.signature().getBytes())
                & MessageDigest.isEqual(expectedToken, temporary.accessToken().getBytes());
    }

    /** A random 44-character seed: two v4 slugids, as the official clients make them. */
    static String newSeed() {
        return slugid() + slugid();
    }

    private static String slugid() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        bytes[6] = (byte) ((bytes[6] & 0x0f) | 0x40); // version 4
        bytes[8] = (byte) ((bytes[8] & 0x3f) | 0x80); // RFC 4122 variant
        bytes[0] &= 0x7f; // slugid v4 ("nice" slugs) never start with '-'
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
