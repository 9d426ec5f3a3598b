package net.taskcluster.proxy.peer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** OS users, by name and by uid. */
public final class SystemUsers {
    private SystemUsers() {}

    /**
     * The uid of a user name: from /etc/passwd, else from {@code getent passwd} (which also asks LDAP and the
     * like).
     *
     * @throws IllegalArgumentException when there is no such user
     */
    public static int uidOf(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"), StandardCharsets.UTF_8)) {
                Integer uid = uidField(line, name);
                if (uid != null) {
                    return uid;
                }
            }
            Process getent = new ProcessBuilder("getent", "passwd", name).redirectErrorStream(true).start();
            String output = new String(getent.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (getent.waitFor(10, TimeUnit.SECONDS) && getent.exitValue() == 0) {
                Integer uid = uidField(output, name);
                if (uid != null) {
                    return uid;
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot look up user \"" + name + "\": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IllegalArgumentException("unknown user \"" + name + "\"");
    }

    /** The uid this process runs as. */
    public static int currentUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            throw new IllegalStateException("cannot tell which user this process runs as", e);
        }
    }

    private static Integer uidField(String passwdLine, String name) {
        String[] fields = passwdLine.split(":", -1);
        if (fields.length >= 3 && fields[0].equals(name)) {
            try {
                return Integer.parseInt(fields[2]);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }
}
