package net.taskcluster.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The build's version and git revision, stamped into version.properties by Maven. */
public record Version(String version, String revision) {
    public static final Version CURRENT = load();

    private static Version load() {
        Properties properties = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String revision = properties.getProperty("revision", "");
        if (revision.startsWith("${")) {
            revision = ""; // not filtered: built outside Maven
        }
        return new Version(properties.getProperty("version", "unknown"), revision);
    }

    public boolean hasRevision() {
        return !revision.isEmpty();
    }

    /** {@code Taskcluster proxy <version>}, plus the git revision when it is known. */
    public String describe() {
        return "Taskcluster proxy " + version + (hasRevision() ? " (git revision " + revision + ")" : "");
    }
}
