package net.taskcluster.proxy.server;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
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
    private ByteArrayOutputStream line; // the current request line's bytes so far (null once taken)
    private boolean started; // whether the line holds more than the empty lines a client may send first

    RequestLineParser(RequestHandler handler, int maxHeaderBytes, HttpCompliance compliance) {
        super(handler, maxHeaderBytes, compliance);
        this.maxBytes = maxHeaderBytes + 16;
    }

    @Override
    public boolean parseNext(ByteBuffer buffer) {
        if (getState() == State.START && line == null) {
            line = new ByteArrayOutputStream(128); // a new request (the one before was taken or refused)
            started = false;
        }
        if (line != null && getState().ordinal() < State.HEADER.ordinal()) {
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
        for (int i = buffer.position(); i < buffer.limit() && line.size() < maxBytes; i++) {
            byte b = buffer.get(i);
            line.write(b);
            if (b != '\r' && b != '\n') {
                started = true;
            } else if (b == '\n' && started) {
                return;
            }
        }
    }

    /**
     * The request line as received so far (from the method to the end of the line, without the CRLF, and without
     * the empty lines a client may send before it), or an empty array once nothing is known of it.
     */
    byte[] requestLine() {
        if (line == null) {
            return new byte[0];
        }
        byte[] bytes = line.toByteArray();
        int start = 0;
        while (start < bytes.length && (bytes[start] == '\r' || bytes[start] == '\n')) {
            start++;
        }
        int end = start;
        while (end < bytes.length && bytes[end] != '\r' && bytes[end] != '\n') {
            end++;
        }
        return java.util.Arrays.copyOfRange(bytes, start, end);
    }

    /** Forgets the request line: the request is under way, and its bytes need not be kept any longer. */
    void forget() {
        line = null;
    }

    @Override
    public void reset() {
        super.reset();
        line = null; // the next request's line is kept from its first byte
    }

    /**
     * The target's bytes in the request line: between the first and the second space.
     *
     * @return null when the line does not have that shape
     */
    static byte[] target(byte[] requestLine) {
        int first = indexOf(requestLine, 0);
        int second = first < 0 ? -1 : indexOf(requestLine, first + 1);
        return second < 0 ? null : java.util.Arrays.copyOfRange(requestLine, first + 1, second);
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == ' ') {
                return i;
            }
        }
        return -1;
    }

    /**
     * The target on the wire: bytes outside ASCII percent-encoded one by one ({@code %FF} for a raw 0xFF, as the
     * Go original sends it; {@code %C3%A9} for a raw é), everything else, existing escapes included, as received.
     */
    static String wireForm(byte[] target) {
        StringBuilder out = new StringBuilder(target.length + 16);
        for (byte b : target) {
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
     * Whether these bytes are the target Jetty parsed: the same ASCII characters in the same order, and non-ASCII
     * text where it had some (Jetty's decoding of malformed UTF-8 need not match Java's, replacement for
     * replacement).
     */
    static boolean isTheTargetOf(byte[] target, String parsed) {
        StringBuilder ascii = new StringBuilder(target.length);
        boolean nonAscii = false;
        for (byte b : target) {
            if (b < 0) {
                nonAscii = true;
            } else {
                ascii.append((char) b);
            }
        }
        StringBuilder parsedAscii = new StringBuilder(parsed.length());
        boolean parsedNonAscii = false;
        for (int i = 0; i < parsed.length(); i++) {
            char c = parsed.charAt(i);
            if (c >= 0x80) {
                parsedNonAscii = true;
            } else {
                parsedAscii.append(c);
            }
        }
        return nonAscii == parsedNonAscii && ascii.toString().contentEquals(parsedAscii);
    }
}
