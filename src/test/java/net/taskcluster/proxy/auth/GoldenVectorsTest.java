package net.taskcluster.proxy.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.taskcluster.proxy.routing.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The golden values of shared/research/reference-tests.md §11, produced by the Go proxy. */
class GoldenVectorsTest {
    static final Credentials TESTER = new Credentials("tester", "no-secret", null);
    static final String ROW_1_CERTIFICATE = "{\"version\":1,\"scopes\":[\"scope/asd:fhjdf/X\",\"scope/asd:fhjdf/XYZ*\"],"
            + "\"start\":1438964811744,\"expiry\":1439051211744,\"seed\":\"JYR4wzMCTG6XeDS2cDUCMwH0RFUXGfQjK7LgqD-e6lSQ\","
            + "\"signature\":\"45AlB/hKZZZz4Tf3NaidutasfgBnr4t2AxwBiGDQF9Q=\"}";
    static final Instant FIXED_EXPIRY = Instant.ofEpochSecond(1700000000L + 3600);

    @ParameterizedTest
    @CsvSource({
        "GET, /api/queue/v1/task/abc?b=2&a=1, CdbPfeq8, SHR+u4Hnu2gCe07hrKhwaQ6JJLx2PsM+hM/WAPvrWTI=",
        "GET, /api/queue/v1/task/abc/artifacts/public%2Fbuild%2Fx.zip, lFrCsc9h, JHPmDer7jUwjN4/Kzh8juK583vpgmNcK6gueYAuJ4Z8=",
        "POST, /api/queue/v1/task/abc, KH7tWQGr, hh2J7dPR3BaiKb9nXy64rZ9IBnDCGwLeCw0n+ES5JMc=",
    })
    void permanentHeaderMacs(String method, String resource, String nonce, String expectedMac) {
        Target target = Target.parse("http://127.0.0.1:34511" + resource);
        String header = RequestSigner.header(TESTER, "", method, target, 1795676297, nonce);
        assertEquals(expectedMac, attributes(header).get("mac"));
    }

    @Test
    void firstRowHeaderHasTheGoHeaderAttributesInHawkOrder() {
        // The Go proxy writes id, mac, ts, nonce; npm hawk (and we) write id, ts, nonce, [ext,] mac. Verifiers
        // parse attributes by name, so the order does not matter; the attributes must.
        String go = "Hawk id=\"tester\", mac=\"SHR+u4Hnu2gCe07hrKhwaQ6JJLx2PsM+hM/WAPvrWTI=\", ts=\"1795676297\", nonce=\"CdbPfeq8\"";
        String ours = RequestSigner.header(
                TESTER, "", "GET", Target.parse("http://127.0.0.1:34511/api/queue/v1/task/abc?b=2&a=1"), 1795676297, "CdbPfeq8");
        assertEquals(attributes(go), attributes(ours));
        assertEquals("Hawk id=\"tester\", ts=\"1795676297\", nonce=\"CdbPfeq8\", mac=\"SHR+u4Hnu2gCe07hrKhwaQ6JJLx2PsM+hM/WAPvrWTI=\"", ours);
    }

    @Test
    void temporaryCredentialsWithEscapedAuthorizedScopes() throws Exception {
        String withUnknownKey = ROW_1_CERTIFICATE.replace("}", ",\"extra\":\"dropped\"}");
        Credentials credentials = Credentials.of("def/ghi@XXX", "R4OVHWpIvy6KsqS4AWE51QwbvgLvsstS6e6UW8IfHUY", withUnknownKey);
        AuthorizedScopes scopes = AuthorizedScopes.restrictedTo(List.of("a:b", "c<d>&e"));
        String ext = Ext.of(credentials, scopes);
        String expectedJson = "{\"certificate\":" + ROW_1_CERTIFICATE
                + ",\"authorizedScopes\":[\"a:b\",\"c\\u003cd\\u003e\\u0026e\"]}";
        assertEquals(expectedJson, new String(Base64.getDecoder().decode(ext), StandardCharsets.UTF_8));
        String header = RequestSigner.header(
                credentials, ext, "GET", Target.parse("http://127.0.0.1:34387/api/queue/v1/task/abc"), 1795676299, "8T2sdpnF");
        assertEquals("xfuSr55e7mlVIPyVDB47w7dOASxO3+PoODhN79Q7dJk=", attributes(header).get("mac"));
        assertEquals(ext, attributes(header).get("ext"));
    }

