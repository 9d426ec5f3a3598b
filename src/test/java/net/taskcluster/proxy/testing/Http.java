package net.taskcluster.proxy.testing;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Assertions;

/** HTTP for the tests: a plain HTTP/1.1 client that follows no redirects, and raw requests over a socket. */
public final class Http {
    public static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private Http() {}

    public static HttpResponse<String> get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).build());
    }

    public static HttpResponse<String> send(String method, String url, String body) {
        return send(HttpRequest.newBuilder(URI.create(url))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    public static HttpResponse<String> send(HttpRequest request) {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * GETs {@code url} and asserts that the answer begins (200, this Content-Length) and that reading its body
     * fails: a body cut short must never look complete.
     */
    public static void assertBodyCutShort(String url, String contentLength) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = CLIENT.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        Assertions.assertEquals(200, response.statusCode());
        Assertions.assertEquals(contentLength, response.headers().firstValue("Content-Length").orElseThrow());
        Assertions.assertThrows(IOException.class, () -> {
            try (InputStream body = response.body()) {
                body.readAllBytes();
            }
        }, "a body cut short never looks complete");
    }

    /** GETs {@code url} and asserts a 200 whose body, read as it streams, is the first {@code length} bytes of the pattern. */
    public static void assertPatternDownload(String url, long length) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = CLIENT.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        Assertions.assertEquals(200, response.statusCode());
        try (InputStream body = response.body()) {
            Assertions.assertTrue(Pattern.isPattern(body, length), "the body is the pattern's first " + length + " bytes");
        }
    }

    /** PUTs the first {@code length} bytes of the pattern, streamed, with their Content-Length; returns the answer. */
    public static HttpResponse<String> putPattern(String url, long length) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(url))
                .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> Pattern.stream(length)), length))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    public static Map<String, Object> json(HttpResponse<String> response) {
        try {
            return JSON.std.mapFrom(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    /** Sends the bytes as they are and reads until the server closes; returns everything received. */
    public static String raw(int port, String request) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether something accepts TCP connections on 127.0.0.1:port. */
    public static boolean isListening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port that was free a moment ago. */
    public static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
