package net.taskcluster.proxy.cli;

import java.net.InetAddress;
import java.util.Map;
import net.taskcluster.proxy.Version;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.auth.InvalidCredentialsException;
import net.taskcluster.proxy.peer.AllowedPeers;
import net.taskcluster.proxy.peer.Cidr;
import net.taskcluster.proxy.peer.IpLiteral;
import net.taskcluster.proxy.peer.SystemUsers;
import net.taskcluster.proxy.routing.Target;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Reads the command line and the environment into a {@link Config}, with the conventions of the original's docopt
 * parser: {@code --opt value} and {@code --opt=value}, {@code -p80}, options between scopes, {@code --}, and
 * unambiguous prefixes of long options.
 */
public final class Cli {
    private Cli() {}

    public static Invocation parse(String[] args, Map<String, String> env) throws UsageException {
        Options options = new Options();
        CommandLine commandLine = new CommandLine(options)
                .setAbbreviatedOptionsAllowed(true)
                .setPosixClusteredShortOptionsAllowed(true)
                .setOverwrittenOptionsAllowed(true);
        try {
            commandLine.parseArgs(args);
        } catch (UnmatchedArgumentException e) {
            // Name only the option, never its value: a mistyped --acess-token=... would otherwise print the token.
            String unmatched = e.getUnmatched().isEmpty() ? "?" : e.getUnmatched().get(0);
            int eq = unmatched.indexOf('=');
            throw new UsageException("unknown option " + (eq < 0 ? unmatched : unmatched.substring(0, eq)));
        } catch (ParameterException e) {
            throw new UsageException(firstLine(e.getMessage()));
        }
        if (options.help) {
            return new Invocation.Print(commandLine.getUsageMessage());
        }
        if (options.version) {
            return new Invocation.Print(Version.CURRENT.describe() + System.lineSeparator());
        }
        if (options.shortVersion) {
            return new Invocation.Print(Version.CURRENT.version() + System.lineSeparator());
        }
        return new Invocation.Run(validate(options, env));
    }

    // In the original's order: port and address first, then the root URL and the credentials.
    private static Config validate(Options o, Map<String, String> env) throws UsageException {
        int port = port(o.port);
        InetAddress bindAddress = null;
        if (o.ipAddress != null && !o.ipAddress.isEmpty()) {
            bindAddress = checked(() -> IpLiteral.parse(o.ipAddress));
        }
        String rootUrl = orEnv(o.rootUrl, env, "TASKCLUSTER_ROOT_URL");
        if (rootUrl == null) {
            throw new UsageException("--root-url (or TASKCLUSTER_ROOT_URL) is required");
        }
        Target root = rootUrl(rootUrl);
        String clientId = orEnv(o.clientId, env, "TASKCLUSTER_CLIENT_ID");
        if (clientId == null) {
            throw new UsageException("--client-id (or TASKCLUSTER_CLIENT_ID) is required");
        }
        String accessToken = orEnv(o.accessToken, env, "TASKCLUSTER_ACCESS_TOKEN");
        if (accessToken == null) {
            throw new UsageException("--access-token (or TASKCLUSTER_ACCESS_TOKEN) is required");
        }
        Credentials credentials;
        try {
            credentials = Credentials.of(clientId, accessToken, orEnv(o.certificate, env, "TASKCLUSTER_CERTIFICATE"));
        } catch (InvalidCredentialsException e) {
            throw new UsageException("invalid --certificate (or TASKCLUSTER_CERTIFICATE): " + e.getMessage());
        }
        String taskId = o.taskId == null || o.taskId.isEmpty() ? null : o.taskId;
        if (taskId != null && !taskId.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new UsageException("--task-id \"" + taskId + "\" is not a task id");
        }
        AllowedPeers allowedPeers = allowedPeers(o);
        for (String scope : o.scopes) {
            if (!scope.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)) {
                throw new UsageException("scope \"" + scope.replaceAll("[^\\x20-\\x7e]", "?") + "\" has characters outside printable ASCII");
            }
        }
        return new Config(bindAddress, port, root, credentials, o.scopes, taskId, allowedPeers,
                positive(o.connectTimeout, "--connect-timeout"), positive(o.idleTimeout, "--idle-timeout"),
                o.retryBudget, o.shutdownTimeout, o.maxBufferedBody);
    }

    private static AllowedPeers allowedPeers(Options o) throws UsageException {
        String user = o.allowedUser == null || o.allowedUser.isEmpty() ? null : o.allowedUser;
        Cidr network = null;
        if (o.allowedNetwork != null && !o.allowedNetwork.isEmpty()) {
            network = checked(() -> Cidr.parse(o.allowedNetwork));
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

    private static java.time.Duration positive(java.time.Duration d, String option) throws UsageException {
        if (d.isZero() || d.isNegative()) {
            throw new UsageException(option + " must be more than zero");
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

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