    @ParameterizedTest
    @CsvSource({
        "https://tc.example.com/api/auth/v1/test-authenticate-get,"
            + " https://tc.example.com/api/auth/v1/test-authenticate-get?bewit=dGVzdGVyXDE3MDAwMDM2MDBcQmt5Y2dDY0haclJsbkZvcGUySzRFTTlnMG01Y2RWaGlXdUo4R1ZCbnFjOD1c",
        // Go sorts the query into ?bewit=…&somekey=someval; the token is the same, we keep the order as given.
        "https://tc.example.com/some/path?somekey=someval,"
            + " https://tc.example.com/some/path?somekey=someval&bewit=dGVzdGVyXDE3MDAwMDM2MDBcVms1WHl0Q1E0cFlKLzl1OXN6ZGFrS0gzanFzcFFIWkd3QzdhanBiNGlmND1c",
        // Go answers ?a=1&a=0&b=2&bewit=… (a bewit over the original order that no longer verifies); we keep the order.
        "https://tc.example.com/some/path?b=2&a=1&a=0,"
            + " https://tc.example.com/some/path?b=2&a=1&a=0&bewit=dGVzdGVyXDE3MDAwMDM2MDBcbm10UVNzZHVKMFRjQUlMSXhoMnJBNkZrKzBic1JYSmloRXVnT053Y0dUZz1c",
        "http://127.0.0.1:8080/api/queue/v1/task/abc/artifacts/public%2Fx.log,"
            + " http://127.0.0.1:8080/api/queue/v1/task/abc/artifacts/public%2Fx.log?bewit=dGVzdGVyXDE3MDAwMDM2MDBcbGN1bzUyNlJGRzhEcjBjWFREbGVPclJJeGREbUNTMzdIajRUd1VZcGxYYz1c",
    })
    void bewitsAtTheFixedClock(String url, String expected) {
        assertEquals(expected, Bewit.signUrl(TESTER, "", url, FIXED_EXPIRY));
    }

    @Test
    void bewitWithAuthorizedScopes() {
        String ext = Ext.of(TESTER, AuthorizedScopes.restrictedTo(List.of("test:authenticate-get")));
        assertEquals("eyJhdXRob3JpemVkU2NvcGVzIjpbInRlc3Q6YXV0aGVudGljYXRlLWdldCJdfQ==", ext);
        String signed = Bewit.signUrl(TESTER, ext, "https://tc.example.com/api/auth/v1/test-authenticate-get", FIXED_EXPIRY);
        assertEquals("https://tc.example.com/api/auth/v1/test-authenticate-get?bewit=dGVzdGVyXDE3MDAwMDM2MDBcdi9ZTkorTHFFeGVSUVZFSGc3OEc0WlNMMzVWQjJjbVlPb2hGVVYzeHRZbz1cZXlKaGRYUm9iM0pwZW1Wa1UyTnZjR1Z6SWpwYkluUmxjM1E2WVhWMGFHVnVkR2xqWVhSbExXZGxkQ0pkZlE9PQ",
                signed);
    }

    @Test
    void emptyExtBewitEndsWithABackslash() {
        String token = Bewit.token(TESTER, "", Target.parse("https://tc.example.com/x"), 1700003600);
        assertTrue(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).endsWith("\\"));
    }

    /** The attributes of a Hawk Authorization header, by name. */
    static Map<String, String> attributes(String header) {
        assertTrue(header.startsWith("Hawk "), header);
        Map<String, String> attributes = new LinkedHashMap<>();
        for (String part : header.substring(5).split(", ")) {
            int eq = part.indexOf('=');
            String value = part.substring(eq + 1);
            assertTrue(value.startsWith("\"") && value.endsWith("\""), part);
            attributes.put(part.substring(0, eq), value.substring(1, value.length() - 1));
        }
        return Map.copyOf(attributes);
    }
}
