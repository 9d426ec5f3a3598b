package net.taskcluster.proxy.config;

import java.net.InetAddress;

/**
 * Where the proxy listens.
 *
 * @param address the address, or null for all interfaces
 * @param port    the port; 0 picks a free one
 */
public record Listen(InetAddress address, int port) {
    /** As a log line or an error names it: {@code 127.0.0.1:80}, {@code [::1]:80}, {@code *:80}. */
    @Override
    public String toString() {
        if (address == null) {
            return "*:" + port;
        }
        String host = address.getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
