package net.taskcluster.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.cli.Option;
import org.junit.jupiter.api.Test;

/** The README's option tables say what --help says: every option, and every default. */
class ReadmeOptionsTest {
    private static final Pattern LONG_OPTION = Pattern.compile("(?<![\\w-])(--[a-z][a-z0-9-]+)");
    private static final Pattern HELP_DEFAULT = Pattern.compile("\\[default: ([^\\]]+)\\]");

    private static String usageSection() throws IOException {
        String readme = Files.readString(Path.of(System.getProperty("user.dir"), "README.md"));
        int start = readme.indexOf("\n## Usage");
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start, end);
    }

    @Test
    void everyOptionOfTheHelpIsInTheReadme() throws IOException {
        TreeSet<String> documented = new TreeSet<>();
        Matcher m = LONG_OPTION.matcher(usageSection());
        while (m.find()) {
            documented.add(m.group(1));
        }
        TreeSet<String> options = new TreeSet<>();
        for (Option option : Options.ALL.getOptions()) {
            options.add("--" + option.getLongOpt());
        }
        options.removeAll(documented);
        assertTrue(options.isEmpty(), "options missing from the README's Usage section: " + options);
    }

    @Test
    void theReadmesDefaultsAreTheHelpsDefaults() throws IOException {
        Map<String, String> help = new TreeMap<>();
        for (Option option : Options.ALL.getOptions()) {
            Matcher m = HELP_DEFAULT.matcher(option.getDescription());
            if (m.find() && !m.group(1).contains(" ")) {
                help.put("--" + option.getLongOpt(), m.group(1));
            }
        }
        Map<String, String> readme = new TreeMap<>();
        // Rows of the form: | `--name <value>` | `default` | meaning |, or "default X" in the meaning.
        Pattern row = Pattern.compile("^\\| `(--[a-z0-9-]+)[^|]*\\|(?: `([^`]+)` \\|)?(.*)$", Pattern.MULTILINE);
        Matcher m = row.matcher(usageSection().replaceAll("`-[a-z]`, ", ""));
        while (m.find()) {
            String value = m.group(2);
            if (value == null) {
                Matcher inline = Pattern.compile("default (\\S+?)[;,.]? ").matcher(m.group(3));
                value = inline.find() ? inline.group(1) : null;
            }
            if (value != null && help.containsKey(m.group(1))) {
                readme.put(m.group(1), value);
            }
        }
        assertEquals(help, readme);
    }
}
