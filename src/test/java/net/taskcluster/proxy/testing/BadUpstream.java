package net.taskcluster.proxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream that misbehaves on purpose, chosen by the last segment of the path (/api/bad/v1/<behaviour>):
 * <ul>
 *   <li>{@code reset-before-status}: reads the request, then resets the connection before answering;
 *   <li>{@code reset-mid-body}: promises 100,000 bytes, sends 1,000, then resets;
 *   <li>{@code garbage}: answers with something that is not HTTP;
 *   <li>{@code unavailable}: 503 with Retry-After: 1, every time;
 *   <li>{@code silent}: never answers;
 *   <li>{@code ok}: 200, a small JSON body (connections are kept alive).
 * </ul>
 */
public final class BadUpstream implements AutoCloseable {
    private final ServerSocket server;
    private final AtomicInteger requests = new AtomicInteger();

    public BadUpstream() throws IOException {
        server = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
        ScriptedUpstream.acceptEach(server, "bad-upstream", this::serve);
    }

    public String rootUrl() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    public int requests() {
        return requests.get();
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                requests.incrementAndGet();
                skipBody(in, head);
                String target = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
                String behaviour = target.substring(target.lastIndexOf('/') + 1);
                switch (behaviour) {
                    case "reset-before-status" -> {
                        socket.setSoLinger(true, 0);
                        return;
                    }
                    case "reset-mid-body" -> {
                        out.write("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                        out.write(new byte[1000]);
                        out.flush();
                        socket.setSoLinger(true, 0);
                        return;
                    }
                    case "garbage" -> {
                        out.write("SSH-2.0-OpenSSH_9.2\r\nthis is not HTTP\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        return;
                    }
                    case "unavailable" -> write(out, "503 Service Unavailable", "Retry-After: 1\r\n", "{\"code\":\"Unavailable\"}");
                    case "silent" -> {
                        in.transferTo(OutputStream.nullOutputStream()); // until the proxy gives up
                        return;
                    }
                    default -> write(out, "200 OK", "", "{\"ok\":true}");
                }
            }
        } catch (IOException e) {
            // the proxy went away: fine
        }
    }

    private static void write(OutputStream out, String status, String headers, String body) throws IOException {
        out.write(("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\n" + headers + "Content-Length: "
                + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            head.append((char) c);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                return head.toString();
            }
        }
        return null;
    }

    private static void skipBody(InputStream in, String head) throws IOException {
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                in.skipNBytes(Long.parseLong(line.substring(15).trim()));
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
