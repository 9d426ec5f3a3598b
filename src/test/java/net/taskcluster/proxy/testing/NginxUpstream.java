package net.taskcluster.proxy.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import net.taskcluster.proxy.peer.SystemUsers;

/**
 * Debian's nginx as an https upstream speaking HTTP/2 (and HTTP/1.1 to clients that do not offer h2), started by a
 * test with a configuration of its own in a directory of its own (pid, temporary files, logs), on a free port of
 * 127.0.0.1. Its access log says, for every request, which connection served it, whether that connection's TLS
 * session was resumed, and in which protocol: what tests count connections and handshakes with.
 */
public final class NginxUpstream implements AutoCloseable {
    private final Process process;
    private final Path directory;
    private final int port;

    /** One line of the access log. {@code connection} is nginx's serial number of the connection. */
    public record Logged(long connection, int connectionRequests, boolean sessionReused, String protocol, int status,
            String method, String uri) {}

    private NginxUpstream(Process process, Path directory, int port) {
        this.process = process;
        this.directory = directory;
        this.port = port;
    }

    /**
     * @param locations the {@code location} blocks of the one server, which may use {@code @DIR@} for the directory
     */
    public static NginxUpstream startHttps(Path directory, TestCa.Pem pem, String locations) throws Exception {
        Files.createDirectories(directory);
        int port = Http.freePort();
        String conf = """
                %s
                worker_processes 1;
                daemon off;
                pid @DIR@/nginx.pid;
                error_log @DIR@/error.log warn;
                events { worker_connections 1024; }
                http {
                  log_format counted '$connection $connection_requests $ssl_session_reused $server_protocol $status $request_method $request_uri';
                  access_log @DIR@/access.log counted;
                  default_type application/octet-stream;
                  sendfile on;
                  keepalive_timeout 300s;
                  keepalive_requests 100000;
                  client_body_temp_path @DIR@/body;
                  proxy_temp_path @DIR@/proxy;
                  fastcgi_temp_path @DIR@/fastcgi;
                  uwsgi_temp_path @DIR@/uwsgi;
                  scgi_temp_path @DIR@/scgi;
                  server {
                    listen 127.0.0.1:%d ssl http2;
                    ssl_certificate %s;
                    ssl_certificate_key %s;
                %s
                  }
                }
                """.formatted(SystemUsers.currentUid() == 0 ? "user root;" : "", port, pem.chain(), pem.key(), locations)
                .replace("@DIR@", directory.toString());
        Path file = Files.writeString(directory.resolve("nginx.conf"), conf);
        Process process = new ProcessBuilder("nginx", "-p", directory.toString(), "-e", directory.resolve("error.log").toString(),
                "-c", file.toString()).redirectErrorStream(true).redirectOutput(directory.resolve("nginx.out").toFile()).start();
        NginxUpstream nginx = new NginxUpstream(process, directory, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Http.isListening(port)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                nginx.close();
                throw new IllegalStateException("nginx did not start: " + nginx.errors());
            }
            Thread.sleep(20);
        }
        return nginx;
    }

    public int port() {
        return port;
    }

    /** Every request logged so far, in order. */
    public List<Logged> accessLog() throws IOException {
        Path log = directory.resolve("access.log");
        if (!Files.exists(log)) {
            return List.of();
        }
        return Files.readAllLines(log).stream().filter(l -> !l.isBlank()).map(line -> {
            String[] f = line.split(" ");
            return new Logged(Long.parseLong(f[0]), Integer.parseInt(f[1]), f[2].equals("r"), f[3], Integer.parseInt(f[4]), f[5], f[6]);
        }).toList();
    }

    /**
     * The logged requests that {@code wanted} accepts, once there are {@code count} of them. nginx writes a line
     * after the answer's last byte has gone, so a caller that has its answer may look before the line is there.
     */
    public List<Logged> awaitLogged(Predicate<Logged> wanted, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<Logged> found = accessLog().stream().filter(wanted).toList();
            if (found.size() >= count || System.nanoTime() > deadline) {
                return found;
            }
            Thread.sleep(10);
        }
    }

    /** Forgets the requests logged so far. */
    public void clearAccessLog() throws IOException {
        Files.writeString(directory.resolve("access.log"), ""); // nginx appends at its own offset: O_APPEND
    }

    private String errors() {
        try {
            return Files.readString(directory.resolve("error.log")) + Files.readString(directory.resolve("nginx.out"));
        } catch (IOException e) {
            return "(no error log)";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
