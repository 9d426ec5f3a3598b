package net.taskcluster.proxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Everything secret the suite hands to, or gets from, a proxy (access tokens, bewit values), written down so that
 * LogAuditIT can check, at the end of the run, that none of it appears in anything a proxy printed.
 */
public final class Secrets {
    /** target/proxy-logs, or where -Dproxy.logs says (the native run keeps its logs apart: pom.xml). */
    public static final Path LOG_DIRECTORY = Path.of(System.getProperty("proxy.logs",
            Path.of(System.getProperty("user.dir"), "target", "proxy-logs").toString()));
    private static final Path FILE = LOG_DIRECTORY.resolve("secrets.txt");

    private Secrets() {}

    public static synchronized void register(String secret) {
        if (secret == null || secret.length() < 8) {
            throw new IllegalArgumentException("a secret worth checking for has 8 characters or more");
        }
        try {
            Files.createDirectories(LOG_DIRECTORY);
            Files.writeString(FILE, secret + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<String> all() throws IOException {
        return Files.exists(FILE) ? Files.readAllLines(FILE, StandardCharsets.UTF_8) : List.of();
    }
}
