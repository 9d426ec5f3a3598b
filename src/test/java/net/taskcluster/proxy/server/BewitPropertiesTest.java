package net.taskcluster.proxy.server;

import static net.taskcluster.proxy.testing.Gen.weight;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import net.taskcluster.proxy.auth.AuthorizedScopes;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.identity.Identity;
import net.taskcluster.proxy.testing.Certificates;
import net.taskcluster.proxy.testing.Gen;
import net.taskcluster.proxy.testing.PropertyCheck;
import org.junit.jupiter.api.Test;

/**
 * The body of {@code /bewit}: a URL that can be signed comes back as itself, its query byte for byte, with
 * {@code bewit=<token>} appended as the last query parameter, and the token verifies as Taskcluster's verifier (the
 * {@code hawk} package) reads it from the URL a client requests. Any other body is a clean 400, never an exception.
 *
 * <p>Which URLs can be signed is written out here on its own, part by part: RFC 3986's characters (java.net.URI's
 * where the two differ, which only makes the answer "either"), in ASCII only: a client sends any other character
 * percent-encoded, or not at all, so a MAC over it never verifies (and a Location header cannot carry it reliably).
 */
class BewitPropertiesTest {

    /** What a part of a URL makes of the whole: signable, not signable, or either (the oracle does not say). */
    enum Verdict { GOOD, EITHER, BAD }

    record Part(String text, Verdict verdict) {}

    private static Gen<Part> parts(Verdict verdict, String... texts) {
        return Gen.element(texts).map(t -> new Part(t, verdict));
    }

    private static final Gen<Part> SCHEME = Gen.frequency(
            weight(20, parts(Verdict.GOOD, "https", "http", "HTTPS", "Http")),
            weight(1, parts(Verdict.BAD, "ftp", "", "file", "ws", "httpx", "h ttp", "https:", "mailto")));
    private static final Gen<Part> SLASHES = Gen.frequency(
            weight(30, parts(Verdict.GOOD, "://")),
            weight(1, parts(Verdict.BAD, ":/", ":", "", ":///", ":\\\\")));
    private static final Gen<Part> USER_INFO = Gen.frequency(
            weight(12, parts(Verdict.GOOD, "")),
            weight(1, parts(Verdict.GOOD, "user@", "user:pass@", "a%20b@", "x-y.z~!$&'()*+,;=:@")),
            weight(1, parts(Verdict.EITHER, "@", "a@b@", "[x]@", "%@")));
    private static final Gen<Part> HOST = Gen.frequency(
            weight(20, parts(Verdict.GOOD, "tc.example.com", "example.com", "localhost", "127.0.0.1", "[::1]",
                    "[2001:db8::1]", "EXAMPLE.COM", "a-b.example", "xn--bcher-kva.example", "x")),
            weight(2, parts(Verdict.EITHER, "exa_mple.com", "-example.com", "example-.com", "1.2.3.4.5", "a..b",
                    "example.com.", "999.1.1.1", "[v1.x]", "[::1]x", "[fe80::1%25eth0]", "0")),
            weight(1, parts(Verdict.BAD, "", "exa mple.com", "[::1", "::1]", "ex%41mple.com", "ex\u00e4mple.com",
                    "\u65e5\u672c.example", "a\u0000b.com", "exa\"mple.com", "a<b.com", "a{b}.com")));
    private static final Gen<Part> PORT = Gen.frequency(
            weight(12, parts(Verdict.GOOD, "")),
            weight(4, parts(Verdict.GOOD, ":8080", ":443", ":80", ":65535", ":1", ":8443")),
            weight(1, parts(Verdict.EITHER, ":", ":0", ":008080", ":+1")),
            weight(1, parts(Verdict.BAD, ":65536", ":99999", ":-1", ":abc", ":99999999999", ": 80", ":8\u0660")));

