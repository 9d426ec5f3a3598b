package net.taskcluster.proxy.routing;

import static net.taskcluster.proxy.testing.Gen.weight;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import net.taskcluster.proxy.testing.Gen;
import net.taskcluster.proxy.testing.PropertyCheck;
import org.junit.jupiter.api.Test;

/**
 * Routing of arbitrary request targets, against SPEC §3 written out independently of the Router: every target is
 * either forwarded to the right place with the caller's bytes, or refused with a clear 400 or 404.
 */
class RouterPropertiesTest {
    private static final List<Target> ROOTS = List.of(
            new Target("https", "tc.example.com", -1, "", null),
            new Target("http", "127.0.0.1", 8080, "/tc", null),
            new Target("https", "[::1]", 8443, "/deep/root%2F", null));

    private static final Gen<String> SERVICE = Gen.element("queue", "auth", "index", "secrets", "purge-cache",
            "worker-manager", "hooks", "notify", "object", "github", "Queue", "QUEUE", "x", "9", "api", "apiary", "v1",
            "bewit", "credentials", "my_svc", "-bad", "bad-", "que ue", "caf\u00e9", "%71ueue", "");
    private static final Gen<String> VERSION = Gen.element("v1", "v2", "V1", "1", "", "v1.0", "%2F", "..", ".", "v 1");
    private static final Gen<String> HOST = Gen.element("tc.example.com", "example.com", "127.0.0.1", "10.0.0.1",
            "a-b.c-d.example", "xn--bcher-kva.example", "EXAMPLE.COM", "1.2.3.4.5", "a..b", ".example.com",
            "example.com.", "example-.com", "-example.com", "example.com:8080", "[::1]", "[::1].com",
            "user@example.com", "exa_mple.com", "caf\u00e9.example", "x".repeat(63) + ".com", "x".repeat(64) + ".com",
            ("a".repeat(63) + ".").repeat(4) + "com", "%2e.com", "a.b%2Fc", "a.b?c");
    private static final Gen<String> PIECE = Gen.frequency(
            weight(10, Gen.element("/", "/", "//", "%", "%2F", "%2f", "%252F", "%25", "%%", "..", ".", "/../", "/./",
                    "api", "v1", "?", "#", ":", "@", " ", "+", ";", "=", "&", "!", "$", "'", "(", ")", "*", ",", "~",
                    "|", "\"", "<", ">", "{", "}", "\\", "^", "`", "[", "]", "\u00e9", "\u65e5\u672c",
                    "\ud83d\ude00", "\u0085", "\u2028", "\ufffd")),
            weight(1, Gen.element("\u0000", "\t", "\n", "\r", "\u007f", "\ud800", "\udc00", "\udbff\udbff")),
            weight(4, Gen.chars("0123456789abcdefABCDEF%/.-", 1, 4)),
            weight(2, SERVICE),
            weight(2, HOST),
            weight(1, Gen.anyChars(1, 2)));
    private static final Gen<String> SOUP = Gen.concat(PIECE, 0, 8);

    /** The three URL forms, with good and bad parts, the proxy's own endpoints, and anything at all. */
    private static final Gen<String> PATH = Gen.frequency(
            weight(4, r -> "/api/" + SERVICE.next(r) + "/" + VERSION.next(r) + "/" + SOUP.next(r)),
            weight(4, r -> "/" + SERVICE.next(r) + "/" + VERSION.next(r) + "/" + SOUP.next(r)),
            weight(3, r -> "/" + HOST.next(r) + (r.nextBoolean() ? "/" : "") + SOUP.next(r)),
            weight(3, r -> "/" + SOUP.next(r)),
            weight(2, r -> Gen.element("/bewit", "/credentials", "/api", "/api/", "", "*", "queue/v1/x",
                    "api/queue/v1/x", "example.com/x").next(r) + (r.nextInt(3) == 0 ? SOUP.next(r) : "")),
            weight(1, SOUP));
    private static final Gen<String> QUERY = Gen.frequency(
            weight(3, Gen.constant(null)),
            weight(1, Gen.constant("")),
            weight(6, Gen.concat(Gen.frequency(
                    weight(20, Gen.element("a=1", "b=2", "&", "=", "?", "/", "%2F", "%252F", "%", "bewit=x", "k=v%20m",
                            "+", " ", "#", "\u00e9", "\ud83d\ude00", "\"", "|")),
                    weight(1, Gen.element("\u0000", "\n", "\u007f", "\ud800")),
                    weight(1, Gen.anyChars(1, 2))), 1, 6)));

    record Input(Target root, String path, String query) {}

    private static final Gen<Input> INPUTS = r -> new Input(Gen.element(ROOTS).next(r), PATH.next(r), QUERY.next(r));

