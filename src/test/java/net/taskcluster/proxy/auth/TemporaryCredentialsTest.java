package net.taskcluster.proxy.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import net.taskcluster.proxy.testing.Resources;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Creating and checking temporary credentials, with the Go client's vectors (shared/reference). */
class TemporaryCredentialsTest {
    private static final Credentials PERMANENT = new Credentials("def/ghi@XXX", "tokenABCDEFGH", null);

    @TestFactory
    @SuppressWarnings("unchecked")
    List<DynamicTest> goClientVectors() {
        return Resources.jsonArray("vectors/temp-credentials-vectors.json").stream()
                .map(v -> DynamicTest.dynamicTest((String) v.get("description"), () -> {
                    Map<String, Object> perm = (Map<String, Object>) v.get("permCreds");
                    Map<String, Object> expected = (Map<String, Object>) v.get("expectedTempCreds");
                    Credentials permanent = Credentials.of(
                            (String) perm.get("clientId"), (String) perm.get("accessToken"), (String) perm.get("certificate"));
                    Credentials temporary = TemporaryCredentials.create(permanent, (String) v.get("tempCredsName"),
                            (List<String>) v.get("tempCredsScopes"), Instant.parse((String) v.get("start")),
                            Instant.parse((String) v.get("expiry")), (String) v.get("seed"));
                    assertEquals(expected.get("clientId"), temporary.clientId());
                    assertEquals(expected.get("accessToken"), temporary.accessToken());
                    assertEquals(expected.get("certificate"), temporary.certificate().toJson());
                    // The authorized scopes of the vectors pass through unchanged: they are not part of the credentials.
                    assertEquals(perm.get("authorizedScopes"), expected.get("authorizedScopes"));
                    assertTrue(TemporaryCredentials.verify(temporary, permanent.accessToken()));
                    assertTrue(TemporaryCredentials.verify(
                            Credentials.of(temporary.clientId(), temporary.accessToken(), (String) expected.get("certificate")),
                            permanent.accessToken()));
                }))
                .toList();
    }

    @Test
    void verifyRejectsAnythingAltered() throws Exception {
        Credentials temporary = TemporaryCredentials.create(PERMANENT, "abc/def/ghi", List.of("s:1"), Duration.ofHours(1));
        assertTrue(TemporaryCredentials.verify(temporary, PERMANENT.accessToken()));
        assertFalse(TemporaryCredentials.verify(temporary, "another-token"));
        Certificate c = temporary.certificate();
        assertFalse(TemporaryCredentials.verify(new Credentials("abc/def/other", temporary.accessToken(), c), PERMANENT.accessToken()));
        assertFalse(TemporaryCredentials.verify(new Credentials(temporary.clientId(), temporary.accessToken(),
                new Certificate(1, List.of("s:*"), c.start(), c.expiry(), c.seed(), c.signature(), c.issuer())),
                PERMANENT.accessToken()));
        assertFalse(TemporaryCredentials.verify(new Credentials(temporary.clientId(), temporary.accessToken() + "x", c),
                PERMANENT.accessToken()));
        assertFalse(TemporaryCredentials.verify(PERMANENT, PERMANENT.accessToken()));
    }

    @Test
    void freshCredentialsHaveARandom44CharacterSeedAndStartFiveMinutesAgo() throws Exception {
        Instant before = Instant.now();
        Credentials a = TemporaryCredentials.create(PERMANENT, null, List.of(), Duration.ofHours(1));
        Credentials b = TemporaryCredentials.create(PERMANENT, null, List.of(), Duration.ofHours(1));
        assertEquals(44, a.certificate().seed().length());
        assertFalse(a.certificate().seed().equals(b.certificate().seed()));
        assertEquals(PERMANENT.clientId(), a.clientId());
        assertFalse(a.certificate().isNamed());
        long startMs = a.certificate().start();
        assertTrue(startMs <= before.minus(Duration.ofMinutes(5)).toEpochMilli() + 1000 && startMs >= before.minus(Duration.ofMinutes(6)).toEpochMilli());
        assertTrue(a.certificate().expiry() >= before.plus(Duration.ofHours(1)).toEpochMilli());
    }

    @Test
    void errors() {
        assertEquals("temporary credentials cannot issue temporary credentials", assertThrows(InvalidCredentialsException.class,
                () -> TemporaryCredentials.create(TemporaryCredentials.create(PERMANENT, null, List.of(), Duration.ofHours(1)),
                        null, List.of(), Duration.ofHours(1))).getMessage());
        assertEquals("temporary credentials cannot be valid for more than 31 days", assertThrows(InvalidCredentialsException.class,
                () -> TemporaryCredentials.create(PERMANENT, null, List.of(), Duration.ofDays(32))).getMessage());
        assertThrows(InvalidCredentialsException.class, () -> TemporaryCredentials.create(
                PERMANENT, null, List.of(), Instant.now(), Instant.now().minusSeconds(1), TemporaryCredentials.newSeed()));
        assertThrows(InvalidCredentialsException.class, () -> TemporaryCredentials.create(
                PERMANENT, null, List.of(), Instant.now(), Instant.now().plusSeconds(1), "short"));
    }
}
