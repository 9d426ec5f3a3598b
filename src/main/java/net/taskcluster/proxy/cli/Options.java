package net.taskcluster.proxy.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** The command line, as picocli reads it. Values stay raw here; {@link Cli} validates them. */
@Command(
        name = "taskcluster-proxy",
        sortOptions = false,
        usageHelpWidth = 100,
        headerHeading = "",
        header = {
            "Taskcluster authentication proxy: signs the requests of a task with the worker's credentials,",
            "restricted to the given scopes (and, with --task-id, the task's scopes).",
            ""
        },
        synopsisHeading = "",
        customSynopsis = {
            "Usage:",
            "  taskcluster-proxy [options] [<scope>...]",
            "  taskcluster-proxy -h|--help",
            "  taskcluster-proxy --version",
            "  taskcluster-proxy --short-version",
            ""
        },
        optionListHeading = "Options:%n",
        parameterListHeading = "%nArguments:%n",
        footerHeading = "%n",
        footer = {
            "Environment: TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN and",
            "TASKCLUSTER_CERTIFICATE are used when the matching option is absent or empty.",
            "Durations are written like 500ms, 30s, 15m or 1h; sizes like 262144, 256k or 1m."
        })
final class Options {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--version", description = "Show the version (and git revision) and exit.")
    boolean version;

    @Option(names = "--short-version", description = "Show only the version number and exit.")
    boolean shortVersion;

    @Option(names = {"-p", "--port"}, paramLabel = "<port>", description = "Port to listen on; 0 picks a free one [default: 8080].")
    String port = "8080";

    @Option(names = {"-i", "--ip-address"}, paramLabel = "<address>",
            description = "IPv4 or IPv6 address to listen on [default: all interfaces].")
    String ipAddress;

    @Option(names = {"-t", "--task-id"}, paramLabel = "<taskId>",
            description = "Add the scopes of this task, fetched from the Queue at start-up.")
    String taskId;

    @Option(names = "--root-url", paramLabel = "<rootUrl>", description = "Root URL of the Taskcluster deployment.")
    String rootUrl;

    @Option(names = "--client-id", paramLabel = "<clientId>", description = "Client id of the credentials.")
    String clientId;

    @Option(names = "--access-token", paramLabel = "<accessToken>", description = "Access token of the credentials.")
    String accessToken;

    @Option(names = "--certificate", paramLabel = "<certificate>",
            description = "Certificate of temporary credentials (JSON).")
    String certificate;

    @Option(names = "--allowed-user", paramLabel = "<username>",
            description = "Accept connections only from this OS user's sockets (and root's).")
    String allowedUser;

    @Option(names = "--allowed-network", paramLabel = "<cidr>",
            description = "Also accept peers in this network whose socket owner cannot be seen (other network namespace); "
                    + "listens on 127.0.0.1 too.")
    String allowedNetwork;

    @Option(names = "--connect-timeout", paramLabel = "<duration>", converter = DurationConverter.class,
            description = "Time allowed to connect to the upstream, per attempt [default: 30s].")
    Duration connectTimeout = Duration.ofSeconds(30);

    @Option(names = "--idle-timeout", paramLabel = "<duration>", converter = DurationConverter.class,
            description = "An upstream attempt that moves no bytes for this long is cut [default: 2m].")
    Duration idleTimeout = Duration.ofMinutes(2);

    @Option(names = "--retry-budget", paramLabel = "<duration>", converter = DurationConverter.class,
            description = "Give up retrying a request (5xx answers, connection failures) after this long [default: 15m].")
    Duration retryBudget = Duration.ofMinutes(15);

    @Option(names = "--max-buffered-body", paramLabel = "<size>", converter = SizeConverter.class,
            description = "Request bodies up to this size are held in memory and retried; larger ones stream once "
                    + "[default: 256k].")
    int maxBufferedBody = 256 * 1024;

    @Option(names = "--shutdown-timeout", paramLabel = "<duration>", converter = DurationConverter.class,
            description = "On SIGTERM, wait this long for requests in flight [default: 10s].")
    Duration shutdownTimeout = Duration.ofSeconds(10);

    @Parameters(paramLabel = "<scope>", description = "Scopes the requests are restricted to.")
    List<String> scopes = new ArrayList<>();

    /** {@code 500ms}, {@code 30s}, {@code 15m}, {@code 1h}, or a plain number of seconds. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        private static final Pattern FORM = Pattern.compile("([0-9]{1,9})(ms|s|m|h)?");

        @Override
        public Duration convert(String value) {
            Matcher m = FORM.matcher(value.trim().toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                throw new TypeConversionException("'" + value + "' is not a duration (such as 500ms, 30s, 15m or 1h)");
            }
            long amount = Long.parseLong(m.group(1));
            return switch (m.group(2) == null ? "s" : m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofSeconds(amount);
            };
        }
    }

    /** A number of bytes, optionally with a binary suffix: {@code k} or {@code m}. */
    static final class SizeConverter implements ITypeConverter<Integer> {
        private static final Pattern FORM = Pattern.compile("([0-9]{1,9})([km])?");

        @Override
        public Integer convert(String value) {
            Matcher m = FORM.matcher(value.trim().toLowerCase(Locale.ROOT));
            long bytes = m.matches() ? Long.parseLong(m.group(1)) << ("k".equals(m.group(2)) ? 10 : "m".equals(m.group(2)) ? 20 : 0) : -1;
            if (bytes < 0 || bytes > 64L << 20) {
                throw new TypeConversionException("'" + value + "' is not a size between 0 and 64m");
            }
            return (int) bytes;
        }
    }
}
