package net.taskcluster.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An upstream on 127.0.0.1 that keeps every request head exactly as received (bytes, not a parsed form) and
 * answers each with what the test's script writes on the raw socket: heads of any size, bodies at any pace. One
 * request per connection (the script's answer should say {@code Connection: close}, or be complete).
 */
public final class ScriptedUpstream implements AutoCloseable {
    /** One request as received: its head's bytes, up to the empty line. */
    public record Received(byte[] head) {
        /** The request line, bytes as ISO-8859-1 characters (so each byte is one character). */
        public String requestLine() {
            String text = new String(head, StandardCharsets.ISO_8859_1);
            return text.substring(0, text.indexOf("\r\n"));
        }

        /** The target of the request line, bytes as ISO-8859-1 characters. */
        public String target() {
            String line = requestLine();
            return line.substring(line.indexOf(' ') + 1, line.lastIndexOf(' '));
        }

        /** The first value of a header (name in any case), or null. */
        public String header(String name) {
            for (String line : new String(head, StandardCharsets.ISO_8859_1).split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    /** What the upstream does with a request: writes an answer (or nothing) on the connection. */
    @FunctionalInterface
    public interface Script {
        void answer(Received request, OutputStream out) throws IOException, InterruptedException;
    }

    private final ServerSocket server;
    private final Script script;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    public ScriptedUpstream(Script script) throws IOException {
        this.script = script;
        this.server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        acceptEach(server, "scripted-upstream", this::serve);
    }

    public String rootUrl() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Every request received so far, in order. */
    public List<Received> received() {
        return List.copyOf(received);
    }

    /** Accepts connections until the server socket closes, each served in a virtual thread of its own. */
    static void acceptEach(ServerSocket server, String name, java.util.function.Consumer<Socket> serve) {
        Thread.ofPlatform().daemon().name(name).start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    Thread.ofVirtual().start(() -> serve.accept(socket));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int c;
            int last4 = 0;
            while ((c = in.read()) >= 0) {
                head.write(c);
                last4 = (last4 << 8) | c;
                if (last4 == 0x0d0a0d0a) {
                    Received request = new Received(head.toByteArray());
                    received.add(request);
                    String length = request.header("Content-Length");
                    if (length != null) {
                        in.skipNBytes(Long.parseLong(length));
                    }
                    OutputStream out = socket.getOutputStream();
                    script.answer(request, out);
                    out.flush();
                    return;
                }
            }
        } catch (IOException e) {
            // the proxy went away: fine
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A complete answer: status line, these header lines, a Content-Length and the body. */
    public static byte[] answer(String status, String headerLines, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return ("HTTP/1.1 " + status + "\r\n" + headerLines + "Content-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n"
                + body).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
