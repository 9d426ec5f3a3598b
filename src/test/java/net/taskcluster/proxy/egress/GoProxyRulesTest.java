package net.taskcluster.proxy.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import net.taskcluster.proxy.config.EgressProxies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The test tables of Go's golang.org/x/net/http/httpproxy (proxy_test.go, golang/net at 0ca694d2), which
 * http.ProxyFromEnvironment uses, run against this proxy's reading of the environment. Where this proxy decides
 * otherwise on purpose, the row says what Go answers and what this proxy does instead.
 */
class GoProxyRulesTest {
    /** Go's {@code noProxy}, for TestUseProxy and TestAllNoProxy. */
    private static final String NO_PROXY = "foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, "
            + "192.168.1.3:80, 10.0.0.0/30, 2001:db8::52:0:1, [2001:db8::52:0:2]:443, [2001:db8::52:0:3]:80, 2002:db8:a::45/64";

    /** Go's {@code UseProxyTests}: host (tested on port 80), and whether it is proxied. */
    static Stream<Arguments> useProxyTests() {
        return Stream.of(
                // Never proxy localhost:
                Arguments.of("localhost", false),
                Arguments.of("127.0.0.1", false),
                Arguments.of("127.0.0.2", false),
                Arguments.of("[::1]", false),
                Arguments.of("[::2]", true), // not a loopback address

                Arguments.of("192.168.1.1", false), // matches exact IPv4
                Arguments.of("192.168.1.2", true), // ports do not match
                Arguments.of("192.168.1.3", false), // matches exact IPv4:port
                Arguments.of("192.168.1.4", true), // no match
                Arguments.of("10.0.0.2", false), // matches IPv4/CIDR
                Arguments.of("[2001:db8::52:0:1]", false), // matches exact IPv6
                Arguments.of("[2001:db8::52:0:2]", true), // no match
                Arguments.of("[2001:db8::52:0:3]", false), // matches exact [IPv6]:port
                Arguments.of("[2002:db8:a::123]", false), // matches IPv6/CIDR
                Arguments.of("[fe80::424b:c8be:1643:a1b6]", true), // no match

                Arguments.of("barbaz.net", true), // does not match as .barbaz.net
                Arguments.of("www.barbaz.net", false), // does match as .barbaz.net
                Arguments.of("foobar.com", false), // does match as foobar.com
                Arguments.of("www.foobar.com", false), // match because NO_PROXY includes "foobar.com"
                Arguments.of("foofoobar.com", true), // not match as a part of foobar.com
                Arguments.of("baz.com", true), // not match as a part of barbaz.com
                Arguments.of("localhost.net", true), // not match as suffix of address
                Arguments.of("local.localhost", true), // not match as prefix as address
                Arguments.of("barbarbaz.net", true), // not match, wrong domain
                Arguments.of("wildcard.io", true), // does not match as *.wildcard.io
                Arguments.of("nested.wildcard.io", false), // match as *.wildcard.io
                Arguments.of("awildcard.io", true)); // not a match because of '*'
    }

