package net.taskcluster.proxy.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import net.taskcluster.proxy.routing.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BewitTest {
    private static final Credentials TESTER = new Credentials("tester", "no-secret", null);
    private static final Instant EXPIRY = Instant.ofEpochSecond(1700003600);

    @Test
    void aFragmentStaysAtTheEndAndIsNotSigned() {
        String signed = Bewit.signUrl(TESTER, "", "https://tc.example.com/a?x=1#part", EXPIRY);
        String token = Bewit.token(TESTER, "", Target.parse("https://tc.example.com/a?x=1"), 1700003600);
        assertEquals("https://tc.example.com/a?x=1&bewit=" + token + "#part", signed);
    }

    @Test
    void anEmptyQueryIsKeptButSignedAsNoQuery() {
        String signed = Bewit.signUrl(TESTER, "", "https://tc.example.com/a?", EXPIRY);
        String token = Bewit.token(TESTER, "", Target.parse("https://tc.example.com/a"), 1700003600);
        assertEquals("https://tc.example.com/a?bewit=" + token, signed);
    }

    @Test
    void aUrlWithoutPathIsSignedAsSlash() {
        String signed = Bewit.signUrl(TESTER, "", "https://tc.example.com?q=1", EXPIRY);
        String token = Bewit.token(TESTER, "", Target.parse("https://tc.example.com/?q=1"), 1700003600);
        assertEquals("https://tc.example.com?q=1&bewit=" + token, signed);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "foo/bar", "/relative", "ftp://example.com/x", "https://", "https:///path",
        "https://exa mple.com/", "https://example.com/a b", "mailto:someone@example.com", "https://example.com/%zz"})
    void notAnAbsoluteHttpUrl(String url) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bewit.signUrl(TESTER, "", url, EXPIRY));
        assertTrue(!e.getMessage().isEmpty());
    }

    @Test
    void aUrlThatAlreadyCarriesABewitIsRefused() {
        assertEquals("URL already carries a bewit", assertThrows(IllegalArgumentException.class,
                () -> Bewit.signUrl(TESTER, "", "https://tc.example.com/a?x=1&bewit=abc", EXPIRY)).getMessage());
    }

    // Found by BewitPropertiesTest. java.net.URI takes characters beyond ASCII as they are, so these were signed over
    // the raw character, which a client sends percent-encoded (a MAC that never verifies), and put into Location as
    // they were. And the fragment was cut off before parsing, so it went unchecked into the answer and Location.
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "https://tc.example.com/caf\u00e9 | not a valid URL: non-ASCII character at index 26 (percent-encode it as UTF-8)",
        "https://tc.example.com/a?q=\u65e5\u672c | not a valid URL: non-ASCII character at index 27 (percent-encode it as UTF-8)",
        "https://tc.example.com/a#\ud83d\ude00 | not a valid URL: non-ASCII character at index 25 (percent-encode it as UTF-8)",
        "https://tc.example.com/a?q=1\ufeff | not a valid URL: non-ASCII character at index 28 (percent-encode it as UTF-8)",
        "https://tc.example.com/a#b c | not a valid URL: Illegal character in fragment at index 26",
        "'https://tc.example.com/a#b\r\nX-Injected: 1' | not a valid URL: Illegal character in fragment at index 26",
        "https://tc.example.com/a#b#c | not a valid URL: Illegal character in fragment at index 26",
        "https://tc.example.com/a?x=1#<b> | not a valid URL: Illegal character in fragment at index 29",
    })
    void aUrlThatCannotBeSentAsWrittenIsRefused(String url, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> Bewit.signUrl(TESTER, "", url, EXPIRY)).getMessage());
    }
}
