package net.taskcluster.proxy.cli;

/** A command line or environment the proxy cannot start with. The message is one line, fit for stderr. */
public final class UsageException extends Exception {
    public UsageException(String message) {
        super(message);
    }
}