    @Test
    void everyTargetIsRoutedAsTheSpecSaysOrRefusedCleanly() {
        PropertyCheck.Shrinker<Input> shorter = input -> Stream.concat(
                PropertyCheck.strings().apply(input.path()).map(p -> new Input(input.root(), p, input.query())),
                input.query() == null ? Stream.of() : Stream.concat(Stream.of(new Input(input.root(), input.path(), null)),
                        PropertyCheck.strings().apply(input.query()).map(q -> new Input(input.root(), input.path(), q))));
        Map<String, Integer> labels = PropertyCheck.forAll(40_000, INPUTS, shorter, input -> {
            Router router = new Router(input.root());
            Route route = router.route(input.path(), input.query());
            Route expected = expected(input.root(), input.path(), input.query());

            assertEquals(route, router.route(input.path(), input.query()), "routing is deterministic");
            switch (route) {
                case Route.NotFound(String message) -> {
                    assertTrue(expected instanceof Route.NotFound, "expected " + expected);
                    assertClean(message);
                }
                case Route.BadRequest(String message) -> {
                    assertTrue(expected instanceof Route.BadRequest, "expected " + expected);
                    assertClean(message);
                }
                case Route.Proxied(Target target) -> {
                    assertEquals(expected, route);
                    assertForwardable(input, target);
                }
                default -> assertEquals(expected, route);
            }
            assertQueryOnlyMatters(router, input, route);
            return label(input.path(), route);
        });
        assertCovered(labels, "Proxied /api/", "Proxied shortcut", "Proxied host", "NotFound", "BadRequest", "Bewit",
                "Credentials");
    }

    @Test
    void theShortcutFormIsTheApiForm() {
        Gen<String> label = Gen.concat(Gen.element("queue", "auth", "a", "9", "-", "Index", "x1"), 1, 3)
                .map(s -> s.replaceAll("^-+|-+$", "")).map(s -> s.isEmpty() || s.startsWith("api") ? "q" + s : s);
        Gen<String> version = Gen.concat(Gen.element("v", "1", "V", "%2F", ".", "\u00e9", " ", "-"), 1, 3);
        record Shortcut(String service, String version, String rest, String query) {}
        Gen<Shortcut> inputs = r -> new Shortcut(label.next(r), version.next(r), SOUP.next(r), QUERY.next(r));
        Router router = new Router(ROOTS.get(1));

        PropertyCheck.forAll(10_000, inputs, s -> {
            String tail = s.service() + "/" + s.version() + "/" + s.rest();
            Route shortcut = router.route("/" + tail, s.query());
            assertEquals(router.route("/api/" + tail, s.query()), shortcut);
            return label("/" + tail, shortcut);
        });
    }

    /** SPEC §3, written out on its own: what the router must answer. Messages are not predicted. */
    static Route expected(Target root, String rawPath, String rawQuery) {
        if (!canBeSent(rawPath) || (rawQuery != null && !canBeSent(rawQuery))) {
            return new Route.BadRequest("");
        }
        String path = escaped(rawPath, true);
        String query = rawQuery == null ? null : escaped(rawQuery, false);
        if (path.equals("/bewit")) {
            return new Route.Bewit();
        }
        if (path.equals("/credentials")) {
            return new Route.Credentials();
        }
        if (!path.startsWith("/")) {
            return new Route.NotFound(""); // not a path: no URL form applies
        }
        if (path.startsWith("/api")) {
            Matcher api = API_FORM.matcher(path);
            return api.matches() ? api(root, api.group(1), api.group(2), api.group(3), query) : new Route.NotFound("");
        }
        String first = path.substring(1).split("/", -1)[0];
        if (first.contains(".")) {
            if (!DNS_NAME.matcher(first).matches()) {
                return new Route.NotFound("");
            }
            String rest = path.substring(1 + first.length());
            return new Route.Proxied(new Target("https", first, -1, rest.isEmpty() ? "/" : rest, query));
        }
        Matcher shortcut = SHORTCUT_FORM.matcher(path);
        return shortcut.matches()
                ? api(root, shortcut.group(1), shortcut.group(2), shortcut.group(3), query) : new Route.NotFound("");
    }

    private static final Pattern MALFORMED_ESCAPE = Pattern.compile("%(?![0-9A-Fa-f]{2})");
    private static final Pattern API_FORM = Pattern.compile("/api/([^/]+)/([^/]+)/(.*)");
    private static final Pattern SHORTCUT_FORM = Pattern.compile("/([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])/([^/]+)/(.*)");
    private static final String LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    private static final Pattern DNS_NAME = Pattern.compile("(?=.{1,253}$)" + LABEL + "(?:\\." + LABEL + ")+");

    /** taskcluster-lib-urls v13: root + /api/ + service + / + version + / + path without its leading slashes. */
    private static Route api(Target root, String service, String version, String path, String query) {
        String rawPath = root.rawPath() + "/api/" + service + "/" + version + "/" + path.replaceFirst("^/+", "");
        return new Route.Proxied(new Target(root.scheme(), root.host(), root.port(), rawPath, query));
    }

