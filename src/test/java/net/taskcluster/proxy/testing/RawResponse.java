package net.taskcluster.proxy.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** An HTTP/1.1 response read off a raw socket (one response, connection closed by the request). */
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
}