    /** Pieces of a path, a query or a fragment, with a verdict that holds in each (where it would not: EITHER). */
    private static final Gen<Part> PIECE = Gen.frequency(
            weight(30, parts(Verdict.GOOD, "a", "Z", "0", "-", ".", "_", "~", "!", "$", "&", "'", "(", ")", "*", "+",
                    ",", ";", "=", ":", "@", "/", "//", "%2F", "%2f", "%252F", "%20", "%41", "%C3%A9", "..",
                    "artifacts", "public/x.log", "bewit", "bewitx=1", "x=bewit=1", "a=1", "b=2", "k=v", "sig=abc==")),
            weight(4, parts(Verdict.GOOD, "bewit=", "bewit=x", "&bewit=", "?bewit=", "&bewit=1")), // refused in a query
            weight(2, parts(Verdict.EITHER, "%", "%2", "%%", "[", "]", "[::]")),
            weight(1, parts(Verdict.BAD, " ", "%zz", "%g0", "\"", "<", ">", "\\", "^", "`", "{", "|", "}", "\u0000",
                    "\t", "\n", "\r\n", "\u007f", "\u0085", "\u00a0", "\u00e9", "\u65e5\u672c", "\ud83d\ude00",
                    "\u2028", "\ufeff")),
            weight(1, Gen.anyChars(1, 2).map(s -> new Part(s, charVerdict(s)))));

