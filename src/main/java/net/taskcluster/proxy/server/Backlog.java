package net.taskcluster.proxy.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The listen backlog Go's net package uses on Linux: the kernel's net.core.somaxconn. */
final class Backlog {
    private static final int FALLBACK = 4096; // the kernel's default since Linux 5.4

    private Backlog() {}

    static int somaxconn() {
        try {
            // One line (Files.readString reads a /proc file, whose size is given as 0, only partly).
            int value = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/core/somaxconn")).get(0).strip());
            return value > 0 ? value : FALLBACK;
        } catch (IOException | RuntimeException e) {
            return FALLBACK;
        }
    }
}
