package net.taskcluster.proxy.server;

import static net.taskcluster.proxy.testing.Gen.weight;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import net.taskcluster.proxy.auth.Certificate;
import net.taskcluster.proxy.auth.Credentials;
import net.taskcluster.proxy.auth.InvalidCredentialsException;
import net.taskcluster.proxy.testing.Certificates;
import net.taskcluster.proxy.testing.Gen;
import net.taskcluster.proxy.testing.JsonText;
import net.taskcluster.proxy.testing.PropertyCheck;
import org.junit.jupiter.api.Test;

/**
 * The body of {@code PUT /credentials}: every body that holds credentials, however its JSON is spelled, gives exactly
 * those credentials; any other is refused with an InvalidCredentialsException (the endpoint's 400, the credentials
 * kept) that names what is wrong and never holds the access token.
 */
class CredentialsBodyPropertiesTest {

    private static final Gen<String> CLIENT_ID = Gen.frequency(
            weight(3, Gen.element("task-client", "static/taskcluster/queue", "mozilla-auth0/ad|Mozilla-LDAP|me/x",
                    "worker-manager/aws/w-1", "a")),
            // every character Taskcluster allows in a client id (others are refused: CredentialsTest)
            weight(1, Gen.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!@/:.+|_-", 1, 16)));

    /** Distinctive, so that finding one in a message is no coincidence; some with characters JSON must escape. */
    private static final Gen<String> ACCESS_TOKEN = Gen.frequency(
            weight(3, Certificates.secrets("token-")),
            weight(1, Gen.anyChars(16, 30).map(s -> "token-" + s)));

    /** How the body carries the certificate: the ways a launcher may send permanent and temporary credentials. */
    enum Form { ABSENT, NULL, EMPTY, STRING, OBJECT }

    record Body(Credentials credentials, Form form, String json) {}

    private static final Gen<Body> BODIES = random -> {
        Form form = Gen.element(Form.values()).next(random);
        Certificate certificate = form == Form.STRING || form == Form.OBJECT ? Certificates.certificates().next(random) : null;
        Credentials credentials = new Credentials(CLIENT_ID.next(random), ACCESS_TOKEN.next(random), certificate);
        List<Map.Entry<String, String>> members = members(credentials, form, random);
        Certificates.addUnknownMembers(members, random);
        return new Body(credentials, form, JsonText.object(JsonText.shuffled(members, random), random));
    };

    private static List<Map.Entry<String, String>> members(Credentials c, Form form, RandomGenerator random) {
        List<Map.Entry<String, String>> members = new ArrayList<>();
        members.add(Map.entry("clientId", JsonText.string(c.clientId(), random)));
        members.add(Map.entry("accessToken", JsonText.string(c.accessToken(), random)));
        switch (form) {
            case ABSENT -> { }
            case NULL -> members.add(Map.entry("certificate", "null"));
            case EMPTY -> members.add(Map.entry("certificate", "\"\""));
            case STRING -> members.add(Map.entry("certificate",
                    JsonText.string(Certificates.json(c.certificate(), random), random)));
            case OBJECT -> members.add(Map.entry("certificate", Certificates.json(c.certificate(), random)));
        }
        return members;
    }

    @Test
    void everyBodyGivesItsCredentials() {
        Map<String, Integer> forms = PropertyCheck.forAll(6_000, BODIES, body -> {
            assertEquals(body.credentials(), CredentialsEndpoint.parse(body.json()));
            return body.form().name();
        });
        assertEquals(Form.values().length, forms.size(), forms.toString());
    }

    record Broken(Credentials credentials, String field, String json) {}

    private static final String MISSING = "(missing)";

    /** One member given a value of the wrong type, left out, or (the certificate) one that does not parse. */
    private static final Gen<Broken> ONE_BAD_MEMBER = BODIES.flatMap(body -> random -> {
        Credentials c = body.credentials();
        String field = Gen.element("clientId", "accessToken", "certificate").next(random);
        String value = switch (field) {
            case "clientId", "accessToken" -> Gen.element(MISSING, "null", "\"\"", "1", "0", "true", "[]", "{}",
                    "[\"x\"]", "{\"" + field + "\":\"x\"}").next(random);
            default -> Gen.<String>frequency(
                    weight(2, Gen.element("1", "true", "false", "[]", "[\"x\"]", "0.5", "{}")),
                    weight(2, r -> badCertificateJson(r)),
                    weight(2, r -> JsonText.string(badCertificateJson(r), r)),
                    weight(1, r -> JsonText.string(JsonText.garbled(Certificates.json(Certificates.certificates().next(r), r))
                            .filter(t -> !t.isEmpty() && isNoCertificate(t)).next(r), r))).next(random);
        };
        List<Map.Entry<String, String>> members = new ArrayList<>();
        for (Map.Entry<String, String> member : members(c, Form.ABSENT, random)) {
            if (!member.getKey().equals(field)) {
                members.add(member);
            }
        }
        if (!value.equals(MISSING)) {
            members.add(Map.entry(field, value));
        }
        Certificates.addUnknownMembers(members, random);
        return new Broken(c, field, JsonText.object(JsonText.shuffled(members, random), random));
    });

    /** Certificate JSON with one field of the wrong type or range, or a required one left out. */
    private static String badCertificateJson(RandomGenerator random) {
        Certificate c = Certificates.certificates().next(random);
        String field = Gen.element(Certificates.FIELDS).next(random);
        boolean required = !field.equals("scopes") && !field.equals("issuer");
        List<Map.Entry<String, String>> members = new ArrayList<>();
        for (Map.Entry<String, String> member : Certificates.members(c, random)) {
            if (!member.getKey().equals(field)) {
                members.add(member);
            }
        }
        if (!required || random.nextInt(4) > 0) {
            members.add(Map.entry(field, Certificates.badValue(field).next(random)));
        }
        return JsonText.object(JsonText.shuffled(members, random), random);
    }

    private static boolean isNoCertificate(String text) {
        try {
            Certificate.parse(text);
            return false;
        } catch (InvalidCredentialsException e) {
            return true;
        }
    }

    @Test
    void aBadMemberIsNamedAndTheOldCredentialsStay() {
        Map<String, Integer> fields = PropertyCheck.forAll(6_000, ONE_BAD_MEMBER, b -> {
            InvalidCredentialsException e = assertThrows(InvalidCredentialsException.class, () -> CredentialsEndpoint.parse(b.json()));
            String message = e.getMessage();
            if (b.field().equals("certificate")) {
                assertTrue(message.startsWith("\"certificate\" must be") || message.startsWith("certificate "), message);
            } else {
                assertEquals("\"" + b.field() + "\" must be a non-empty string", message);
            }
            assertClean(message, b.credentials());
            return b.field();
        });
        assertEquals(3, fields.size(), fields.toString());
    }

    record Garbled(Credentials credentials, String text) {}

    /** Bodies broken in a few places, the members twice, other JSON values, and JSON at the parser's limits. */
    private static final Gen<Garbled> GARBLED = BODIES.flatMap(body -> random -> {
        String valid = body.json();
        String text = Gen.<String>frequency(
                weight(8, JsonText.garbled(valid)),
                weight(1, JsonText.values(3, List.of())),
                weight(1, Gen.anyChars(0, 40)),
                weight(1, r -> valid.replaceFirst("\\}\\s*$", ",\"deep\":" + JsonText.deeplyNested(3_000).next(r) + "}")),
                weight(1, r -> valid.replaceFirst("\\}\\s*$", ",\"big\":" + JsonText.numbers(5_000).next(r) + "}")),
                weight(1, r -> valid.replaceFirst("\\}\\s*$", "," + JsonText.string(Gen.element("clientId", "accessToken",
                        "certificate").next(r), r) + ":\"again\"}"))).next(random);
        return new Garbled(body.credentials(), text);
    });

    @Test
    void anyOtherBodyIsRefusedCleanly() {
        PropertyCheck.forAll(8_000, GARBLED, g -> {
            try {
                // Garbling can leave valid credentials (a changed client id, an unknown member's value): usable ones.
                Credentials parsed = CredentialsEndpoint.parse(g.text());
                assertFalse(parsed.clientId().isEmpty() || parsed.accessToken().isEmpty(), parsed.toString());
                return "parsed";
            } catch (InvalidCredentialsException e) {
                assertClean(e.getMessage(), g.credentials());
                return "refused";
            }
        });
    }

    /** A 400 body: not empty, on one line, and without the access token or the certificate's secrets. */
    private static void assertClean(String message, Credentials c) {
        assertFalse(message.isBlank());
        assertTrue(message.chars().allMatch(ch -> ch >= 0x20 && ch != 0x7f), PropertyCheck.show(message));
        assertFalse(message.contains(c.accessToken()), message);
        if (c.certificate() != null) {
            assertFalse(message.contains(c.certificate().seed()) || message.contains(c.certificate().signature()), message);
        }
    }
}
