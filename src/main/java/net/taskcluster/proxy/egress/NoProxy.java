package net.taskcluster.proxy.egress;

import java.net.IDN;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import net.taskcluster.proxy.peer.Cidr;
import net.taskcluster.proxy.peer.IpLiteral;

/**
 * Which targets go to an egress proxy, by the rules of Go's {@code http.ProxyFromEnvironment}
 * (golang.org/x/net/http/httpproxy): {@code localhost} and loopback addresses never do, nor anything that
 * {@code NO_PROXY} names. {@code NO_PROXY} is a comma-separated list, each entry trimmed and lower-cased:
 * <ul>
 * <li>{@code *}: nothing is proxied (the entries after it do not matter);
 * <li>an IP address prefix in CIDR notation, {@code 10.0.0.0/8} or {@code 2001:db8::/32}: addresses inside it;
 * <li>an IP address, optionally with a port, {@code 192.168.1.1}, {@code 192.168.1.1:80}, {@code [2001:db8::1]:443};
 * <li>a domain name, optionally with a port: {@code foo.com} matches foo.com and its subdomains, {@code .foo.com}
 *     and {@code *.foo.com} only its subdomains.
 * </ul>
 * Domain entries never match an IP address, IP entries never match a name, and a malformed entry is skipped, as
 * in Go. Non-ASCII names are compared in their ASCII (punycode) form.
 */
public final class NoProxy {
    /** What {@code NO_PROXY} may say, as {@code useProxy} tests it: each kind of entry. */
    private sealed interface Entry {}

    private record Everything() implements Entry {}

    private record Network(Cidr cidr) implements Entry {}

    /** @param port the port as written, or empty for any port */
    private record Address(InetAddress ip, String port) implements Entry {}

    /**
     * @param suffix    the name with a leading dot, {@code .foo.com}
     * @param port      the port as written, or empty for any port
     * @param matchHost whether the name itself matches too (it was written without a leading dot)
     */
    private record Domain(String suffix, String port, boolean matchHost) implements Entry {}

    public static final NoProxy NONE = new NoProxy("", List.of());

    private final String text;
    private final List<Entry> entries;

    private NoProxy(String text, List<Entry> entries) {
        this.text = text;
        this.entries = List.copyOf(entries);
    }

    /** Parses a {@code NO_PROXY} value; as in Go, nothing in it is an error (what cannot be used is skipped). */
    public static NoProxy parse(String text) {
        if (text == null || text.isEmpty()) {
            return NONE;
        }
        List<Entry> entries = new ArrayList<>();
        for (String raw : text.split(",", -1)) {
            String p = raw.strip().toLowerCase(Locale.ROOT);
            if (p.isEmpty()) {
                continue;
            }
            if (p.equals("*")) {
                return new NoProxy(text, List.of(new Everything()));
            }
            Cidr cidr = cidr(p);
            if (cidr != null) {
                entries.add(new Network(cidr));
                continue;
            }
            String host = p;
            String port = "";
            HostPort split = HostPort.split(p);
            if (split != null) {
                if (split.host().isEmpty()) {
                    continue; // ":1" and the like: no host
                }
                host = split.host();
                port = split.port();
            }
            InetAddress ip = ip(host);
            if (ip != null) {
                entries.add(new Address(ip, port));
                continue;
            }
            if (host.startsWith("*.")) {
                host = host.substring(1);
            }
            boolean matchHost = !host.startsWith(".");
            entries.add(new Domain(ascii(matchHost ? "." + host : host), port, matchHost));
        }
        return new NoProxy(text, entries);
    }

    /**
     * Whether a request to {@code host} (as in a URL, IPv6 literals in brackets or not) on {@code port} goes to the
     * egress proxy: Go's {@code useProxy}. One difference: Go takes only {@code localhost} written in lower case for
     * localhost, and here any case is, as Jetty's client lower-cases every host name before it asks.
     */
    public boolean useProxy(String host, int port) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        String name = ascii(bare).strip().toLowerCase(Locale.ROOT);
        if (name.equals("localhost")) {
            return false;
        }
        InetAddress ip = targetIp(name);
        if (ip != null && ip.isLoopbackAddress()) {
            return false;
        }
        String portText = Integer.toString(port);
        for (Entry entry : entries) {
            boolean matches = switch (entry) {
                case Everything e -> true;
                case Network n -> ip != null && n.cidr().contains(ip);
                case Address a -> ip != null && a.ip().equals(ip) && (a.port().isEmpty() || a.port().equals(portText));
                case Domain d -> ip == null && (name.endsWith(d.suffix()) || (d.matchHost() && name.equals(d.suffix().substring(1))))
                        && (d.port().isEmpty() || d.port().equals(portText));
            };
            if (matches) {
                return false;
            }
        }
        return true;
    }

    /** The value as given (for the start-up log). */
    public String text() {
        return text;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** An IP literal as Go's net.ParseIP reads one: no brackets, no zone; otherwise null. */
    private static InetAddress ip(String text) {
        if (text.isEmpty() || text.indexOf('[') >= 0 || text.indexOf('%') >= 0) {
            return null;
        }
        try {
            return IpLiteral.parse(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The target's host as an IP address, as Go's netip.ParseAddr reads it: an IPv6 address may carry a zone
     * ({@code fe80::1%eth0}), which the comparisons then leave out; otherwise null.
     */
    private static InetAddress targetIp(String host) {
        int zone = host.indexOf('%');
        if (zone < 0) {
            return ip(host);
        }
        return host.indexOf(':') >= 0 && zone < host.length() - 1 ? ip(host.substring(0, zone)) : null;
    }

    /** {@code address/prefix} as Go's net.ParseCIDR reads it (a prefix of 0 included); otherwise null. */
    private static Cidr cidr(String text) {
        int slash = text.indexOf('/');
        if (slash < 0 || slash == text.length() - 1 || !text.substring(slash + 1).chars().allMatch(c -> c >= '0' && c <= '9')
                || text.length() - slash > 4) {
            return null;
        }
        InetAddress address = ip(text.substring(0, slash));
        int prefix = Integer.parseInt(text.substring(slash + 1));
        if (address == null || prefix > address.getAddress().length * 8) {
            return null;
        }
        return Cidr.of(address, prefix);
    }

    /** Each non-ASCII label of a name in its ASCII form (Go's idna lookup), or the name as it is if that fails. */
    private static String ascii(String name) {
        if (name.chars().allMatch(c -> c < 0x80)) {
            return name;
        }
        try {
            String[] labels = name.split("\\.", -1);
            for (int i = 0; i < labels.length; i++) {
                if (!labels[i].isEmpty()) {
                    labels[i] = IDN.toASCII(labels[i], IDN.ALLOW_UNASSIGNED);
                }
            }
            return String.join(".", labels);
        } catch (IllegalArgumentException e) {
            return name;
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
