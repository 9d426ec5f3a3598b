package net.taskcluster.proxy.server;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpParser;

/**
 * Jetty's parser, keeping the bytes of each request line as they arrive. Jetty hands the target on as a string
 * decoded from UTF-8, with every malformed byte replaced by U+FFFD, so a raw 0xFF would reach the upstream as
 * {@code %EF%BF%BD}, another resource; from the bytes kept here the target can be passed on exactly.
 */
final class RequestLineParser extends HttpParser {
    /** Never more than this is kept: the longest request head the server reads, and a little. */
    private final int maxBytes;
    /** The current request line's bytes so far, reused from request to request of the connection. */
    private byte[] kept = new byte[256];
    private int keptLength;
    private boolean keeping; // false once the line was taken (or before a request starts)
    private boolean started; // whether the line holds more than the empty lines a client may send first

    RequestLineParser(RequestHandler handler, int maxHeaderBytes, HttpCompliance compliance) {
        super(handler, maxHeaderBytes, compliance);
        this.maxBytes = maxHeaderBytes + 16;
    }

    @Override
    public boolean parseNext(ByteBuffer buffer) {
        if (getState() == State.START && !keeping) {
            keeping = true; // a new request (the one before was taken or refused)
            keptLength = 0;
            started = false;
        }
        if (keeping && getState().ordinal() < State.HEADER.ordinal()) {
            keepLine(buffer);
        }
        return super.parseNext(buffer);
    }

    /**
     * Copies the bytes of the request line that this buffer holds, before the parser reads them (it may discard
     * the buffer when it refuses them). While the line is incomplete the parser reads every byte it is given, so
     * each byte is copied once.
     */
    private void keepLine(ByteBuffer buffer) {
        for (int i = buffer.position(); i < buffer.limit() && keptLength < maxBytes; i++) {
            byte b = buffer.get(i);
            if (keptLength == kept.length) {
                kept = Arrays.copyOf(kept, Math.min(maxBytes, kept.length * 2));
            }
            kept[keptLength++] = b;
            if (b != '\r' && b != '\n') {
                started = true;
            } else if (b == '\n' && started) {
                return;
            }
        }
    }

    /** Where the request line starts in {@code kept}: after the empty lines a client may send before it. */
    private int lineStart() {
        int start = 0;
        while (start < keptLength && (kept[start] == '\r' || kept[start] == '\n')) {
            start++;
        }
        return start;
    }

    private int lineEnd(int start) {
        int end = start;
        while (end < keptLength && kept[end] != '\r' && kept[end] != '\n') {
            end++;
        }
        return end;
    }

    /**
     * The request line as received so far (from the method to the end of the line, without the CRLF, and without
     * the empty lines a client may send before it), or an empty array once nothing is known of it.
     */
    byte[] requestLine() {
        if (!keeping) {
            return new byte[0];
        }
        int start = lineStart();
        return Arrays.copyOfRange(kept, start, lineEnd(start));
    }

    /**
     * The target to send upstream: the one in the request line (between its first and second space) when it is the
     * target Jetty parsed, with bytes outside ASCII percent-encoded one by one ({@code %FF} for a raw 0xFF, as the
     * Go original sends it; {@code %C3%A9} for a raw é) and everything else, existing escapes included, as
     * received; otherwise {@code parsed}. The common case, a target all in ASCII, allocates nothing.
     */
    String wireTarget(String parsed) {
        if (!keeping) {
            return parsed;
        }
        int start = lineStart();
        int end = lineEnd(start);
        int first = indexOfSpace(start, end);
        int second = first < 0 ? -1 : indexOfSpace(first + 1, end);
        if (second < 0 || !isTheTargetOf(first + 1, second, parsed)) {
            return parsed;
        }
        boolean ascii = true;
        for (int i = first + 1; i < second && ascii; i++) {
            ascii = kept[i] >= 0;
        }
        return ascii ? parsed : wireForm(first + 1, second);
    }

    /** Forgets the request line: the request is under way, and its bytes need not be kept any longer. */
    void forget() {
        keeping = false;
    }

    @Override
    public void reset() {
        super.reset();
        keeping = false; // the next request's line is kept from its first byte
    }

    private int indexOfSpace(int from, int end) {
        for (int i = from; i < end; i++) {
            if (kept[i] == ' ') {
                return i;
            }
        }
        return -1;
    }

    private String wireForm(int from, int to) {
        StringBuilder out = new StringBuilder(to - from + 16);
        for (int i = from; i < to; i++) {
            byte b = kept[i];
            if (b < 0) {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            } else {
                out.append((char) b);
            }
        }
        return out.toString();
    }

    /**
     * Whether {@code kept[from, to)} is the target Jetty parsed: the same ASCII characters in the same order, and
     * non-ASCII text where it had some (Jetty's decoding of malformed UTF-8 need not match Java's, replacement for
     * replacement).
     */
    private boolean isTheTargetOf(int from, int to, String parsed) {
        int i = from;
        int j = 0;
        boolean nonAscii = false;
        boolean parsedNonAscii = false;
        while (true) {
            while (i < to && kept[i] < 0) {
                nonAscii = true;
                i++;
            }
            while (j < parsed.length() && parsed.charAt(j) >= 0x80) {
                parsedNonAscii = true;
                j++;
            }
            if (i == to || j == parsed.length()) {
                return i == to && j == parsed.length() && nonAscii == parsedNonAscii;
            }
            if (kept[i++] != parsed.charAt(j++)) {
                return false;
            }
        }
    }
}
