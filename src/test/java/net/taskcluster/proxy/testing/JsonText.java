package net.taskcluster.proxy.testing;

import static net.taskcluster.proxy.testing.Gen.weight;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * JSON text written independently of the code under test, in the many ways JSON allows: any character may be a
 * {@code \}{@code uXXXX} escape, whitespace between tokens, members in any order. And the ways it can be broken.
 */
public final class JsonText {
    private JsonText() {}

    /** A string literal: the escapes JSON requires, and, at random, escapes it allows for any other character. */
    public static String string(String s, RandomGenerator random) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int style = random.nextInt(16);
            if (c == '"' || c == '\\') {
                out.append(style < 12 ? "\\" + c : unicodeEscape(c));
            } else if (c < 0x20) {
                String shortForm = switch (c) {
                    case '\n' -> "\\n";
                    case '\r' -> "\\r";
                    case '\t' -> "\\t";
                    case '\b' -> "\\b";
                    case '\f' -> "\\f";
                    default -> null;
                };
                out.append(shortForm != null && style < 12 ? shortForm : unicodeEscape(c));
            } else if (c == '/' && style == 0) {
                out.append("\\/");
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                // A pair is one character: both halves escaped or neither (an escaped half and a raw one are no text)
                char low = s.charAt(++i);
                out.append(style == 1 ? unicodeEscape(c) + unicodeEscape(low) : "" + c + low);
            } else {
                out.append(style == 1 ? unicodeEscape(c) : String.valueOf(c));
            }
        }
        return out.append('"').toString();
    }

    private static String unicodeEscape(char c) {
        return String.format((c & 1) == 0 ? "\\u%04x" : "\\u%04X", (int) c);
    }

    /** Whitespace JSON allows between tokens: mostly none. */
    public static String ws(RandomGenerator random) {
        return switch (random.nextInt(8)) {
            case 0 -> " ";
            case 1 -> "\n  ";
            case 2 -> "\t\r\n ";
            default -> "";
        };
    }

    /** An object of members (name, encoded value), in the given order. */
    public static String object(List<Map.Entry<String, String>> members, RandomGenerator random) {
        StringBuilder out = new StringBuilder().append(ws(random)).append('{');
        for (int i = 0; i < members.size(); i++) {
            if (i > 0) {
                out.append(ws(random)).append(',');
            }
            out.append(ws(random)).append(string(members.get(i).getKey(), random)).append(ws(random)).append(':')
                    .append(ws(random)).append(members.get(i).getValue());
        }
        return out.append(ws(random)).append('}').append(ws(random)).toString();
    }

    /** The members in a random order. */
    public static <T> List<T> shuffled(List<T> members, RandomGenerator random) {
        List<T> copy = new ArrayList<>(members);
        Collections.shuffle(copy, random);
        return copy;
    }

    /** An array of encoded values. */
    public static String array(List<String> values, RandomGenerator random) {
        StringBuilder out = new StringBuilder().append('[');
        for (int i = 0; i < values.size(); i++) {
            out.append(i > 0 ? "," : "").append(ws(random)).append(values.get(i));
        }
        return out.append(ws(random)).append(']').toString();
    }

    /** The longest number the parser accepts (Jackson's default limit; the nesting depth is the proxy's own, 100). */
    public static final int MAX_NUMBER_LENGTH = 1000;

    /**
     * Numbers, including the awkward ones: negative zero, fractions, exponents, beyond 64 bits, and long ones up to
     * {@code maxLength} characters.
     */
    public static Gen<String> numbers(int maxLength) {
        return Gen.frequency(
                weight(4, Gen.longs(Long.MIN_VALUE, Long.MAX_VALUE).map(String::valueOf)),
                weight(2, Gen.ints(-1000, 1000).map(String::valueOf)),
                weight(2, Gen.element("-0", "0.0", "1.0", "1.5", "-2.25", "1e3", "1E+2", "2e-5", "1e999", "-1e999",
                        "9223372036854775808", "-9223372036854775809", "18446744073709551617",
                        "123456789012345678901234567890", "0.1e1", "1.7976931348623157e308", "4.9e-324")),
                weight(1, Gen.ints(1, maxLength).map(n -> "9".repeat(n))),
                weight(1, Gen.ints(1, maxLength - 2).map(n -> "1." + "5".repeat(n))));
    }

    /**
     * Any JSON value within the parser's limits, nested up to {@code depth}, with keys other than the given ones
     * (and no key twice in one object).
     */
    public static Gen<String> values(int depth, List<String> avoidKeys) {
        Gen<String> scalar = Gen.frequency(
                weight(2, numbers(MAX_NUMBER_LENGTH)),
                weight(1, Gen.element("true", "false", "null")),
                weight(3, random -> string(Gen.anyChars(0, 12).next(random), random)));
        if (depth <= 0) {
            return scalar;
        }
        Gen<String> inner = values(depth - 1, avoidKeys);
        // Jackson refuses a key with an escaped unpaired surrogate ("\\udc00"), though not such a value.
        Gen<String> key = Gen.anyChars(0, 8).map(JsonText::withoutUnpairedSurrogates)
                .map(k -> avoidKeys.contains(k) ? k + "_" : k);
        Gen<String> array = random -> array(Gen.listOf(inner, 0, 4).next(random), random);
        Gen<String> object = random -> {
            Map<String, String> members = new LinkedHashMap<>(); // distinct keys: the parser refuses a duplicate
            for (int i = random.nextInt(0, 4); i > 0; i--) {
                members.putIfAbsent(key.next(random), inner.next(random));
            }
            return object(List.copyOf(members.entrySet()), random);
        };
        return Gen.frequency(weight(3, scalar), weight(1, array), weight(1, object));
    }

    /** The string with each unpaired surrogate replaced by U+FFFD. */
    public static String withoutUnpairedSurrogates(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> out.appendCodePoint(cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp));
        return out.toString();
    }

    /** Arrays or objects nested 1 to {@code maxDepth} deep, the deepest holding a value. */
    public static Gen<String> deeplyNested(int maxDepth) {
        return random -> {
            int depth = random.nextInt(1, maxDepth + 1);
            boolean arrays = random.nextBoolean();
            StringBuilder out = new StringBuilder(depth * 6);
            for (int i = 0; i < depth; i++) {
                out.append(arrays ? "[" : "{\"a\":");
            }
            out.append("1");
            for (int i = 0; i < depth; i++) {
                out.append(arrays ? "]" : "}");
            }
            return out.toString();
        };
    }

    /** Text broken in 1 to 3 places: cut short, pieces deleted, JSON fragments inserted, characters replaced. */
    public static Gen<String> garbled(String text) {
        Gen<String> fragment = Gen.frequency(
                weight(4, Gen.element("{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "\\udc00", "\\uzzzz",
                        "\\x41", "null", "nul", "true", "tru", "1e99999", "-", "+1", "01", "0x1", "NaN", "Infinity",
                        "'", "/*", "//", "#", "\u0000", "\n", "\u00e9", "\ud83d\ude00", "\ud800", "\ufeff", " ", "{}",
                        "[]", "\"\"", "\"a\":", ",}")),
                weight(1, Gen.anyChars(1, 6)));
        return random -> {
            String s = text;
            for (int edits = random.nextInt(1, 4); edits > 0; edits--) {
                int at = s.isEmpty() ? 0 : random.nextInt(s.length() + 1);
                switch (random.nextInt(5)) {
                    case 0 -> s = s.substring(0, at);
                    case 1 -> s = s.substring(0, at) + s.substring(Math.min(s.length(), at + random.nextInt(1, 8)));
                    case 2, 3 -> s = s.substring(0, at) + fragment.next(random) + s.substring(at);
                    default -> s = at >= s.length() ? s : s.substring(0, at) + fragment.next(random) + s.substring(at + 1);
                }
            }
            return s;
        };
    }
}
