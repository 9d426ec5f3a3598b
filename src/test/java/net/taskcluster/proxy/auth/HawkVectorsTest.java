package net.taskcluster.proxy.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import net.taskcluster.proxy.routing.Target;
import net.taskcluster.proxy.testing.Resources;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The Hawk vectors of shared/reference (checked against npm hawk 9.0.2) and hawk-go's own vectors. */
class HawkVectorsTest {
    private static final Map<String, Object> VECTORS = Resources.jsonObject("vectors/hawk-vectors.json");

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> section(String name) {
        return (List<Map<String, Object>>) VECTORS.get(name);
    }

    @SuppressWarnings("unchecked")
    private static Credentials credentials(Map<String, Object> vector) {
        Map<String, Object> c = (Map<String, Object>) vector.get("credentials");
        assertEquals("sha256", c.get("algorithm"));
        return new Credentials((String) c.get("id"), (String) c.get("key"), null);
    }

    @TestFactory
    List<DynamicTest> headerVectors() {
        return section("header").stream().map(v -> DynamicTest.dynamicTest((String) v.get("description"), () -> {
            Target target = Target.parse((String) v.get("url"));
            long ts = ((Number) v.get("ts")).longValue();
            String nonce = (String) v.get("nonce");
            String ext = (String) v.get("ext");
            String hash = (String) v.getOrDefault("payloadHash", "");
            String normalized = Hawk.normalized("header", ts, nonce, (String) v.get("method"), target.resource(),
                    target.host(), target.effectivePort(), hash, ext);
            assertEquals(v.get("expectedMac"), Hawk.mac(credentials(v).accessToken(), normalized));
            if (v.containsKey("expectedHeader")) {
                assertEquals(v.get("expectedHeader"), RequestSigner.header(
                        credentials(v), ext, (String) v.get("method"), target, ts, nonce));
            }
        })).toList();
    }

    @TestFactory
    List<DynamicTest> bewitVectors() {
        return section("bewit").stream().map(v -> DynamicTest.dynamicTest((String) v.get("description"), () -> {
            Target target = Target.parse((String) v.get("url"));
            long expiry = ((Number) v.get("expiry")).longValue();
            String ext = (String) v.get("ext");
            String normalized = Hawk.normalized(
                    "bewit", expiry, "", "GET", target.resource(), target.host(), target.effectivePort(), "", ext);
            assertEquals(v.get("expectedMac"), Hawk.mac(credentials(v).accessToken(), normalized));
            assertEquals(v.get("expectedBewit"), Bewit.token(credentials(v), ext, target, expiry));
        })).toList();
    }

    @Test
    void hawkGoHeaderVector() {
        Target target = Target.parse("https://example.net/somewhere/over/the/rainbow");
        String normalized = Hawk.normalized("header", 1353809207, "Ygvqdz", "POST", target.resource(), target.host(),
                target.effectivePort(), "2QfCt3GuY9HQnHWyWD3wX68ZOKbynqlfYmuO2ZBRqtY=", "Bazinga!");
        assertEquals("q1CwFoSHzPZSkbIvl0oYlD+91rBUEvFk763nMjMndj8=", Hawk.mac("2983d45yun89q", normalized));
    }

    @Test
    void hawkGoBewitVector() {
        Credentials credentials = new Credentials("123456", "2983d45yun89q", null);
        Target target = Target.parse("https://example.com/somewhere/over/the/rainbow");
        assertEquals("MTIzNDU2XDEzNTY0MjA3MDdca3NjeHdOUjJ0SnBQMVQxekRMTlBiQjVVaUtJVTl0T1NKWFRVZEc3WDloOD1ceGFuZHlhbmR6",
                Bewit.token(credentials, "xandyandz", target, 1356420707));
    }

    @Test
    void methodIsUpperCasedAndHostLowerCasedAsVerifiersDo() {
        assertEquals(Hawk.normalized("header", 1, "n", "GET", "/", "example.com", 80, "", ""),
                Hawk.normalized("header", 1, "n", "get", "/", "EXAMPLE.com", 80, "", ""));
    }

    @Test
    void extBackslashesAndNewlinesAreEscapedInTheNormalizedString() {
        assertEquals("hawk.1.header\n1\nn\nGET\n/\nh\n80\n\na\\\\b\\nc\n",
                Hawk.normalized("header", 1, "n", "GET", "/", "h", 80, "", "a\\b\nc"));
    }
}
