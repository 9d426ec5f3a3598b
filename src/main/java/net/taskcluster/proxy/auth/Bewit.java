package net.taskcluster.proxy.auth;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import net.taskcluster.proxy.routing.Target;

/**
 * Signed URLs: a Hawk bewit appended to a URL, so that whoever holds the URL may GET it until it expires.
 */
public final class Bewit {
    private Bewit() {}

    /**
     * Signs an absolute http(s) URL. The result is the URL as given, with its query kept byte for byte and
     * {@code bewit=<token>} appended as the last query parameter (before any fragment).
     *
     * @throws IllegalArgumentException when the URL is not an absolute http(s) URL in ASCII, or already carries a bewit
     */
    public static String signUrl(Credentials credentials, String ext, String url, Instant expiry) {
        // java.net.URI takes other characters as they are, but a client sends them percent-encoded (or not at all):
        // a MAC over the raw character never verifies, and a Location header has no reliable way to carry it.
        for (int i = 0; i < url.length(); i++) {
            if (url.charAt(i) >= 0x80) {
                throw new IllegalArgumentException("not a valid URL: non-ASCII character at index " + i
                        + " (percent-encode it as UTF-8)");
            }
        }
        Target target = Target.parse(url); // with the fragment, so that it is checked too (it is not signed)
        if (target.rawQuery() != null && hasBewitParameter(target.rawQuery())) {
            throw new IllegalArgumentException("URL already carries a bewit");
        }
        int hash = url.indexOf('#');
        String withoutFragment = hash < 0 ? url : url.substring(0, hash);
        String fragment = hash < 0 ? "" : url.substring(hash);
        // An empty query ("...?") must not be signed as "?": the verifier removes "?bewit=..." entirely.
        boolean emptyQuery = target.rawQuery() != null && target.rawQuery().isEmpty();
        Target signed = emptyQuery
                ? new Target(target.scheme(), target.host(), target.port(), target.rawPath(), null)
                : target;
        String separator = target.rawQuery() == null ? "?" : emptyQuery ? "" : "&";
        return withoutFragment + separator + "bewit=" + token(credentials, ext, signed, expiry.getEpochSecond())
                + fragment;
    }

    /** The bewit token: base64url without padding of {@code clientId\expiry\mac\ext}. */
    public static String token(Credentials credentials, String ext, Target target, long expiry) {
        String normalized = Hawk.normalized(
                "bewit", expiry, "", "GET", target.resource(), target.host(), target.effectivePort(), "", ext);
        String mac = Hawk.mac(credentials.accessToken(), normalized);
        String bewit = credentials.clientId() + "\\" + expiry + "\\" + mac + "\\" + ext;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bewit.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean hasBewitParameter(String rawQuery) {
        for (String parameter : rawQuery.split("&", -1)) {
            if (parameter.startsWith("bewit=")) {
                return true;
            }
        }
        return false;
    }
}
