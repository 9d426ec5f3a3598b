package net.taskcluster.proxy.proxy;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Makes text safe to log: a bewit in a query is a credential, so its value is hidden; and text a caller chose
 * (targets, header values, client ids) has its control and invisible characters escaped, so that no log line can
 * be forged.
 */
public final class Redact {
    private static final Pattern BEWIT = Pattern.compile("([?&]bewit=)[^&#]*", Pattern.CASE_INSENSITIVE);

    private Redact() {}

    public static String bewits(String urlOrTarget) {
        return urlOrTarget.indexOf('=') < 0 ? urlOrTarget : BEWIT.matcher(urlOrTarget).replaceAll("$1REDACTED");
    }

    /** A URL or request target as a log line shows it: bewits hidden, then {@link #escape escaped}. */
    public static String forLog(String urlOrTarget) {
        return escape(bewits(urlOrTarget));
    }

    /**
     * Caller-controlled text as a log line may hold it: C0 and C1 control characters (CR, LF, ESC, ...), DEL, the
     * backslash (so that an escape in the text cannot pass for one made here), format characters such as the
     * bidirectional overrides, line and paragraph separators and unpaired surrogates become {@code \xNN} or
     * {@code \}{@code uNNNN}; everything else is kept.
     */
    public static String escape(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
            if (paired) {
                if (out != null) {
                    out.append(c).append(text.charAt(i + 1));
                }
                i++;
                continue;
            }
            if (!needsEscape(c)) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            out.append(c < 0x100 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
        }
        return out == null ? text : out.toString();
    }

    /**
     * Raw bytes (a request line as received) as a log line may hold them: bewits hidden, and bytes outside ASCII
     * shown as {@code \xNN} too, so that the line shows exactly what was received.
     */
    public static String forLog(byte[] raw) {
        return escape(bewits(new String(raw, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String escape(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length + 16);
        for (byte b : bytes) {
            char c = (char) (b & 0xff);
            out.append(c >= 0x80 || needsEscape(c) ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return out.toString();
    }

    private static boolean needsEscape(char c) {
        if (c >= 0x20 && c < 0x7f) {
            return c == '\\';
        }
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED -> true;
            default -> c == 0xfffd; // a replaced byte: show that it was not this character
        };
    }
}
