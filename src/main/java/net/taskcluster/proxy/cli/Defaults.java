package net.taskcluster.proxy.cli;

/**
 * The options' defaults, written as they would be on the command line: the parser reads them through the same
 * code as a given value, {@code --help} shows them, and a test holds the README's option tables to that help.
 */
final class Defaults {
    static final String PORT = "8080";
    static final String CONNECT_TIMEOUT = "30s";
    static final String IDLE_TIMEOUT = "2m";
    static final String RETRY_BUDGET = "15m";
    static final String MAX_BUFFERED_BODY = "256k";
    static final String SHUTDOWN_TIMEOUT = "10s";
    static final String RETRY_429 = "true";
    static final String UPSTREAM_HTTP = "auto";

    private Defaults() {}
}
