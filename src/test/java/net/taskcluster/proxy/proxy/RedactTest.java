package net.taskcluster.proxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RedactTest {
    @Test
    void controlAndInvisibleCharactersAreEscaped() {
        assertEquals("a\\x0db\\x0ac", Redact.escape("a\rb\nc"));
        assertEquals("\\x1b[31mred", Redact.escape("\u001b[31mred"));
        assertEquals("tab\\x09here\\x7f", Redact.escape("tab\there\u007f"));
        assertEquals("c1\\x85\\x9b", Redact.escape("c1\u0085\u009b"));
        assertEquals("bidi\\u202eevil", Redact.escape("bidi\u202eevil"));
        assertEquals("sep\\u2028x\\u2029", Redact.escape("sep\u2028x\u2029"));
        assertEquals("back\\x5cx0a", Redact.escape("back\\x0a"));
        assertEquals("rep\\ufffd", Redact.escape("rep\ufffd"));
        assertEquals("caf\u00e9 \ud83d\ude00", Redact.escape("caf\u00e9 \ud83d\ude00"));
    }

    @Test
    void anUnpairedSurrogateIsEscaped() {
        assertEquals("a\\ud83db", Redact.escape("a\ud83db"));
    }

    @Test
    void plainTextIsReturnedAsIs() {
        String text = "GET /api/queue/v1/task/x?a=b&c=[1]|{2}";
        assertSame(text, Redact.escape(text));
    }

    @Test
    void rawBytesShowEveryByteOutsideAsciiAndHideBewits() {
        byte[] line = "GET /x\u00ff\u001b?bewit=s3cret&y=\u00c3\u00a9 HTTP/1.1".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals("GET /x\\xff\\x1b?bewit=REDACTED&y=\\xc3\\xa9 HTTP/1.1", Redact.forLog(line));
    }
}
