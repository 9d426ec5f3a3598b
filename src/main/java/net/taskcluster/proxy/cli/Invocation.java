package net.taskcluster.proxy.cli;

import net.taskcluster.proxy.config.Config;

/** What the command line asks for: run the proxy, or print something (help, version) and exit. */
public sealed interface Invocation {
    record Run(Config config) implements Invocation {}

    record Print(String text) implements Invocation {}
}
