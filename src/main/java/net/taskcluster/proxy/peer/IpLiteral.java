package net.taskcluster.proxy.peer;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** IP address literals, parsed without ever asking DNS (InetAddress.getByName would, for anything else). */
public final class IpLiteral {
    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?");

    private IpLiteral() {}

    /** Parses an IPv4 or IPv6 literal (IPv6 optionally in brackets). */
    public static InetAddress parse(String text) {
        String literal = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        boolean v4 = IPV4.matcher(literal).matches();
        boolean v6 = !v4 && literal.indexOf(':') >= 0 && IPV6.matcher(literal).matches();
        if (v4 || v6) {
            try {
                return InetAddress.getByName(literal); // a literal: no lookup happens
            } catch (UnknownHostException e) {
                // not a valid literal after all
            }
        }
        throw new IllegalArgumentException("invalid IPv4/IPv6 address specified - cannot parse: " + text);
    }
}
