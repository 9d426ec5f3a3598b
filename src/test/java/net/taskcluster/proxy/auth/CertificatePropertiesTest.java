package net.taskcluster.proxy.auth;

import static net.taskcluster.proxy.testing.Gen.weight;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.taskcluster.proxy.testing.Certificates;
import net.taskcluster.proxy.testing.Gen;
import net.taskcluster.proxy.testing.JsonText;
import net.taskcluster.proxy.testing.PropertyCheck;
import org.junit.jupiter.api.Test;

/**
 * Certificate parsing: every certificate survives the trip through its JSON, however that is spelled, and any
 * other text is refused with an InvalidCredentialsException (which the callers turn into a 400 or a start-up
 * error) that names the field at fault, never with another exception.
 */
class CertificatePropertiesTest {

    record Spelled(Certificate certificate, String json) {}

    private static final Gen<Spelled> SPELLED = Certificates.certificates()
            .flatMap(c -> random -> new Spelled(c, Certificates.json(c, random)));

    @Test
    void everyCertificateRoundTrips() {
        PropertyCheck.forAll(8_000, SPELLED, s -> {
            Certificate c = s.certificate();
            assertEquals(c, Certificate.parse(c.toJson()));
            assertEquals(c.toJson(), Certificate.parse(c.toJson()).toJson(), "one canonical serialisation");
            assertEquals(c, Certificate.parse(s.json()), "the same certificate, spelled otherwise");
            return c.scopes() == null ? "no scopes" : c.isNamed() ? "named" : "unnamed";
        });
    }

    record Mutated(Certificate certificate, String field, String value, String json) {}

    /** One field given a value of the wrong type or range, or (when required) left out; the others valid. */
    private static final Gen<Mutated> ONE_BAD_FIELD = Certificates.certificates().flatMap(c -> random -> {
        String field = Gen.element(Certificates.FIELDS).next(random);
        boolean required = !field.equals("scopes") && !field.equals("issuer");
        String value = required && random.nextInt(5) == 0 ? null : Certificates.badValue(field).next(random);
        List<Map.Entry<String, String>> members = new ArrayList<>();
        for (Map.Entry<String, String> member : Certificates.members(c, random)) {
            if (!member.getKey().equals(field)) {
                members.add(member);
            }
        }
        if (value != null) {
            members.add(Map.entry(field, value));
        }
        Certificates.addUnknownMembers(members, random);
        return new Mutated(c, field, value, JsonText.object(JsonText.shuffled(members, random), random));
    });

    @Test
    void aBadFieldIsNamed() {
        PropertyCheck.forAll(8_000, ONE_BAD_FIELD, m -> {
            InvalidCredentialsException e = assertThrows(InvalidCredentialsException.class, () -> Certificate.parse(m.json()));
            assertTrue(e.getMessage().startsWith("certificate field \"" + m.field() + "\""), e.getMessage());
            if (m.value() == null) {
                assertTrue(e.getMessage().contains("missing"), e.getMessage());
            }
            assertNoSecrets(e, m.certificate());
            return m.field() + (m.value() == null ? " missing" : "");
        });
    }

    record Garbled(Certificate certificate, String text) {}

    /** Valid certificate JSON broken in a few places, other JSON values, and JSON at the parser's limits. */
    private static final Gen<Garbled> GARBLED = Certificates.certificates().flatMap(c -> random -> {
        String valid = Certificates.json(c, random);
        String text = Gen.<String>frequency(
                weight(6, JsonText.garbled(valid)),
                weight(1, JsonText.values(3, List.of())),
                weight(1, r -> valid.replaceFirst("\\}\\s*$", ",\"deep\":" + JsonText.deeplyNested(3_000).next(r) + "}")),
                weight(1, r -> valid.replaceFirst("\\}\\s*$", ",\"big\":" + JsonText.numbers(5_000).next(r) + "}")),
                weight(1, r -> valid.replaceFirst("\\}\\s*$", ",\"seed\":\"again\"}"))).next(random);
        return new Garbled(c, text);
    });

    @Test
    void anyOtherTextIsRefusedCleanly() {
        PropertyCheck.forAll(10_000, GARBLED, g -> {
            Certificate parsed;
            try {
                parsed = Certificate.parse(g.text());
            } catch (InvalidCredentialsException e) {
                assertFalse(e.getMessage().isBlank());
                assertNoSecrets(e, g.certificate());
                return "refused";
            }
            assertEquals(1, parsed.version());
            return "parsed";
        });
    }

    @Test
    void aDuplicateKeyIsRefused() {
        // Which of two values would count is anybody's guess (Go's decoder takes the last), so neither does.
        Gen<Garbled> duplicated = Certificates.certificates().flatMap(c -> random -> {
            List<Map.Entry<String, String>> members = Certificates.members(c, random);
            Map.Entry<String, String> twice = Gen.element(members).next(random);
            members.add(Map.entry(twice.getKey(), random.nextBoolean() ? twice.getValue() : JsonText.values(1, List.of()).next(random)));
            return new Garbled(c, JsonText.object(JsonText.shuffled(members, random), random));
        });
        PropertyCheck.forAll(2_000, duplicated, g -> {
            InvalidCredentialsException e = assertThrows(InvalidCredentialsException.class, () -> Certificate.parse(g.text()));
            assertTrue(e.getMessage().startsWith("certificate is JSON with a duplicate key (line "), e.getMessage());
            assertNoSecrets(e, g.certificate());
            return null;
        });
    }

    /** Not promised (a certificate travels in every request's ext), but nothing gains from echoing it either. */
    private static void assertNoSecrets(InvalidCredentialsException e, Certificate c) {
        assertFalse(e.getMessage().contains(c.seed()), e.getMessage());
        assertFalse(e.getMessage().contains(c.signature()), e.getMessage());
    }
}
