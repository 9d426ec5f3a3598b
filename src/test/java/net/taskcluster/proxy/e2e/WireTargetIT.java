package net.taskcluster.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import net.taskcluster.proxy.testing.ProxyProcess;
import net.taskcluster.proxy.testing.RawConnection;
import net.taskcluster.proxy.testing.RawResponse;
import net.taskcluster.proxy.testing.WithFakeDeployment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The request target reaches the upstream as the caller wrote it, and the signature (checked by the fake
 * deployment with the npm hawk package) covers exactly that: printable ASCII such as {@code []|{}^} is not
 * re-encoded, existing escapes stay, and bytes outside ASCII, valid UTF-8 or not, become percent-escapes of
 * themselves ({@code %FF} for a raw 0xFF, as the Go original sends it; it once went as {@code %EF%BF%BD}, the
 * escape of U+FFFD, a different resource).
 */
class WireTargetIT extends WithFakeDeployment {
    private ProxyProcess proxy;
    private int port;

    @BeforeAll
    void start() throws Exception {
        proxy = proxies.start(proxy());
        port = proxy.port();
    }

    /** The targets are bytes: each character below is one byte (ISO-8859-1), \\xNN written as such. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "/api/test/v1/echo/a\\xffb             | /api/test/v1/echo/a%FFb",
        "/api/test/v1/echo/a%FFb              | /api/test/v1/echo/a%FFb",
        "/api/test/v1/echo/a%ff?q=%FE         | /api/test/v1/echo/a%ff?q=%FE",
        "/api/test/v1/echo/x?q=\\xff\\xfe       | /api/test/v1/echo/x?q=%FF%FE",
        "/api/test/v1/echo/caf\\xc3\\xa9        | /api/test/v1/echo/caf%C3%A9",
        "/api/test/v1/echo/\\xc3(\\xe2\\x82      | /api/test/v1/echo/%C3(%E2%82",
        "/test/v1/echo/\\xf0\\x9f\\x98\\x80      | /api/test/v1/echo/%F0%9F%98%80",
        "'/api/test/v1/echo/x[]{}^`\"<>\\\\!$&()*+,;=:@~'   | '/api/test/v1/echo/x[]{}^`\"<>\\\\!$&()*+,;=:@~'",
        "'/api/test/v1/echo/a\\x7cb?q=[1]\\x7c{x}^y&r=\"s\"'   | '/api/test/v1/echo/a\\x7cb?q=[1]\\x7c{x}^y&r=\"s\"'",
    })
    void theUpstreamReceivesTheTargetAsSentAndTheSignatureCoversIt(String sent, String expected) {
        byte[] target = bytes(sent);
        int before = upstream.authLog().size();
        RawResponse response;
        try (RawConnection connection = RawConnection.open(port)) {
            connection.write(concat("GET ".getBytes(StandardCharsets.US_ASCII), target,
                    " HTTP/1.1\r\nHost: taskcluster\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            response = connection.read();
        }
        assertEquals(200, response.status(), response.body());
        List<Map<String, Object>> log = upstream.authLog();
        assertEquals(before + 1, log.size());
        Map<String, Object> received = log.getLast();
        assertEquals(new String(bytes(expected), StandardCharsets.ISO_8859_1), received.get("target"));
        assertEquals(true, received.get("ok"), "the signature verifies: " + received);
    }

    /** The text with each \\xNN made the byte NN, and \\\\ a backslash; every other character one byte. */
    private static byte[] bytes(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && text.charAt(i + 1) == 'x') {
                out.append((char) Integer.parseInt(text.substring(i + 2, i + 4), 16));
                i += 3;
            } else if (c == '\\' && text.charAt(i + 1) == '\\') {
                out.append('\\');
                i++;
            } else {
                out.append(c);
            }
        }
        return out.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
