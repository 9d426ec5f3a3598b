package net.taskcluster.proxy.egress;

/**
 * A {@code host:port} pair split as Go's {@code net.SplitHostPort} splits it: the port after the last colon (it
 * may be empty), an IPv6 host in brackets ({@code [::1]:80}, the brackets removed); a host with a colon outside
 * brackets, or no colon at all, does not split.
 */
record HostPort(String host, String port) {

    /** The pair, or null where Go's SplitHostPort returns an error. */
    static HostPort split(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            return null; // missing port
        }
        String host;
        if (text.startsWith("[")) {
            int end = text.indexOf(']');
            if (end < 0 || end + 1 != colon) {
                return null; // missing ']', or something between ']' and the port's colon
            }
            host = text.substring(1, end);
        } else {
            host = text.substring(0, colon);
            if (host.indexOf(':') >= 0) {
                return null; // too many colons
            }
        }
        String port = text.substring(colon + 1);
        if (host.indexOf('[') >= 0 || host.indexOf(']') >= 0 || port.indexOf('[') >= 0 || port.indexOf(']') >= 0) {
            return null;
        }
        return new HostPort(host, port);
    }
}