    /**
     * Control characters have no form on the wire, an unpaired surrogate is no character at all (it has no UTF-8
     * bytes), and a '%' that starts no escape of two hex digits has no one meaning: such targets are refused rather
     * than sent altered.
     */
    private static boolean canBeSent(String s) {
        if (MALFORMED_ESCAPE.matcher(s).find()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return false;
            }
            if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 == s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            }
        }
        return true;
    }

    /**
     * The bytes on the wire: printable ASCII is kept as it is (existing escapes included, and {@code []|{}^} and
     * the like: the upstream receives what the caller sent), any other character, and {@code #}, is
     * percent-encoded as UTF-8. In the path, a {@code ?} too, since it would start the query (the server never
     * passes one, but the router must not move the boundary).
     */
    private static String escaped(String s, boolean path) {
        StringBuilder out = new StringBuilder();
        s.codePoints().forEach(cp -> {
            boolean keep = cp > ' ' && cp < 0x7f && cp != '#' && (cp != '?' || !path);
            if (keep) {
                out.appendCodePoint(cp);
            } else {
                for (byte b : Character.toString(cp).getBytes(StandardCharsets.UTF_8)) {
                    out.append(String.format("%%%02X", b & 0xff));
                }
            }
        });
        return out.toString();
    }

    /** The form a target that can be sent is in: "/api/", "host" or "shortcut". */
    private static String form(String sent) {
        if (sent.startsWith("/api")) {
            return "/api/";
        }
        return sent.startsWith("/") && sent.substring(1).split("/", -1)[0].contains(".") ? "host" : "shortcut";
    }

    /** What the forwarder is handed: the root's (or the host's) URL, and a path and query that can go on the wire. */
    private static void assertForwardable(Input input, Target target) {
        Target root = input.root();
        String url = target.url();
        String sent = escaped(input.path(), true);
        String tail; // the caller's bytes after the service and version, or the host: %2F, %252F and // kept
        if (form(sent).equals("host")) {
            assertTrue(url.startsWith("https://" + target.host() + "/") && sent.startsWith("/" + target.host()), url);
            tail = sent.substring(1 + target.host().length());
        } else {
            assertTrue(url.startsWith(root.scheme() + "://" + root.authority() + root.rawPath() + "/api/"), url);
            Matcher m = (form(sent).equals("/api/") ? API_FORM : SHORTCUT_FORM).matcher(sent);
            assertTrue(m.matches(), sent);
            tail = m.group(3).replaceFirst("^/+", "");
        }
        assertTrue(target.rawPath().endsWith(tail), target.rawPath() + " keeps " + tail);
        for (char c : target.rawPath().toCharArray()) {
            assertTrue(c > 0x20 && c < 0x7f && c != '?' && c != '#', "a raw path character: " + c);
        }
        if (input.query() == null) {
            assertNull(target.rawQuery());
        } else if (escaped(input.query(), false).equals(input.query())) {
            assertEquals(input.query(), target.rawQuery(), "the query, byte for byte");
        }
        if (target.rawQuery() != null) {
            assertFalse(target.rawQuery().contains("#"), target.rawQuery());
        }
    }

    /** The query changes nothing but the target's query (or makes the target a 400 when it cannot be sent). */
    private static void assertQueryOnlyMatters(Router router, Input input, Route route) {
        Route withoutQuery = router.route(input.path(), null);
        if (route instanceof Route.Proxied(Target target)) {
            Target bare = assertInstanceOf(Route.Proxied.class, withoutQuery).target();
            assertEquals(bare.url(), target.url().substring(0, bare.url().length()));
        } else if (!(route instanceof Route.BadRequest)) {
            assertEquals(route.getClass(), withoutQuery.getClass());
        }
    }

    private static <T> T assertInstanceOf(Class<T> type, Object value) {
        return org.junit.jupiter.api.Assertions.assertInstanceOf(type, value);
    }

    /**
     * A 400 or 404 body: not empty, no control character to garble a log line or a terminal, and no half of a
     * surrogate pair (it goes out as UTF-8, which has no bytes for one).
     */
    private static void assertClean(String message) {
        assertFalse(message.isBlank());
        assertTrue(message.chars().allMatch(c -> c >= 0x20 && c != 0x7f), PropertyCheck.show(message));
        assertEquals(message, new String(message.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8),
                PropertyCheck.show(message));
    }

    private static String label(String path, Route route) {
        return route instanceof Route.Proxied ? "Proxied " + form(escaped(path, true)) : route.getClass().getSimpleName();
    }

    static void assertCovered(Map<String, Integer> labels, String... expected) {
        int total = labels.values().stream().mapToInt(Integer::intValue).sum();
        for (String label : expected) {
            int count = labels.getOrDefault(label, 0);
            assertTrue(count * 200 >= total, "the inputs rarely reach " + label + " (" + count + " of " + total + "): " + labels);
        }
    }
}
