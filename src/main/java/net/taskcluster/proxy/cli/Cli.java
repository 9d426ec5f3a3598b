package net.taskcluster.proxy.cli;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.taskcluster.proxy.Version;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.auth.InvalidCredentialsException;
import net.taskcluster.proxy.config.Config;
import net.taskcluster.proxy.config.EgressProxies;
import net.taskcluster.proxy.config.Listen;
import net.taskcluster.proxy.config.Timeouts;
import net.taskcluster.proxy.config.UpstreamHttp;
import net.taskcluster.proxy.forward.MemoryBudget;
import net.taskcluster.proxy.peer.AllowedPeers;
import net.taskcluster.proxy.peer.Cidr;
import net.taskcluster.proxy.peer.IpLiteral;
import net.taskcluster.proxy.peer.SystemUsers;
import net.taskcluster.proxy.routing.Target;
import org.apache.commons.cli.AmbiguousOptionException;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.MissingArgumentException;
import org.apache.commons.cli.ParseException;
import org.apache.commons.cli.UnrecognizedOptionException;

/**
 * Reads the command line and the environment into a {@link Config}, with the conventions of the original's docopt
 * parser: {@code --opt value} and {@code --opt=value}, {@code -p80}, options between scopes, {@code --}, and
 * unambiguous prefixes of long options.
 *
 * <p>The parser is Apache Commons CLI. (Picocli was the first choice; its classes are Java 5 class files, which
 * the JDK's AOT cache cannot hold, so every start verified and loaded them anew: 60 ms of a 500 ms start.)
 */
public final class Cli {
    private Cli() {}

    public static Invocation parse(String[] args, Map<String, String> env) throws UsageException {
        CommandLine options;
        try {
            options = Options.parser().parse(Options.ALL, args, false);
        } catch (AmbiguousOptionException e) {
            throw new UsageException("option " + e.getOption() + " is ambiguous: it may be --"
                    + String.join(" or --", e.getMatchingOptions()));
        } catch (UnrecognizedOptionException e) {
            // Name only the option, never its value: a mistyped --acess-token=... would otherwise print the token.
            String option = e.getOption();
            int eq = option.indexOf('=');
            throw new UsageException("unknown option " + (eq < 0 ? option : option.substring(0, eq)));
        } catch (MissingArgumentException e) {
            throw new UsageException("option --" + e.getOption().getLongOpt() + " needs a value");
        } catch (ParseException e) {
            throw new UsageException(e.getMessage());
        }
        if (options.hasOption(Options.HELP)) {
            return new Invocation.Print(Options.help());
        }
        if (options.hasOption(Options.VERSION)) {
            return new Invocation.Print(Version.CURRENT.describe() + System.lineSeparator());
        }
        if (options.hasOption(Options.SHORT_VERSION)) {
            return new Invocation.Print(Version.CURRENT.version() + System.lineSeparator());
        }
        return new Invocation.Run(validate(options, env));
    }

