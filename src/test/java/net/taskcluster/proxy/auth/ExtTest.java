package net.taskcluster.proxy.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.jr.ob.JSON;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ext rules, with the vectors of the Go client's http_test.go. */
class ExtTest {
    private static final Credentials PERMANENT = new Credentials("abc", "def", null);

    @Test
    void permanentWithAuthorizedScopes() {
        assertEquals("eyJhdXRob3JpemVkU2NvcGVzIjpbImEiLCJiIiwiYyJdfQ==",
                Ext.of(PERMANENT, AuthorizedScopes.restrictedTo(List.of("a", "b", "c"))));
    }

    @Test
    void permanentUnrestrictedHasNoExt() {
        assertEquals("", Ext.of(PERMANENT, AuthorizedScopes.UNRESTRICTED));
    }

    @Test
    void permanentRestrictedToNothingKeepsTheEmptyList() {
        assertEquals("eyJhdXRob3JpemVkU2NvcGVzIjpbXX0=", Ext.of(PERMANENT, AuthorizedScopes.restrictedTo(List.of())));
    }

    @Test
    void temporaryCredentialsCarryTheCertificateAsAnObject() throws Exception {
        Credentials temporary = TemporaryCredentials.create(PERMANENT, null, List.of("d", "e", "f"), Duration.ofSeconds(1));
        for (AuthorizedScopes scopes : List.of(AuthorizedScopes.UNRESTRICTED,
                AuthorizedScopes.restrictedTo(List.of()), AuthorizedScopes.restrictedTo(List.of("d", "e")))) {
            Map<String, Object> ext = decode(Ext.of(temporary, scopes));
            assertEquals(JSON.std.mapFrom(temporary.certificate().toJson()), ext.get("certificate"));
            if (scopes.isRestricted()) {
                assertEquals(scopes.scopes(), ext.get("authorizedScopes"));
            } else {
                assertFalse(ext.containsKey("authorizedScopes"));
            }
        }
    }

    @Test
    void nullCertificateScopesStayNull() throws Exception {
        Credentials temporary = TemporaryCredentials.create(PERMANENT, null, null, Duration.ofMinutes(1));
        String json = new String(Base64.getDecoder().decode(Ext.of(temporary, AuthorizedScopes.UNRESTRICTED)),
                StandardCharsets.UTF_8);
        assertEquals(true, json.startsWith("{\"certificate\":{\"version\":1,\"scopes\":null,"), json);
    }

    @Test
    void goEscapesForHtmlCharactersAndLineSeparators() {
        String ext = Ext.of(PERMANENT, AuthorizedScopes.restrictedTo(List.of("<>&", "\u2028\u2029", "é/\"\\\n")));
        assertEquals("{\"authorizedScopes\":[\"\\u003c\\u003e\\u0026\",\"\\u2028\\u2029\",\"é/\\\"\\\\\\n\"]}",
                new String(Base64.getDecoder().decode(ext), StandardCharsets.UTF_8));
    }

    private static Map<String, Object> decode(String ext) throws Exception {
        return JSON.std.mapFrom(new String(Base64.getDecoder().decode(ext), StandardCharsets.UTF_8));
    }
}
