package net.taskcluster.proxy.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CredentialsTest {
    private static final String TOKEN = "sekrit-token-XYZ";

    @Test
    void emptyCertificateMeansPermanent() throws Exception {
        assertFalse(Credentials.of("id", TOKEN, "").isTemporary());
        assertFalse(Credentials.of("id", TOKEN, null).isTemporary());
    }

    @Test
    void missingClientIdOrTokenIsAnError() {
        assertEquals("client id is missing",
                assertThrows(InvalidCredentialsException.class, () -> Credentials.of("", TOKEN, null)).getMessage());
        assertEquals("access token is missing",
                assertThrows(InvalidCredentialsException.class, () -> Credentials.of("id", null, null)).getMessage());
    }

    @Test
    void aClientIdThatCannotGoInAHawkHeaderIsRefused() throws Exception {
        // A quote would end id="..." early; a backslash splits a bewit token; Taskcluster's ids have neither.
        for (String id : List.of("a\"b", "a\\b", "a\nb", "caf\u00e9", "a\u007fb")) {
            InvalidCredentialsException e = assertThrows(InvalidCredentialsException.class, () -> Credentials.of(id, TOKEN, null));
            assertTrue(e.getMessage().startsWith("client id has a character a Hawk header cannot carry (U+"), e.getMessage());
        }
        assertEquals("mozilla-auth0/ad|Mozilla-LDAP|me/x!@:.+_",
                Credentials.of("mozilla-auth0/ad|Mozilla-LDAP|me/x!@:.+_", TOKEN, null).clientId());
    }

    @Test
    void theAccessTokenNeverAppearsInToStringOrErrors() throws Exception {
        Credentials permanent = Credentials.of("id", TOKEN, null);
        Credentials temporary = TemporaryCredentials.create(permanent, "name", List.of("s"), java.time.Duration.ofHours(1));
        for (Credentials c : List.of(permanent, temporary)) {
            assertFalse(c.toString().contains(c.accessToken()), c.toString());
        }
        InvalidCredentialsException e = assertThrows(InvalidCredentialsException.class,
                () -> Credentials.of("id", TOKEN, "{\"version\":1,\"seed\":" + TOKEN + "}"));
        assertFalse(e.getMessage().contains(TOKEN), e.getMessage());
        assertTrue(e.getMessage().startsWith("certificate is not valid JSON"), e.getMessage());
    }

    @Test
    void nullAndEmptyAuthorizedScopesDiffer() {
        AuthorizedScopes none = AuthorizedScopes.restrictedTo(List.of());
        assertTrue(none.isRestricted());
        assertFalse(AuthorizedScopes.UNRESTRICTED.isRestricted());
        assertNotEquals(AuthorizedScopes.UNRESTRICTED, none);
        assertEquals(List.of(), none.scopes());
        assertThrows(IllegalStateException.class, AuthorizedScopes.UNRESTRICTED::scopes);
    }
}
