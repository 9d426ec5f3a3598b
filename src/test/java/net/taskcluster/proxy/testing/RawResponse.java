package net.taskcluster.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Assertions;

/**
 * An HTTP/1.1 response read off a raw socket: the one answer of a connection the request closed ({@link #parse}),
 * or the next answer on a connection that stays open ({@link #read}).
 */
public record RawResponse(int status, List<String[]> headers, String body) {

    public static RawResponse parse(String raw) {
        int end = raw.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new AssertionError("not an HTTP response: " + raw);
        }
        String[] lines = raw.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        List<String[]> headers = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.add(new String[] {lines[i].substring(0, colon), lines[i].substring(colon + 1).trim()});
        }
        return new RawResponse(status, headers, raw.substring(end + 4));
    }

    /**
     * Reads exactly one response (a 1xx one too: it has no body) from the stream, its body framed by Content-Length,
     * by chunked transfer coding, or else by the end of the stream; null if the stream ends before its first byte.
     */
    public static RawResponse read(InputStream in) throws IOException {
        String head = readHead(in);
        if (head == null) {
            return null;
        }
        RawResponse response = parse(head);
        String transferEncoding = response.header("Transfer-Encoding");
        String contentLength = response.header("Content-Length");
        byte[] body;
        if (response.status / 100 == 1 || response.status == 204 || response.status == 304) {
            body = new byte[0];
        } else if (transferEncoding != null && transferEncoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            body = readChunked(in);
        } else if (contentLength != null) {
            body = in.readNBytes(Integer.parseInt(contentLength));
            if (body.length < Integer.parseInt(contentLength)) {
                throw new EOFException("the stream ended inside a body of " + contentLength + " bytes");
            }
        } else {
            body = in.readAllBytes();
        }
        return new RawResponse(response.status, response.headers, new String(body, StandardCharsets.UTF_8));
    }

    /** The head of a response (its status line and headers, up to the blank line); null if the stream ends first. */
    public static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                if (head.isEmpty()) {
                    return null;
                }
                throw new EOFException("the stream ended inside a response head: " + head);
            }
            head.append((char) c);
        }
        return head.toString();
    }

    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine(in);
            int semicolon = sizeLine.indexOf(';');
            int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            if (size == 0) {
                while (!readLine(in).isEmpty()) {
                    // trailers: none expected, none kept
                }
                return body.toByteArray();
            }
            byte[] chunk = in.readNBytes(size);
            if (chunk.length < size) {
                throw new EOFException("the stream ended inside a chunk");
            }
            body.writeBytes(chunk);
            readLine(in);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new EOFException("the stream ended inside a chunked body");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    /**
     * Sends {@code METHOD target} with Connection: close, plus any extra header lines, and a Host header
     * ({@code taskcluster}, as tasks call the proxy, unless a line gives another).
     */
    public static RawResponse request(int port, String method, String target, String... headerLines) {
        return withBody(port, method, target, null, headerLines);
    }

    /** As {@link #request}, with a body and its Content-Length. */
    public static RawResponse withBody(int port, String method, String target, String body, String... headerLines) {
        StringBuilder request = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        if (java.util.Arrays.stream(headerLines).noneMatch(line -> line.regionMatches(true, 0, "Host:", 0, 5))) {
            request.append("Host: taskcluster\r\n");
        }
        for (String line : headerLines) {
            request.append(line).append("\r\n");
        }
        if (body != null) {
            request.append("Content-Length: ").append(body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).append("\r\n");
        }
        request.append("Connection: close\r\n\r\n");
        if (body != null) {
            request.append(body);
        }
        return parse(Http.raw(port, request.toString()));
    }

    public List<String> values(String name) {
        List<String> values = new ArrayList<>();
        for (String[] header : headers) {
            if (header[0].toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                values.add(header[1]);
            }
        }
        return values;
    }

    public String header(String name) {
        List<String> values = values(name);
        return values.isEmpty() ? null : values.get(0);
    }

    /** Asserts a {@code status} answer whose body says each of {@code phrases}; returns it, for more checks. */
    public RawResponse assertAnswers(int status, String... phrases) {
        Assertions.assertEquals(status, this.status, body);
        for (String phrase : phrases) {
            Assertions.assertTrue(body.contains(phrase), body);
        }
        return this;
    }
}
