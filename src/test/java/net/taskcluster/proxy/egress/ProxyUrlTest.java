package net.taskcluster.proxy.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Proxy URLs as Go reads them, the credentials as Go's transport sends them, and what is refused. */
class ProxyUrlTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ' ', value = {
        "127.0.0.1:3128 127.0.0.1 3128",
        "http://127.0.0.1:3128 127.0.0.1 3128",
        "HTTP://Proxy.Corp:3128/ Proxy.Corp 3128",
        "proxy.corp proxy.corp 80",
        "proxy.corp: proxy.corp 80",
        "http://proxy_1.corp:8080/some/path?x=y proxy_1.corp 8080",
        "[::1]:3128 [::1] 3128",
        "http://[2001:db8::1] [2001:db8::1] 80",
    })
    void forms(String value, String host, int port) {
        ProxyUrl proxy = ProxyUrl.parse("HTTPS_PROXY", value);
        assertEquals(host, proxy.host());
        assertEquals(port, proxy.port());
        assertFalse(proxy.hasCredentials());
    }

    /** Go percent-decodes the user and the password, and sends base64("user:password") of the bytes. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ' ', value = {
        "http://user:s3cret@proxy:3128 user:s3cret user",
        "http://us%65r:p%40ss%3Aw%C3%A9rd+1@proxy user:p@ss:w\u00e9rd+1 user",
        "http://user@proxy user: user",
        "user:pass@proxy:3128 user:pass user",
        "http://a@b:c@d@proxy a@b:c@d a@b",
    })
    void credentials(String value, String decoded, String user) {
        ProxyUrl proxy = ProxyUrl.parse("HTTP_PROXY", value);
        assertEquals("proxy", proxy.host());
        assertEquals(user, proxy.user());
        assertEquals(Base64.getEncoder().encodeToString(decoded.getBytes(StandardCharsets.UTF_8)), proxy.basicToken());
        assertEquals("http://" + user + ":xxxxx@proxy:" + proxy.port() + " (from HTTP_PROXY)", proxy.toString());
    }

    @Test
    void noUserNoCredentials() {
        ProxyUrl proxy = ProxyUrl.parse("HTTP_PROXY", "http://proxy:3128");
        assertNull(proxy.basicToken());
        assertEquals("http://proxy:3128 (from HTTP_PROXY)", proxy.describe());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"socks5://127.0.0.1:1080", "socks5h://proxy", "https://proxy:3128", "foo://host"})
    void otherSchemesAreRefused(String value) {
        String message = assertThrows(ProxyUrl.InvalidProxyUrl.class, () -> ProxyUrl.parse("https_proxy", value)).getMessage();
        assertEquals("https_proxy names a " + value.substring(0, value.indexOf("://")) + ":// proxy: only http:// egress"
                + " proxies are supported (CONNECT is used for https targets)", message);
    }

    /** Malformed values are refused naming the variable, and the message never holds the value (a password). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"http://user:hunter2secret@proxy:notaport", "http://user:hunter2secret@", "http://us er:hunter2secret@proxy",
        "http://user:hunter2secret%zz@proxy", "hunter2secret:99999", "http://[hunter2secret@proxy", "://hunter2secret",
        "http://user:hunter2secret@pro xy:3128"})
    void malformedValuesAreRefusedWithoutEchoingThem(String value) {
        String message = assertThrows(ProxyUrl.InvalidProxyUrl.class, () -> ProxyUrl.parse("HTTPS_PROXY", value)).getMessage();
        assertTrue(message.startsWith("HTTPS_PROXY "), message);
        assertFalse(message.contains("hunter2"), message);
    }

    @Test
    void isAtComparesHostsWithOrWithoutBrackets() {
        ProxyUrl proxy = ProxyUrl.parse("HTTPS_PROXY", "http://[::1]:3128");
        assertTrue(proxy.isAt("::1", 3128));
        assertTrue(proxy.isAt("[::1]", 3128));
        assertFalse(proxy.isAt("[::1]", 3129));
    }
}
