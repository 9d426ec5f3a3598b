package net.taskcluster.proxy.auth;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CertificateTest {
    private static final String VALID = "{\"version\":1,\"scopes\":[\"a\",\"b*\"],\"start\":1438964811744,"
            + "\"expiry\":1439051211744,\"seed\":\"JYR4wzMCTG6XeDS2cDUCMwH0RFUXGfQjK7LgqD-e6lSQ\",\"signature\":\"sig=\"}";

    @Test
    void parsesEveryField() throws Exception {
        Certificate c = Certificate.parse(VALID.replace("}", ",\"issuer\":\"me\"}"));
        assertEquals(1, c.version());
        assertEquals(List.of("a", "b*"), c.scopes());
        assertEquals(1438964811744L, c.start());
        assertEquals(1439051211744L, c.expiry());
        assertEquals("JYR4wzMCTG6XeDS2cDUCMwH0RFUXGfQjK7LgqD-e6lSQ", c.seed());
        assertEquals("sig=", c.signature());
        assertEquals("me", c.issuer());
        assertTrue(c.isNamed());
    }

    @Test
    void unknownKeysAreIgnoredAndTheSerialisationIsCanonical() throws Exception {
        Certificate c = Certificate.parse("{\"extra\":{\"x\":[1]},\"signature\":\"sig=\",\"seed\":\"s\",\"expiry\":2,"
                + "\"start\":1,\"scopes\":[],\"version\":1,\"issuer\":\"\"}");
        assertEquals("{\"version\":1,\"scopes\":[],\"start\":1,\"expiry\":2,\"seed\":\"s\",\"signature\":\"sig=\"}", c.toJson());
        assertFalse(c.isNamed());
    }

    @Test
    void nullAndMissingScopesAreNullAndEmptyScopesAreEmpty() throws Exception {
        assertNull(Certificate.parse(VALID.replace("[\"a\",\"b*\"]", "null")).scopes());
        assertNull(Certificate.parse(VALID.replace("\"scopes\":[\"a\",\"b*\"],", "")).scopes());
        assertEquals(List.of(), Certificate.parse(VALID.replace("[\"a\",\"b*\"]", "[]")).scopes());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "def | certificate is not valid JSON",
        "'' | certificate is not valid JSON",
        "[1] | certificate is not a JSON object",
        "{\"version\":1} trailing | certificate is not valid JSON",
        "VERSION:2 | certificate field \"version\" must be 1, not 2",
        "VERSION:\"1\" | certificate field \"version\" must be an integer",
        "START:1.5 | certificate field \"start\" must be an integer",
        "EXPIRY:\"soon\" | certificate field \"expiry\" must be an integer",
        "SEED:3 | certificate field \"seed\" must be a non-empty string",
        "SIGNATURE:\"\" | certificate field \"signature\" must be a non-empty string",
        "ISSUER:7 | certificate field \"issuer\" must be a string",
        "SCOPES:\"a\" | certificate field \"scopes\" must be an array of strings or null",
        "SCOPES:[1] | certificate field \"scopes\" must contain only strings",
    })
    void errorsNameTheField(String input, String expectedStart) {
        String json = input;
        if (input.matches("[A-Z]+:.*")) {
            String field = input.substring(0, input.indexOf(':')).toLowerCase();
            String value = input.substring(input.indexOf(':') + 1);
            json = VALID.replaceFirst("\"" + field + "\":(\\[[^]]*]|\"[^\"]*\"|[0-9]+)", "\"" + field + "\":" + value);
            if (!json.contains("\"" + field + "\"")) {
                json = json.replace("}", ",\"" + field + "\":" + value + "}");
            }
        }
        String finalJson = json;
        InvalidCredentialsException e = assertThrows(InvalidCredentialsException.class, () -> Certificate.parse(finalJson));
        assertTrue(e.getMessage().startsWith(expectedStart), e.getMessage());
    }

    // Found by CertificatePropertiesTest: valid JSON past the parser's limits was called "not valid JSON".
    @Test
    void jsonBeyondTheParsersLimitsIsSaidToBe() {
        for (String extra : List.of("9".repeat(1001), "[".repeat(1001) + "]".repeat(1001))) {
            InvalidCredentialsException e = assertThrows(InvalidCredentialsException.class,
                    () -> Certificate.parse(VALID.replace("}", ",\"extra\":" + extra + "}")));
            assertTrue(e.getMessage().startsWith("certificate is JSON beyond the parser's limits"), e.getMessage());
        }
        assertEquals(1, assertDoesNotThrow(() -> Certificate.parse(VALID.replace("}", ",\"extra\":" + "9".repeat(1000) + "}"))).version());
    }

    // Found by CertificatePropertiesTest: a key twice in one object (refused) was called "not valid JSON", and the
    // key, which may be anything, must not be quoted.
    @Test
    void aDuplicateKeyIsSaidToBe() {
        for (String json : List.of(VALID.replace("}", ",\"seed\":\"again\"}"),
                VALID.replace("}", ",\"extra\":{\"secret-key\":1,\"secret-key\":2}}"))) {
            InvalidCredentialsException e = assertThrows(InvalidCredentialsException.class, () -> Certificate.parse(json));
            assertTrue(e.getMessage().startsWith("certificate is JSON with a duplicate key (line 1, column "), e.getMessage());
            assertFalse(e.getMessage().contains("secret-key") || e.getMessage().contains("seed"), e.getMessage());
        }
    }

    @Test
    void missingRequiredFieldsAreNamed() {
        for (String field : List.of("version", "start", "expiry", "seed", "signature")) {
            String json = VALID.replaceFirst("\"" + field + "\":(\"[^\"]*\"|[0-9]+),?", "").replace(",}", "}");
            InvalidCredentialsException e = assertThrows(InvalidCredentialsException.class, () -> Certificate.parse(json));
            assertTrue(e.getMessage().contains("\"" + field + "\"") && e.getMessage().contains("missing"), e.getMessage());
        }
    }
}
