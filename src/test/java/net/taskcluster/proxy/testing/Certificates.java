package net.taskcluster.proxy.testing;

import static net.taskcluster.proxy.testing.Gen.weight;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import net.taskcluster.proxy.auth.Certificate;

/** Certificates of temporary credentials, and their JSON in its many spellings, for property tests. */
public final class Certificates {
    private Certificates() {}

    public static final List<String> FIELDS = List.of("version", "scopes", "start", "expiry", "seed", "signature", "issuer");

    private static final String BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /** A distinctive secret-like string: long enough that finding it in a message is no coincidence. */
    public static Gen<String> secrets(String prefix) {
        return Gen.chars(BASE64URL, 20, 44).map(s -> prefix + s);
    }

    private static final Gen<String> SCOPE = Gen.frequency(
            weight(3, Gen.element("queue:create-task:*", "assume:worker-id:*", "auth:*", "*", "", "queue:get-artifact:private/*",
                    "secrets:get:garbage/<>&\u2028", "index:insert-task:caf\u00e9")),
            weight(1, Gen.anyChars(0, 12)));

    private static final Gen<Long> MILLIS = Gen.frequency(
            weight(3, Gen.longs(1_400_000_000_000L, 2_000_000_000_000L)),
            weight(1, Gen.longs(Long.MIN_VALUE, Long.MAX_VALUE)),
            weight(1, Gen.element(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, (long) Integer.MAX_VALUE + 1)));

    /** Any certificate the parser must accept. */
    public static Gen<Certificate> certificates() {
        Gen<List<String>> scopes = Gen.listOf(SCOPE, 0, 5).orNull(5);
        Gen<String> seed = Gen.frequency(weight(4, Gen.chars(BASE64URL, 44, 44)), weight(1, secrets("seed-")));
        Gen<String> signature = Gen.frequency(weight(4, secrets("sig-").map(s -> s + "=")), weight(1, Gen.anyChars(20, 40)
                .map(s -> "sig-" + s)));
        Gen<String> issuer = Gen.frequency(weight(2, Gen.constant(null)), weight(1, Gen.constant("")),
                weight(2, Gen.element("my-client", "static/taskcluster/worker-manager", "mozilla-auth0/ad|x")),
                weight(1, Gen.anyChars(1, 10)));
        return random -> new Certificate(1, scopes.next(random), MILLIS.next(random), MILLIS.next(random),
                seed.next(random), signature.next(random), issuer.next(random));
    }

    /** The certificate's members, each as encoded JSON; the empty ones written in each allowed way, or left out. */
    public static List<Map.Entry<String, String>> members(Certificate c, RandomGenerator random) {
        List<Map.Entry<String, String>> members = new ArrayList<>();
        members.add(Map.entry("version", "1"));
        if (c.scopes() != null) {
            members.add(Map.entry("scopes", JsonText.array(c.scopes().stream().map(s -> JsonText.string(s, random)).toList(), random)));
        } else if (random.nextBoolean()) {
            members.add(Map.entry("scopes", "null"));
        }
        members.add(Map.entry("start", Long.toString(c.start())));
        members.add(Map.entry("expiry", Long.toString(c.expiry())));
        members.add(Map.entry("seed", JsonText.string(c.seed(), random)));
        members.add(Map.entry("signature", JsonText.string(c.signature(), random)));
        if (c.issuer() != null) {
            members.add(Map.entry("issuer", JsonText.string(c.issuer(), random)));
        } else {
            switch (random.nextInt(3)) {
                case 0 -> members.add(Map.entry("issuer", "null"));
                case 1 -> members.add(Map.entry("issuer", "\"\""));
                default -> { }
            }
        }
        return members;
    }

    /** Keys a certificate may carry besides its own (they are ignored), with any values. */
    public static void addUnknownMembers(List<Map.Entry<String, String>> members, RandomGenerator random) {
        Gen<String> value = JsonText.values(2, FIELDS);
        for (int n = random.nextInt(3) == 0 ? random.nextInt(1, 4) : 0; n > 0; n--) {
            String key = Gen.element("extra", "Version", "scope", "seed ", "x", "\u00e9", "").next(random);
            members.add(Map.entry(key + n, value.next(random)));
        }
    }

    /** The certificate's JSON: members in any order, unknown ones among them, any escapes and whitespace. */
    public static String json(Certificate c, RandomGenerator random) {
        List<Map.Entry<String, String>> members = members(c, random);
        addUnknownMembers(members, random);
        return JsonText.object(JsonText.shuffled(members, random), random);
    }

    /** A value of the wrong type or range for a field (always one the parser must refuse for that field). */
    public static Gen<String> badValue(String field) {
        return switch (field) {
            case "version" -> Gen.frequency(
                    weight(2, Gen.longs(Long.MIN_VALUE, Long.MAX_VALUE).filter(v -> v != 1L).map(String::valueOf)),
                    weight(1, Gen.element("0", "-1", "2", "-0", "1.0", "1e0", "0.1e1", "\"1\"", "true", "null", "[1]", "{}",
                            "18446744073709551617", "9".repeat(900))));
            case "scopes" -> Gen.element("\"a\"", "1", "true", "{}", "[1]", "[\"a\",null]", "[[\"a\"]]", "[{}]", "[true]",
                    "{\"0\":\"a\"}", "\"[]\"");
            case "start", "expiry" -> Gen.element("1.5", "1e3", "1.0", "-0.0", "\"1\"", "true", "null", "[]", "{}", "[1]",
                    "9223372036854775808", "-9223372036854775809", "1" + "0".repeat(30), "9".repeat(900));
            case "seed", "signature" -> Gen.element("\"\"", "1", "true", "null", "[]", "{}", "[\"x\"]", "{\"a\":\"b\"}");
            case "issuer" -> Gen.element("1", "true", "[]", "{}", "[\"x\"]", "0.5");
            default -> throw new IllegalArgumentException(field);
        };
    }
}
