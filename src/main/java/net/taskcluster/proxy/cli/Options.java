package net.taskcluster.proxy.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;

/**
 * The command line's options, for Apache Commons CLI, whose parser follows the original's docopt conventions:
 * {@code --opt value} and {@code --opt=value}, {@code -p80}, options between scopes, {@code --}, unambiguous
 * prefixes of long options. Values stay raw here; {@link Cli} validates them.
 */
final class Options {
    static final String HELP = "help";
    static final String VERSION = "version";
    static final String SHORT_VERSION = "short-version";
    static final String PORT = "port";
    static final String IP_ADDRESS = "ip-address";
    static final String TASK_ID = "task-id";
    static final String ROOT_URL = "root-url";
    static final String CLIENT_ID = "client-id";
    static final String ACCESS_TOKEN = "access-token";
    static final String CERTIFICATE = "certificate";
    static final String ALLOWED_USER = "allowed-user";
    static final String ALLOWED_NETWORK = "allowed-network";
    static final String CONNECT_TIMEOUT = "connect-timeout";
    static final String IDLE_TIMEOUT = "idle-timeout";
    static final String RETRY_BUDGET = "retry-budget";
    static final String MAX_BUFFERED_BODY = "max-buffered-body";
    static final String SHUTDOWN_TIMEOUT = "shutdown-timeout";
    static final String RETRY_429 = "retry-429";
    static final String PORT_FILE = "port-file";
    static final String UPSTREAM_HTTP = "upstream-http";

    static final org.apache.commons.cli.Options ALL = new org.apache.commons.cli.Options()
            .addOption(flag("h", HELP, "Show this help and exit."))
            .addOption(flag(null, VERSION, "Show the version (and git revision) and exit."))
            .addOption(flag(null, SHORT_VERSION, "Show only the version number and exit."))
            .addOption(value("p", PORT, "port", "Port to listen on; 0 picks a free one" + byDefault(Defaults.PORT)))
            .addOption(value("i", IP_ADDRESS, "address", "IPv4 or IPv6 address to listen on [default: all interfaces]."))
            .addOption(value("t", TASK_ID, "taskId", "Add the scopes of this task, fetched from the Queue at start-up."))
            .addOption(value(null, ROOT_URL, "rootUrl", "Root URL of the Taskcluster deployment."))
            .addOption(value(null, CLIENT_ID, "clientId", "Client id of the credentials."))
            .addOption(value(null, ACCESS_TOKEN, "accessToken", "Access token of the credentials."))
            .addOption(value(null, CERTIFICATE, "certificate", "Certificate of temporary credentials (JSON)."))
            .addOption(value(null, ALLOWED_USER, "username", "Accept connections only from this OS user's sockets (and root's)."))
            .addOption(value(null, ALLOWED_NETWORK, "cidr", "Also accept peers in this network whose socket owner cannot be "
                    + "seen (another network namespace); listens on 127.0.0.1 too."))
            .addOption(value(null, CONNECT_TIMEOUT, "duration", "Time allowed to connect to the upstream, per attempt" + byDefault(Defaults.CONNECT_TIMEOUT)))
            .addOption(value(null, IDLE_TIMEOUT, "duration", "An upstream attempt that moves no bytes for this long is cut" + byDefault(Defaults.IDLE_TIMEOUT)))
            .addOption(value(null, RETRY_BUDGET, "duration",
                    "Give up retrying a request (5xx answers, connection failures) after this long" + byDefault(Defaults.RETRY_BUDGET)))
            .addOption(value(null, MAX_BUFFERED_BODY, "size",
                    "Request bodies up to this size are held in memory and retried; larger ones stream once"
                            + byDefault(Defaults.MAX_BUFFERED_BODY)))
            .addOption(value(null, SHUTDOWN_TIMEOUT, "duration", "On SIGTERM, wait this long for requests in flight" + byDefault(Defaults.SHUTDOWN_TIMEOUT)))
            .addOption(value(null, RETRY_429, "true|false", "Retry 429 Too Many Requests like a 5xx, within the budget; false:"
                    + " pass it back at once, as the original does" + byDefault(Defaults.RETRY_429)))
            .addOption(value(null, PORT_FILE, "path", "Once listening, write the port to this file (atomically); removed"
                    + " on a clean stop."))
            .addOption(value(null, UPSTREAM_HTTP, "auto|1.1", "auto: HTTP/2 to https upstreams that offer it (ALPN), else"
                    + " HTTP/1.1; 1.1: HTTP/1.1 only" + byDefault(Defaults.UPSTREAM_HTTP)));

    private Options() {}

    /** Long options may be abbreviated; values are taken verbatim (no quote stripping). */
    static DefaultParser parser() {
        return DefaultParser.builder().setAllowPartialMatching(true).setStripLeadingAndTrailingQuotes(false).get();
    }

    static String help() {
        StringBuilder out = new StringBuilder();
        out.append("""
                Taskcluster authentication proxy: signs the requests of a task with the worker's credentials,
                restricted to the given scopes (and, with --task-id, the task's scopes).

                Usage:
                  taskcluster-proxy [options] [<scope>...]
                  taskcluster-proxy -h|--help
                  taskcluster-proxy --version
                  taskcluster-proxy --short-version

                """);
        StringWriter options = new StringWriter();
        HelpFormatter formatter = HelpFormatter.builder().get();
        formatter.setOptionComparator(null); // in the order declared
        formatter.printOptions(new PrintWriter(options), 110, ALL, 2, 3);
        out.append("Options:\n").append(options).append("""

                Arguments:
                  <scope>...   Scopes the requests are restricted to.

                Environment: TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN and
                TASKCLUSTER_CERTIFICATE are used when the matching option is absent or empty. SSL_CERT_FILE and
                SSL_CERT_DIR say which CA certificates to trust, as for Go programs (otherwise the host's bundle).
                Egress proxies, as for Go programs: HTTPS_PROXY for https targets (a CONNECT tunnel), HTTP_PROXY for
                http targets, both http://[user:password@]host[:port] (or host[:port]); NO_PROXY lists the targets
                that go directly (names and their subdomains, .subdomains, IP addresses, CIDRs, optional :port, or
                *); localhost and loopback addresses always do. Lower-case forms count when the upper-case one is
                unset or empty; with REQUEST_METHOD set (CGI), HTTP_PROXY is ignored.
                TASKCLUSTER_PROXY_JAVA_OPTS: extra JVM options for the launcher (such as -Xmx64m).
                Durations are written like 500ms, 30s, 15m or 1h; sizes like 262144, 256k or 1m.
                """);
        return out.toString();
    }

    private static String byDefault(String value) {
        return " [default: " + value + "].";
    }

    private static Option flag(String shortName, String longName, String description) {
        return Option.builder(shortName).longOpt(longName).desc(description).get();
    }

    private static Option value(String shortName, String longName, String label, String description) {
        return Option.builder(shortName).longOpt(longName).hasArg().argName(label).desc(description).get();
    }
}
