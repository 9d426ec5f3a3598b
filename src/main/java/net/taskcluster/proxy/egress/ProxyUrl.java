package net.taskcluster.proxy.egress;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.regex.Pattern;
import net.taskcluster.proxy.plaintext.Redact;

/**
 * An egress proxy, from the environment variable that names it ({@code HTTPS_PROXY}, {@code http_proxy}, ...),
 * read as Go's httpproxy reads one: a URL, or {@code host[:port]} taken as {@code http://host[:port]}. The port
 * defaults to 80. The user and password of the URL, percent-decoded, become the {@code Proxy-Authorization: Basic}
 * credentials, as Go's transport sends them.
 *
 * <p>Only {@code http://} proxies are supported: Go also speaks TLS to {@code https://} proxies and SOCKS5 to
 * {@code socks5://} ones, and this proxy refuses those at start-up rather than connect directly.
 *
 * @param variable    the environment variable it came from
 * @param host        the host as written in a URL (an IPv6 literal in brackets)
 * @param port        the port, explicit or 80
 * @param user        the user name, decoded, or null when the URL has no user information
 * @param basicToken  the base64 of {@code user:password} (the bytes the URL's escapes decode to), or null
 */
public record ProxyUrl(String variable, String host, int port, String user, String basicToken) {
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9_.~-]+|\\[[0-9A-Fa-f:.]+\\]");
    private static final Pattern USERINFO = Pattern.compile("[A-Za-z0-9._~!$&'()*+,;=:%@-]*");
    private static final int DEFAULT_PORT = 80;

    /** Thrown for a value that is not a usable proxy URL; the message names the variable, never the value. */
    public static final class InvalidProxyUrl extends IllegalArgumentException {
        InvalidProxyUrl(String message) {
            super(message);
        }
    }

    /**
     * Parses the value of {@code variable}. As Go does, a value that is not a URL with a scheme and a host is
     * tried again with {@code http://} in front ({@code proxy.corp:3128}, {@code 127.0.0.1:3128}, {@code proxy}).
     */
    public static ProxyUrl parse(String variable, String value) {
        String problem;
        try {
            return parseUrl(variable, value);
        } catch (InvalidProxyUrl e) {
            problem = e.getMessage();
        }
        if (!hasSchemeAndAuthority(value)) {
            try {
                return parseUrl(variable, "http://" + value);
            } catch (InvalidProxyUrl e) {
                problem = e.getMessage();
            }
        }
        throw new InvalidProxyUrl(problem);
    }

    /** Whether {@code value} starts like an absolute URL with an authority, {@code scheme://}. */
    private static boolean hasSchemeAndAuthority(String value) {
        int colon = value.indexOf("://");
        return colon > 0 && SCHEME.matcher(value.substring(0, colon)).matches();
    }

    private static ProxyUrl parseUrl(String variable, String url) {
        String expected = variable + " is not a proxy URL of the form [http://][user:password@]host[:port]";
        int colon = url.indexOf("://");
        if (colon <= 0 || !SCHEME.matcher(url.substring(0, colon)).matches()) {
            throw new InvalidProxyUrl(expected);
        }
        String scheme = url.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = url.substring(colon + 3);
        int end = 0;
        while (end < rest.length() && "/?#".indexOf(rest.charAt(end)) < 0) {
            end++;
        }
        String authority = rest.substring(0, end);
        int at = authority.lastIndexOf('@');
        String userinfo = at < 0 ? null : authority.substring(0, at);
        String hostPort = authority.substring(at + 1);
        String host = hostPort;
        int port = DEFAULT_PORT;
        int portColon = hostPort.lastIndexOf(':');
        if (portColon >= 0 && portColon > hostPort.lastIndexOf(']')) {
            host = hostPort.substring(0, portColon);
            String digits = hostPort.substring(portColon + 1);
            if (!digits.isEmpty()) {
                if (!digits.chars().allMatch(c -> c >= '0' && c <= '9') || digits.length() > 5
                        || Integer.parseInt(digits) == 0 || Integer.parseInt(digits) > 65535) {
                    throw new InvalidProxyUrl(variable + " has an invalid port");
                }
                port = Integer.parseInt(digits);
            }
        }
        if (host.isEmpty() || !HOST.matcher(host).matches()) {
            throw new InvalidProxyUrl(expected);
        }
        if (!scheme.equals("http")) {
            throw new InvalidProxyUrl(variable + " names a " + Redact.escape(scheme) + ":// proxy: only http:// egress"
                    + " proxies are supported (CONNECT is used for https targets)");
        }
        if (userinfo == null) {
            return new ProxyUrl(variable, host, port, null, null);
        }
        if (!USERINFO.matcher(userinfo).matches()) {
            throw new InvalidProxyUrl(variable + " has characters in its user or password that a URL must escape");
        }
        int split = userinfo.indexOf(':');
        byte[] user = decode(variable, split < 0 ? userinfo : userinfo.substring(0, split));
        byte[] password = split < 0 ? new byte[0] : decode(variable, userinfo.substring(split + 1));
        byte[] credentials = new byte[user.length + 1 + password.length];
        System.arraycopy(user, 0, credentials, 0, user.length);
        credentials[user.length] = ':';
        System.arraycopy(password, 0, credentials, user.length + 1, password.length);
        return new ProxyUrl(variable, host, port, new String(user, StandardCharsets.UTF_8),
                Base64.getEncoder().encodeToString(credentials));
    }

    /** Go's unescape of a user or password: every {@code %XX} becomes its byte; {@code +} stays {@code +}. */
    private static byte[] decode(String variable, String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '%') {
                out.write(c);
                continue;
            }
            int high = i + 2 < text.length() ? Character.digit(text.charAt(i + 1), 16) : -1;
            int low = high < 0 ? -1 : Character.digit(text.charAt(i + 2), 16);
            if (low < 0) {
                throw new InvalidProxyUrl(variable + " has an invalid percent-escape in its user or password");
            }
            out.write(high << 4 | low);
            i += 2;
        }
        return out.toByteArray();
    }

    /** Whether the proxy is at this host and port (a host as in a URL, IPv6 in brackets or not). */
    public boolean isAt(String otherHost, int otherPort) {
        return otherPort == port && bare(otherHost).equalsIgnoreCase(bare(host));
    }

    private static String bare(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** Whether {@code Proxy-Authorization} is sent to it. */
    public boolean hasCredentials() {
        return basicToken != null;
    }

    /**
     * The URL as logs and error messages show it, the password hidden as Go's URL.Redacted hides it:
     * {@code http://user:xxxxx@proxy.corp:3128}.
     */
    public String display() {
        String credentials = user == null ? "" : Redact.escape(user) + ":xxxxx@";
        return "http://" + credentials + host + ":" + port;
    }

    /** The display form and where it came from: {@code http://127.0.0.1:3128 (from HTTPS_PROXY)}. */
    public String describe() {
        return display() + " (from " + variable + ")";
    }

    @Override
    public String toString() {
        return describe(); // never the credentials
    }
}
