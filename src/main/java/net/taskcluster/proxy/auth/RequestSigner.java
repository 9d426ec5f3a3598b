package net.taskcluster.proxy.auth;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import net.taskcluster.proxy.routing.Target;

/**
 * Signs requests with a Hawk {@code Authorization} header, the way Taskcluster clients do: no payload hash, the
 * current time in seconds and a fresh 8-character nonce for every request.
 */
public final class RequestSigner {
    // One generator per thread: the default one (NativePRNG) serialises every caller on one lock and a read of
    // /dev/urandom. DRBG, seeded from the system, generates in memory.
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(RequestSigner::newRandom);

    private final Clock clock;

    public RequestSigner(Clock clock) {
        this.clock = clock;
    }

    /** The Authorization header value for one attempt of {@code method} on {@code target}. */
    public String authorization(Credentials credentials, String ext, String method, Target target) {
        return header(credentials, ext, method, target, clock.instant().getEpochSecond(), nonce());
    }

    /** The header for a given timestamp and nonce (deterministic; the tests' golden vectors use it). */
    public static String header(
            Credentials credentials, String ext, String method, Target target, long ts, String nonce) {
        String normalized = Hawk.normalized(
                "header", ts, nonce, method, target.resource(), target.host(), target.effectivePort(), "", ext);
        String mac = Hawk.mac(credentials.accessToken(), normalized);
        StringBuilder header = new StringBuilder(160 + ext.length())
                .append("Hawk id=\"").append(credentials.clientId())
                .append("\", ts=\"").append(ts)
                .append("\", nonce=\"").append(nonce).append('"');
        if (!ext.isEmpty()) {
            header.append(", ext=\"").append(ext).append('"');
        }
        return header.append(", mac=\"").append(mac).append('"').toString();
    }

    /** 8 characters of standard base64: the encoding of 6 random bytes, as the Go client's nonces are. */
    static String nonce() {
        byte[] bytes = new byte[6];
        RANDOM.get().nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static SecureRandom newRandom() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (java.security.NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }
}