    @ParameterizedTest(name = "{0}: proxied {1}")
    @MethodSource("useProxyTests")
    void useProxy(String host, boolean proxied) {
        assertEquals(proxied, NoProxy.parse(NO_PROXY).useProxy(host, 80));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("useProxyTests")
    void allNoProxy(String host, boolean ignored) {
        assertFalse(NoProxy.parse("*").useProxy(host, 80));
    }

    @Test
    void invalidNoProxy() {
        assertTrue(NoProxy.parse(":1").useProxy("example.com", 80)); // should not fail
    }

    /**
     * Go's {@code proxyForURLTests}: HTTP_PROXY, HTTPS_PROXY, NO_PROXY, CGI (REQUEST_METHOD set), the request URL
     * (blank: http://example.com), and the proxy Go answers ({@code <nil>}: none; {@code error}: Go fails the
     * request), then what this proxy does: {@code same}, {@code direct} or {@code refused} (a start-up error).
     */
    static Stream<Arguments> proxyForUrlTests() {
        return Stream.of(
                row("127.0.0.1:8080", "", "", false, "", "http://127.0.0.1:8080", "same"),
                row("cache.corp.example.com:1234", "", "", false, "", "http://cache.corp.example.com:1234", "same"),
                row("cache.corp.example.com", "", "", false, "", "http://cache.corp.example.com", "same"),
                // single label domain is recognized as scheme by url.Parse
                row("localhost", "", "", false, "", "http://localhost", "same"),
                row("https://cache.corp.example.com", "", "", false, "", "https://cache.corp.example.com", "refused"),
                row("http://127.0.0.1:8080", "", "", false, "", "http://127.0.0.1:8080", "same"),
                row("https://127.0.0.1:8080", "", "", false, "", "https://127.0.0.1:8080", "refused"),
                row("socks5://127.0.0.1", "", "", false, "", "socks5://127.0.0.1", "refused"),
                // Preserve unknown schemes.
                row("foo://host", "", "", false, "", "foo://host", "refused"),
                // Don't use secure for http
                row("http.proxy.tld", "secure.proxy.tld", "", false, "http://insecure.tld/", "http://http.proxy.tld", "same"),
                // Use secure for https.
                row("http.proxy.tld", "secure.proxy.tld", "", false, "https://secure.tld/", "http://secure.proxy.tld", "same"),
                row("http.proxy.tld", "https://secure.proxy.tld", "", false, "https://secure.tld/", "https://secure.proxy.tld", "refused"),
                row("http.proxy.tld", "", "", false, "https://secure.tld/", "<nil>", "same"),
                row("http.proxy.tld", "", "", false, "ftp://insecure.tld/", "<nil>", "same"),
                // Issue 16405: don't use HTTP_PROXY in a CGI environment, where HTTP_PROXY can be attacker-controlled.
                // Go fails the request; this proxy connects directly.
                row("http://10.1.2.3:8080", "", "", true, "", "error", "direct"),
                // HTTPS proxy is still used even in CGI environment. (perhaps dubious but it's the historical behaviour).
                row("", "https://secure.proxy.tld", "", true, "https://secure.tld/", "https://secure.proxy.tld", "refused"),
                row("", "", "", false, "", "<nil>", "same"),
                row("proxy", "", "example.com", false, "http://example.com/", "<nil>", "same"),
                row("proxy", "", ".example.com", false, "http://example.com/", "http://proxy", "same"),
                row("proxy", "", "ample.com", false, "http://example.com/", "http://proxy", "same"),
                row("proxy", "", "example.com", false, "http://foo.example.com/", "<nil>", "same"),
                row("proxy", "", ".foo.com", false, "http://example.com/", "http://proxy", "same"),
                row("proxy", "", ".示例.com", false, "http://www.示例.com", "<nil>", "same"),
                row("proxy", "", "xn--fsq092h.com", false, "http://www.示例.com", "<nil>", "same"),
                row("proxy", "", "示例.com", false, "http://www.xn--fsq092h.com", "<nil>", "same"),
                row("proxy", "", "example.com", false, "http://[1000::%25.example.com]:123", "http://proxy", "same"));
    }

    private static Arguments row(String http, String https, String noProxy, boolean cgi, String req, String go, String ours) {
        return Arguments.of(http, https, noProxy, cgi, req.isEmpty() ? "http://example.com" : req, go, ours);
    }

    @ParameterizedTest(name = "http_proxy={0} https_proxy={1} no_proxy={2} cgi={3} req={4}: Go {5}, here {6}")
    @MethodSource("proxyForUrlTests")
    void proxyForUrl(String http, String https, String noProxy, boolean cgi, String req, String go, String ours) {
        Map<String, String> env = new HashMap<>();
        env.put("HTTP_PROXY", http);
        env.put("HTTPS_PROXY", https);
        env.put("NO_PROXY", noProxy);
        if (cgi) {
            env.put("REQUEST_METHOD", "GET");
        }
        if (ours.equals("refused")) {
            ProxyUrl.InvalidProxyUrl refused = assertThrows(ProxyUrl.InvalidProxyUrl.class, () -> EgressProxies.fromEnvironment(env));
            String variable = go.equals(https) ? "HTTPS_PROXY" : "HTTP_PROXY";
            assertTrue(refused.getMessage().startsWith(variable + " names a " + go.substring(0, go.indexOf("://"))
                    + ":// proxy: only http:// egress proxies are supported"), refused.getMessage());
            return;
        }
        ProxyUrl proxy = proxyFor(EgressProxies.fromEnvironment(env), req);
        if (ours.equals("direct") || go.equals("<nil>")) {
            assertNull(proxy);
            return;
        }
        // Go's answer is the URL as given; the port it connects to is the URL's, or 80 for http://.
        String authority = go.substring("http://".length());
        int colon = authority.lastIndexOf(':');
        assertEquals(colon < 0 ? authority : authority.substring(0, colon), proxy.host());
        assertEquals(colon < 0 ? 80 : Integer.parseInt(authority.substring(colon + 1)), proxy.port());
    }

    /** The proxy for a request URL, its host read as Go's URL.Hostname reads it (unescaped, without brackets). */
    private static ProxyUrl proxyFor(EgressProxies egress, String url) {
        String scheme = url.substring(0, url.indexOf("://"));
        String authority = url.substring(scheme.length() + 3).split("/", 2)[0];
        String host = authority;
        String port = "";
        if (authority.startsWith("[")) {
            host = authority.substring(1, authority.indexOf(']'));
            port = authority.substring(authority.indexOf(']') + 1);
        } else if (authority.contains(":")) {
            host = authority.substring(0, authority.indexOf(':'));
            port = authority.substring(authority.indexOf(':'));
        }
        host = URLDecoder.decode(host, StandardCharsets.UTF_8);
        int effective = port.isEmpty() ? (scheme.equals("https") ? 443 : 80) : Integer.parseInt(port.substring(1));
        return egress.proxyFor(scheme, host, effective);
    }

    /** Go's TestFromEnvironment, TestFromEnvironmentWithRequestMethod and TestFromEnvironmentLowerCase. */
    @Test
    void fromEnvironment() {
        EgressProxies upper = EgressProxies.fromEnvironment(Map.of("HTTP_PROXY", "httpproxy", "HTTPS_PROXY", "httpsproxy",
                "NO_PROXY", "noproxy", "REQUEST_METHOD", ""));
        assertEquals("httpproxy", upper.http().host());
        assertEquals("HTTP_PROXY", upper.http().variable());
        assertEquals("httpsproxy", upper.https().host());
        assertEquals("noproxy", upper.noProxy().text());
        assertNull(upper.ignoredHttp());

        EgressProxies cgi = EgressProxies.fromEnvironment(Map.of("HTTP_PROXY", "httpproxy", "HTTPS_PROXY", "httpsproxy",
                "NO_PROXY", "noproxy", "REQUEST_METHOD", "PUT"));
        assertNull(cgi.http());
        assertEquals("HTTP_PROXY", cgi.ignoredHttp());
        assertEquals("httpsproxy", cgi.https().host());

        EgressProxies lower = EgressProxies.fromEnvironment(Map.of("http_proxy", "httpproxy", "https_proxy", "httpsproxy",
                "no_proxy", "noproxy", "REQUEST_METHOD", ""));
        assertEquals("http_proxy", lower.http().variable());
        assertEquals("https_proxy", lower.https().variable());
        assertEquals("no_proxy", lower.noProxySource());
    }

    /** Go's getEnvAny: the upper-case form wins, unless it is empty. */
    @Test
    void upperCaseWinsUnlessEmpty() {
        EgressProxies both = EgressProxies.fromEnvironment(Map.of("HTTPS_PROXY", "upper:1", "https_proxy", "lower:2"));
        assertEquals("upper", both.https().host());
        EgressProxies empty = EgressProxies.fromEnvironment(Map.of("HTTPS_PROXY", "", "https_proxy", "lower:2",
                "NO_PROXY", "", "no_proxy", "example.com"));
        assertEquals("lower", empty.https().host());
        assertNull(empty.proxyFor("https", "example.com", 443));
    }

    /** What else Go's matcher does, read from its code: ports on names, IPv4 in IPv6 form, CIDR /0. */
    @Test
    void portsAndAddresses() {
        NoProxy noProxy = NoProxy.parse("internal.example:8443, 172.16.0.0/12, 0.0.0.0/0");
        assertFalse(noProxy.useProxy("api.internal.example", 8443));
        assertTrue(noProxy.useProxy("api.internal.example", 443));
        assertFalse(noProxy.useProxy("172.20.1.1", 443));
        assertFalse(noProxy.useProxy("8.8.8.8", 443)); // 0.0.0.0/0 holds every IPv4 address
        assertTrue(noProxy.useProxy("[2001:db8::1]", 443)); // but no IPv6 one
        assertFalse(NoProxy.parse("").useProxy("[::ffff:127.0.0.1]", 80)); // loopback, written as IPv6
        // Go compares "localhost" as written (it would proxy LOCALHOST); Jetty lower-cases host names, and so does this.
        assertFalse(NoProxy.parse("").useProxy("LOCALHOST", 80));
        assertFalse(NoProxy.parse("EXAMPLE.com").useProxy("www.Example.COM", 80));
    }
}
