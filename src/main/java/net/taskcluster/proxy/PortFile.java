package net.taskcluster.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * --port-file: the port the proxy listens on, for a launcher to read instead of parsing the log (with --port 0,
 * the port the kernel chose). Prepared before anything listens, so that a path that cannot be written is a
 * start-up error; published once every listener is open, atomically (a temporary file in the same directory,
 * renamed), so a reader never sees it half-written; removed when the proxy stops cleanly.
 */
final class PortFile {
    private final Path path;
    private final Path temporary;

    private PortFile(Path path, Path temporary) {
        this.path = path;
        this.temporary = temporary;
    }

    /** Creates the temporary file beside {@code path}; fails if that directory cannot be written to. */
    static PortFile prepare(Path path) throws IOException {
        Path directory = path.toAbsolutePath().getParent();
        return new PortFile(path, Files.createTempFile(directory, "." + path.getFileName() + ".", ".tmp"));
    }

    /** Writes the port (digits and a newline) and moves the file into place. */
    void publish(int port) throws IOException {
        Files.writeString(temporary, port + "\n", StandardCharsets.US_ASCII);
        Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Removes the file (and the temporary one, if it was never published). */
    void remove() {
        try {
            Files.deleteIfExists(temporary);
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // the proxy is stopping: a port file left behind names a port nobody listens on, and is overwritten next time
        }
    }
}