    /** Characters on their own: ASCII that no URL part refuses is signable; a control, space or non-ASCII is not. */
    private static Verdict charVerdict(String s) {
        Verdict verdict = Verdict.GOOD;
        for (char c : s.toCharArray()) {
            if (c < 0x21 || c > 0x7e || "\"<>\\^`{|}".indexOf(c) >= 0) {
                return Verdict.BAD;
            }
            if ((c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && "-._~!$&'()*+,;=:@/".indexOf(c) < 0) {
                verdict = Verdict.EITHER; // '%', '?', '#', '[' and ']': it depends on what is around
            }
        }
        return verdict;
    }

    private static final Gen<List<Part>> PIECES = Gen.listOf(PIECE, 0, 6);
    private static final Gen<Part> WHITE_SPACE = Gen.frequency(
            weight(10, parts(Verdict.GOOD, "")),
            weight(1, parts(Verdict.GOOD, " ", "\n", " \t\r\n", "\u2003")));

    /** The URL in its parts; path, query and fragment as written (query and fragment without '?' and '#'). */
    record Url(String body, Verdict verdict, String path, String query, String fragment) {}

    private static final Gen<Url> URLS = random -> {
        List<Part> structure = new ArrayList<>();
        for (Gen<Part> part : List.of(SCHEME, SLASHES, USER_INFO, HOST, PORT)) {
            structure.add(part.next(random));
        }
        List<Part> path = random.nextInt(8) == 0 ? List.of() : prepend("/", PIECES.next(random));
        List<Part> query = random.nextInt(3) == 0 ? null : PIECES.next(random);
        List<Part> fragment = random.nextInt(4) == 0 ? PIECES.next(random) : null;

        List<Part> all = new ArrayList<>(structure);
        all.addAll(path);
        if (query != null) {
            all.add(new Part("?", Verdict.GOOD));
            all.addAll(query);
        }
        if (fragment != null) {
            all.add(new Part("#", Verdict.GOOD));
            all.addAll(fragment);
        }
        String url = text(all);
        Verdict verdict = all.stream().map(Part::verdict).max(Enum::compareTo).orElseThrow();
        if (!url.equals(url.strip())) {
            verdict = Verdict.EITHER; // trailing white space is trimmed off the body
        }
        if (verdict == Verdict.GOOD && path.stream().anyMatch(p -> p.text().contains("?"))) {
            verdict = Verdict.EITHER; // the query starts earlier than the parts say
        }
        String before = WHITE_SPACE.next(random).text();
        String after = WHITE_SPACE.next(random).text();
        return new Url(before + url + after, verdict, text(path), query == null ? null : text(query),
                fragment == null ? null : text(fragment));
    };

    private static List<Part> prepend(String text, List<Part> parts) {
        List<Part> all = new ArrayList<>();
        all.add(new Part(text, Verdict.GOOD));
        all.addAll(parts);
        return all;
    }

    private static String text(List<Part> parts) {
        StringBuilder out = new StringBuilder();
        parts.forEach(p -> out.append(p.text()));
        return out.toString();
    }

    // Without a backslash: the verifier splits the token at backslashes (Taskcluster's client ids have none).
    private static final Gen<String> CLIENT_ID = Gen.element("task-client", "static/taskcluster/queue",
            "mozilla-auth0/ad|Mozilla-LDAP|me/x", "worker-manager/aws/w-1", "a", "project/x:y@z+1");

    /** Who signs: permanent or temporary credentials, with or without authorized scopes (the ext differs). */
    private static final Gen<Identity> IDENTITIES = random -> {
        Credentials credentials = new Credentials(CLIENT_ID.next(random), Certificates.secrets("token-").next(random),
                random.nextBoolean() ? Certificates.certificates().next(random) : null);
        AuthorizedScopes scopes = random.nextBoolean() ? AuthorizedScopes.UNRESTRICTED
                : AuthorizedScopes.restrictedTo(Gen.listOf(Gen.element("queue:get-artifact:x/*", "", "a:b"), 0, 3).next(random));
        return Identity.of(credentials, scopes);
    };

    record Input(Url url, Identity identity, Instant expiry) {}

    private static final Gen<Input> INPUTS = random -> new Input(URLS.next(random), IDENTITIES.next(random),
            Instant.ofEpochMilli(random.nextLong(1_400_000_000_000L, 2_000_000_000_000L)));

    @Test
    void aUrlIsSignedSoThatItVerifiesOrRefusedCleanly() {
        Map<String, Integer> labels = PropertyCheck.forAll(10_000, INPUTS, input -> {
            Url url = input.url();
            String signed;
            try {
                signed = BewitEndpoint.signedUrl(url.body(), input.identity(), input.expiry());
            } catch (IllegalArgumentException e) {
                if (url.verdict() == Verdict.GOOD) {
                    assertTrue(carriesABewit(url), "refused: " + e.getMessage());
                    assertEquals("cannot sign the URL: URL already carries a bewit", e.getMessage());
                }
                assertClean(e.getMessage(), input.identity());
                return "refused, " + (url.verdict() == Verdict.GOOD ? "a bewit already" : url.verdict());
            }
            assertFalse(url.verdict() == Verdict.BAD, "signed: " + PropertyCheck.show(signed));
            String resource = assertSignedAndVerifies(url.body(), signed, input.identity(), input.expiry());
            if (url.verdict() == Verdict.GOOD) {
                String query = url.query() == null || url.query().isEmpty() ? "" : "?" + url.query();
                assertEquals((url.path().isEmpty() ? "/" : url.path()) + query, resource);
                assertFalse(carriesABewit(url), signed);
            }
            return "signed" + (url.query() == null ? "" : url.query().isEmpty() ? ", empty query" : ", query")
                    + (url.fragment() == null ? "" : ", fragment");
        });
        for (String label : List.of("refused, BAD", "refused, EITHER", "refused, a bewit already", "signed",
                "signed, query", "signed, empty query", "signed, fragment", "signed, query, fragment")) {
            assertTrue(labels.getOrDefault(label, 0) >= 100, "the inputs rarely reach " + label + ": " + labels);
        }
    }

    /** Whatever the body, either a signed URL that verifies or a 400 that says why. */
    @Test
    void anyBodyIsSignedOrRefusedCleanly() {
        Gen<String> start = Gen.element("https://", "http://h", "https://h/", "HTTP://x.y:1/p?", "https://h?", "");
        Gen<String> bodies = Gen.frequency(
                weight(2, Gen.anyChars(0, 30)),
                weight(3, random -> start.next(random) + text(PIECES.next(random))),
                weight(1, Gen.element("", " ", "\n\t", "https://", "https:", "//h/p", "/p?q", "h/p", "?", "#")));
        record Body(String text, Identity identity) {}
        PropertyCheck.forAll(4_000, random -> new Body(bodies.next(random), IDENTITIES.next(random)), body -> {
            Instant expiry = Instant.ofEpochSecond(1_700_000_000L);
            try {
                String signed = BewitEndpoint.signedUrl(body.text(), body.identity(), expiry);
                assertSignedAndVerifies(body.text(), signed, body.identity(), expiry);
                return "signed";
            } catch (IllegalArgumentException e) {
                assertClean(e.getMessage(), body.identity());
                if (body.text().isBlank()) {
                    assertEquals("the body must be the URL to sign", e.getMessage());
                }
                return "refused";
            }
        });
    }

    /** Whether the query has a bewit parameter already (signing it again is refused). */
    private static boolean carriesABewit(Url url) {
        return url.query() != null && Stream.of(url.query().split("&", -1)).anyMatch(p -> p.startsWith("bewit="));
    }

    /**
     * How the verifier finds the bewit in the URL requested, and the resource it checks the MAC against: hawk's
     * authenticateBewit (lib/server.js), whose expression Taskcluster's auth service uses as well. Greedy: the last
     * {@code bewit=} after a '?' or an '&' counts.
     */
    private static final Pattern HAWK_BEWIT = Pattern.compile("^(/.*)([?&])bewit=([^&$]*)(?:&(.+))?$");

    /**
     * The signed URL is the body's URL with {@code bewit=<token>} added last to its query (and before its
     * fragment), and the token verifies: returns the resource it was found to sign.
     */
    private static String assertSignedAndVerifies(String body, String signed, Identity identity, Instant expiry) {
        String url = body.strip();
        int hash = url.indexOf('#');
        String base = hash < 0 ? url : url.substring(0, hash);
        String fragment = hash < 0 ? "" : url.substring(hash);
        String separator = !base.contains("?") ? "?" : base.indexOf('?') == base.length() - 1 ? "" : "&";
        assertTrue(signed.startsWith(base + separator + "bewit=") && signed.endsWith(fragment), signed);
        String token = signed.substring(base.length() + separator.length() + "bewit=".length(), signed.length() - fragment.length());
        assertTrue(token.matches("[A-Za-z0-9_-]+"), token);
        assertTrue(signed.chars().allMatch(c -> c > 0x20 && c < 0x7f), "fit for a Location header: " + PropertyCheck.show(signed));

        // What a client requests, and what the verifier makes of it.
        String noFragment = signed.substring(0, signed.length() - fragment.length());
        int schemeEnd = noFragment.indexOf("://");
        String scheme = noFragment.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        int authorityEnd = schemeEnd + 3;
        while (authorityEnd < noFragment.length() && "/?".indexOf(noFragment.charAt(authorityEnd)) < 0) {
            authorityEnd++;
        }
        String authority = noFragment.substring(schemeEnd + 3, authorityEnd);
        String hostPort = authority.substring(authority.lastIndexOf('@') + 1);
        int portStart = hostPort.startsWith("[") ? hostPort.indexOf(']') + 1 : hostPort.contains(":") ? hostPort.indexOf(':') : hostPort.length();
        String host = hostPort.substring(0, portStart);
        String port = hostPort.length() > portStart + 1 ? hostPort.substring(portStart + 1)
                : scheme.equals("https") ? "443" : "80";
        String requestTarget = noFragment.substring(authorityEnd);
        requestTarget = requestTarget.startsWith("/") ? requestTarget : "/" + requestTarget;

        Matcher m = HAWK_BEWIT.matcher(requestTarget);
        assertTrue(m.matches(), requestTarget);
        String resource = m.group(1) + (m.group(4) == null ? "" : m.group(2) + m.group(4));
        assertTrue(m.group(3).matches("[A-Za-z0-9_-]+"), "the verifier reads the bewit " + m.group(3));
        String[] bewit = new String(Base64.getUrlDecoder().decode(m.group(3)), StandardCharsets.UTF_8).split("\\\\", -1);
        assertEquals(4, bewit.length, "id\\exp\\mac\\ext");
        Credentials credentials = identity.credentials();
        assertEquals(credentials.clientId(), bewit[0]);
        assertEquals(Long.toString(expiry.getEpochSecond()), bewit[1]);
        assertEquals(identity.ext(), bewit[3]);
        String normalized = "hawk.1.bewit\n" + bewit[1] + "\n\nGET\n" + resource + "\n" + host.toLowerCase(Locale.ROOT)
                + "\n" + Integer.parseInt(port) + "\n\n" + bewit[3] + "\n";
        assertEquals(hmacSha256(credentials.accessToken(), normalized), bewit[2], "the MAC over\n" + normalized);
        return resource;
    }

    private static String hmacSha256(String key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    /** A 400 body: says why, on one line, without the access token. */
    private static void assertClean(String message, Identity identity) {
        assertNotNull(message);
        assertTrue(message.equals("the body must be the URL to sign") || message.startsWith("cannot sign the URL: "), message);
        assertTrue(message.chars().allMatch(c -> c >= 0x20 && c != 0x7f), PropertyCheck.show(message));
        assertFalse(message.contains(identity.credentials().accessToken()), message);
    }
}
