package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import net.taskcluster.proxy.testing.Secrets;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other end-to-end test (its own failsafe execution): nothing any proxy printed during the suite
 * contains an access token or a bewit value, and no line holds a character that could forge or hide a line: a
 * control character (CR, ESC, ...; a tab only where Jetty indents a stack frame), a line or paragraph separator, a
 * bidirectional override, or the replacement character of bytes that were not UTF-8. Caller-controlled text is
 * escaped before it is logged. Nor does a line hold an object's toString (Jetty's connection dumps): failures are
 * told in short phrases.
 */
class LogAuditIT {
    private static final Pattern BEWIT = Pattern.compile("bewit=([^&\\s#]*)");
    /** What a Java object's default toString looks like (HttpConnectionOverHTTP@6c50554b): never a failure's words. */
    private static final Pattern OBJECT_DUMP = Pattern.compile("[A-Za-z]@[0-9a-f]{6,8}\\b");
    /**
     * What the native executable prints when it reaches code it was built without: one of the HotSpot stubs of
     * its libjvm.so (which then aborts the proxy), a method the builder left out, or (in an audit build,
     * TCP_NATIVE_AUDIT=1) a reflective or resource access the reachability metadata lacks. A test run in which no
     * proxy printed any shows that the suite reached none.
     */
    private static final Pattern NATIVE_GAP = Pattern.compile("is not implemented \\(libjvm\\.so stub\\)|UnsupportedFeatureError"
            + "|Unsupported method|Missing[A-Za-z]*RegistrationError|would be thrown when");

    /** The start of a line of the log, as opposed to a line of the native executable's thread dump. */
    private static final Pattern LOG_LINE = Pattern.compile("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}:");

    @Test
    void noAccessTokenAndNoBewitAppearsInAnyProxyLog() throws Exception {
        List<String> secrets = Secrets.all();
        List<Path> logs;
        try (Stream<Path> files = Files.list(Secrets.LOG_DIRECTORY)) {
            logs = files.filter(p -> p.getFileName().toString().startsWith("proxy-")).toList();
        }
        assertTrue(secrets.size() >= 20, "the suite registered its secrets: " + secrets.size());
        assertTrue(logs.size() >= 20, "the suite's proxies left their logs: " + logs.size());
        List<String> leaks = new ArrayList<>();
        long lines = 0;
        for (Path log : logs) {
            boolean inThreadDump = false;
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                lines++;
                inThreadDump = startsThreadDump(line) || inThreadDump && !LOG_LINE.matcher(line).lookingAt();
                for (String secret : secrets) {
                    if (line.contains(secret)) {
                        leaks.add(log.getFileName() + ": a registered secret: " + line.replace(secret, "<SECRET>"));
                    }
                }
                String unescaped = unescapedCharacter(line);
                if (unescaped != null) {
                    leaks.add(log.getFileName() + ": an unescaped " + unescaped + ": " + line.replaceAll("[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\ufffd]", "?"));
                }
                if (NATIVE_GAP.matcher(line).find()) {
                    leaks.add(log.getFileName() + ": the native executable reached code it lacks: " + line);
                }
                if (!inThreadDump && OBJECT_DUMP.matcher(line).find()) {
                    leaks.add(log.getFileName() + ": a dump of an object's toString instead of a phrase: " + line);
                }
                Matcher bewit = BEWIT.matcher(line);
                while (bewit.find()) {
                    if (!bewit.group(1).equals("REDACTED")) {
                        leaks.add(log.getFileName() + ": a bewit value: " + line);
                    }
                }
            }
        }
        assertTrue(lines > 200, "the logs have lines: " + lines);
        assertTrue(leaks.isEmpty(), leaks.size() + " leaks, first: " + (leaks.isEmpty() ? "" : leaks.get(0)));
        System.out.printf("audited %d lines in %d proxy logs against %d secrets%n", lines, logs.size(), secrets.size());
    }

    /**
     * Whether the line starts the thread dump that the native executable prints on stderr at SIGQUIT (ThreadDumpIT).
     * Its lines, up to the next log line, are checked like any other, except for toStrings: Jetty's acceptor threads
     * have one in their names.
     */
    static boolean startsThreadDump(String line) {
        return line.equals("Full thread dump:");
    }

    /** The first character of the line that no log line may hold raw, described; null when there is none. */
    static String unescapedCharacter(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\t' && line.substring(0, i).isBlank()) {
                continue; // the indentation of a stack frame
            }
            int type = Character.getType(c);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || c == 0xfffd) {
                return String.format("U+%04X at %d", (int) c, i);
            }
        }
        return null;
    }
}
