package net.taskcluster.proxy.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The Hawk 1.0 primitives Taskcluster uses: the normalized string and its HMAC-SHA256. */
public final class Hawk {
    // Looking the algorithm up costs more than computing a MAC; a Mac is not thread-safe, so one per thread.
    private static final ThreadLocal<Mac> MAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    });

    private Hawk() {}

    /**
     * The normalized string: one line each for the type, timestamp, nonce, method, resource, host, port, payload
     * hash and ext, every line ending in a newline. No app or dlg lines (Taskcluster uses neither). The method is
     * upper-cased and the host lower-cased, as verifiers do; backslashes and newlines in ext are escaped, as Hawk
     * specifies (a Taskcluster ext is base64 and has neither).
     */
    public static String normalized(
            String type, long ts, String nonce, String method, String resource, String host, int port,
            String hash, String ext) {
        return "hawk.1." + type + "\n" + ts + "\n" + nonce + "\n" + method.toUpperCase(Locale.ROOT) + "\n"
                + resource + "\n" + host.toLowerCase(Locale.ROOT) + "\n" + port + "\n" + hash + "\n"
                + ext.replace("\\", "\\\\").replace("\n", "\\n") + "\n";
    }

    /** Standard base64 (with padding) of HMAC-SHA256 keyed with the access token's UTF-8 bytes. */
    public static String mac(String accessToken, String normalized) {
        return Base64.getEncoder().encodeToString(hmacSha256(accessToken, normalized));
    }

    static byte[] hmacSha256(String key, String message) {
        try {
            Mac mac = MAC.get();
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e); // every JDK has it
        }
    }
}