    // In the original's order: port and address first, then the root URL and the credentials.
    private static Config validate(CommandLine o, Map<String, String> env) throws UsageException {
        int port = port(value(o, Options.PORT, Defaults.PORT));
        Duration connectTimeout = positive(duration(o, Options.CONNECT_TIMEOUT, Defaults.CONNECT_TIMEOUT));
        Duration idleTimeout = positive(duration(o, Options.IDLE_TIMEOUT, Defaults.IDLE_TIMEOUT));
        Duration retryBudget = duration(o, Options.RETRY_BUDGET, Defaults.RETRY_BUDGET);
        Duration shutdownTimeout = duration(o, Options.SHUTDOWN_TIMEOUT, Defaults.SHUTDOWN_TIMEOUT);
        int maxBufferedBody = size(o, Options.MAX_BUFFERED_BODY, Defaults.MAX_BUFFERED_BODY);
        long bodyBudget = MemoryBudget.forHeap(Runtime.getRuntime().maxMemory());
        if (maxBufferedBody > bodyBudget) {
            throw new UsageException("--" + Options.MAX_BUFFERED_BODY + ": " + value(o, Options.MAX_BUFFERED_BODY, Defaults.MAX_BUFFERED_BODY)
                    + " cannot fit the " + (bodyBudget >> 10) + "k that all held request bodies share (a quarter of the"
                    + " heap; a larger -Xmx in TASKCLUSTER_PROXY_JAVA_OPTS raises it)");
        }
        String ipAddress = value(o, Options.IP_ADDRESS, null);
        InetAddress bindAddress = null;
        if (ipAddress != null && !ipAddress.isEmpty()) {
            bindAddress = checked(() -> IpLiteral.parse(ipAddress));
        }
        String rootUrl = orEnv(value(o, Options.ROOT_URL, null), env, "TASKCLUSTER_ROOT_URL");
        if (rootUrl == null) {
            throw new UsageException("--root-url (or TASKCLUSTER_ROOT_URL) is required");
        }
        Target root = rootUrl(rootUrl);
        String clientId = orEnv(value(o, Options.CLIENT_ID, null), env, "TASKCLUSTER_CLIENT_ID");
        if (clientId == null) {
            throw new UsageException("--client-id (or TASKCLUSTER_CLIENT_ID) is required");
        }
        String accessToken = orEnv(value(o, Options.ACCESS_TOKEN, null), env, "TASKCLUSTER_ACCESS_TOKEN");
        if (accessToken == null) {
            throw new UsageException("--access-token (or TASKCLUSTER_ACCESS_TOKEN) is required");
        }
        Credentials credentials;
        try {
            credentials = Credentials.of(clientId, accessToken,
                    orEnv(value(o, Options.CERTIFICATE, null), env, "TASKCLUSTER_CERTIFICATE"));
        } catch (InvalidCredentialsException e) {
            throw new UsageException("invalid --certificate (or TASKCLUSTER_CERTIFICATE): " + e.getMessage());
        }
        String taskId = value(o, Options.TASK_ID, null);
        taskId = taskId == null || taskId.isEmpty() ? null : taskId;
        if (taskId != null && !taskId.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new UsageException("--task-id \"" + taskId + "\" is not a task id");
        }
        AllowedPeers allowedPeers = allowedPeers(value(o, Options.ALLOWED_USER, null), value(o, Options.ALLOWED_NETWORK, null));
        List<String> scopes = o.getArgList();
        for (String scope : scopes) {
            if (!scope.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)) {
                throw new UsageException("scope \"" + scope.replaceAll("[^\\x20-\\x7e]", "?") + "\" has characters outside printable ASCII");
            }
        }
        String portFile = value(o, Options.PORT_FILE, null);
        EgressProxies egress = checked(() -> EgressProxies.fromEnvironment(env));
        String upstreamHttp = value(o, Options.UPSTREAM_HTTP, Defaults.UPSTREAM_HTTP);
        UpstreamHttp http;
        try {
            http = UpstreamHttp.parse(upstreamHttp);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + Options.UPSTREAM_HTTP + ": " + e.getMessage());
        }
        return new Config(new Listen(bindAddress, port), root, credentials, scopes, taskId, allowedPeers,
                new Timeouts(connectTimeout, idleTimeout, retryBudget, shutdownTimeout), maxBufferedBody,
                bool(o, Options.RETRY_429, Defaults.RETRY_429), portFile == null || portFile.isEmpty() ? null : Path.of(portFile),
                egress, http);
    }

    /** An option's value; when it is given more than once, the last one counts (as with the original). */
    private static String value(CommandLine o, String option, String otherwise) {
        String[] values = o.getOptionValues(option);
        return values == null || values.length == 0 ? otherwise : values[values.length - 1];
    }

    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)?");
    private static final Pattern SIZE = Pattern.compile("([0-9]{1,9})([km])?");

    /** {@code 500ms}, {@code 30s}, {@code 15m}, {@code 1h}, or a plain number of seconds. */
    private static Duration duration(CommandLine o, String option, String otherwise) throws UsageException {
        String value = value(o, option, otherwise);
        Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new UsageException("--" + option + ": '" + value + "' is not a duration (such as 500ms, 30s, 15m or 1h)");
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofSeconds(amount);
        };
    }

    private static boolean bool(CommandLine o, String option, String otherwise) throws UsageException {
        String value = value(o, option, otherwise).trim().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new UsageException("--" + option + ": '" + value + "' is not true or false");
        };
    }

    /** A number of bytes, optionally with a binary suffix, {@code k} or {@code m}; at most 64m. */
    private static int size(CommandLine o, String option, String otherwise) throws UsageException {
        String value = value(o, option, otherwise);
        Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
        long bytes = m.matches() ? Long.parseLong(m.group(1)) << ("k".equals(m.group(2)) ? 10 : "m".equals(m.group(2)) ? 20 : 0) : -1;
        if (bytes < 0 || bytes > 64L << 20) {
            throw new UsageException("--" + option + ": '" + value + "' is not a size between 0 and 64m");
        }
        return (int) bytes;
    }

    private static AllowedPeers allowedPeers(String allowedUser, String allowedNetwork) throws UsageException {
        String user = allowedUser == null || allowedUser.isEmpty() ? null : allowedUser;
        Cidr network = null;
        if (allowedNetwork != null && !allowedNetwork.isEmpty()) {
            network = checked(() -> Cidr.parse(allowedNetwork));
            if (user == null) {
                throw new UsageException("--allowed-network needs --allowed-user (it admits peers whose owner cannot be seen)");
            }
        }
        if (user == null) {
            return null;
        }
        return new AllowedPeers(user, checked(() -> SystemUsers.uidOf(user)), network);
    }

    private static int port(String text) throws UsageException {
        long port;
        try {
            port = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("port \"" + text + "\" is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new UsageException("port " + port + " is not in range [0,65535]");
        }
        return (int) port;
    }

    private static Target rootUrl(String rootUrl) throws UsageException {
        Target root;
        try {
            root = Target.parse(rootUrl);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--root-url \"" + rootUrl + "\" is not an absolute http(s) URL");
        }
        if (root.rawQuery() != null) {
            throw new UsageException("--root-url \"" + rootUrl + "\" must not have a query");
        }
        // The lib-urls rule: every trailing slash of the root URL goes.
        String path = root.rawPath().replaceAll("/+$", "");
        return new Target(root.scheme(), root.host(), root.port(), path, null);
    }

    private static Duration positive(Duration d) throws UsageException {
        if (d.isZero() || d.isNegative()) {
            throw new UsageException("timeouts must be more than zero");
        }
        return d;
    }

    /** The option's value, or the environment variable's when the option is absent or empty. */
    private static String orEnv(String value, Map<String, String> env, String variable) {
        if (value != null && !value.isEmpty()) {
            return value;
        }
        String fromEnv = env.get(variable);
        return fromEnv == null || fromEnv.isEmpty() ? null : fromEnv;
    }

    private interface Parse<T> {
        T get();
    }

    private static <T> T checked(Parse<T> parse) throws UsageException {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

}
