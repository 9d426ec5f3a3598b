package net.taskcluster.proxy.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.taskcluster.proxy.identity.Identity;
import net.taskcluster.proxy.routing.Target;
import net.taskcluster.proxy.testing.NodeChecker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our signatures checked by an implementation nobody on this project wrote: the npm {@code hawk} package, with
 * Taskcluster's rules for certificates and authorized scopes, in a Node process. Every generated request must be
 * accepted, and rejected again once a single element is altered.
 */
class HawkCrossImplementationTest {
    private static final int CASES = 1000;
    private static final long SEED = Long.getLong("crosscheck.seed", System.nanoTime());
    private static final Credentials ISSUER = new Credentials("project/issuer", "issuer-token-" + SEED, null);
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");

    private static NodeChecker checker;

    @BeforeAll
    static void startChecker() {
        checker = NodeChecker.start();
        Map<String, Object> clients = Map.of(ISSUER.clientId(), Map.of("accessToken", ISSUER.accessToken(), "scopes", List.of("*")));
        assertEquals(true, checker.call(Map.of("op", "clients", "clients", clients)).get("ok"));
    }

    @AfterAll
    static void stopChecker() {
        checker.close();
    }

    /** One signed request (or bewit) and what the checker must conclude about it. */
    private record Case(String description, Map<String, Object> request, boolean valid, String clientId, List<String> scopes) {}

    @Test
    void headersAreAcceptedAndEverySingleAlterationIsRejected() throws Exception {
        Random random = new Random(SEED);
        RequestSigner signer = new RequestSigner(Clock.systemUTC());
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            Identity identity = identity(random);
            Target target = randomTarget(random);
            String method = METHODS.get(random.nextInt(METHODS.size()));
            String authorization = signer.authorization(identity.credentials, identity.ext, method, target);
            String what = "#" + i + " " + method + " " + target + " as " + identity;
            cases.add(headerCase(what, method, target, authorization, true, identity));
            cases.add(headerCase(what + " [path byte altered]", method, alterPath(random, target), authorization, false, identity));
            cases.add(headerCase(what + " [method altered]", otherMethod(random, method), target, authorization, false, identity));
            cases.add(headerCase(what + " [port altered]", method, otherPort(target), authorization, false, identity));
            cases.add(headerCase(what + " [mac altered]", method, target, alterMac(random, authorization), false, identity));
        }
        check(cases);
    }

    @Test
    void bewitsAreAcceptedAndEverySingleAlterationIsRejected() throws Exception {
        Random random = new Random(SEED + 1);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            Identity identity = identity(random);
            Target target = randomTarget(random);
            String signedUrl = Bewit.signUrl(identity.credentials, identity.ext, target.url(), Instant.now().plusSeconds(3600));
            Target signed = Target.parse(signedUrl);
            String what = "#" + i + " " + target + " as " + identity;
            assertTrue(signedUrl.startsWith(target.url()), "the signed URL keeps the URL as given: " + signedUrl);
            cases.add(bewitCase(what, signed, true, identity));
            cases.add(bewitCase(what + " [path byte altered]", alterPath(random, signed), false, identity));
            cases.add(bewitCase(what + " [port altered]", otherPort(signed), false, identity));
            cases.add(bewitCase(what + " [host altered]", new Target(signed.scheme(), "x" + signed.host().replace("[", "").replace("]", "").replace(':', '-') + ".example",
                    signed.port(), signed.rawPath(), signed.rawQuery()), false, identity));
            cases.add(bewitCase(what + " [mac altered]", alterBewitMac(random, signed), false, identity));
        }
        Identity identity = new Identity(ISSUER, AuthorizedScopes.restrictedTo(List.of("a")));
        for (String url : List.of("https://h.example.com/a?", "https://h.example.com/a#fragment", "https://h.example.com?x=1",
                "https://h.example.com", "http://H.Example.com:8080/A%2Fb//c?b=2&a=1&a=0#f")) {
            String signedUrl = Bewit.signUrl(identity.credentials, identity.ext, url, Instant.now().plusSeconds(60));
            cases.add(bewitCase(url + " -> " + signedUrl, Target.parse(signedUrl), true, identity));
        }
        check(cases);
    }

    @Test
    void temporaryCredentialsFromTheOfficialClientParseSignAndMatchOurs() throws Exception {
        long start = Instant.now().minus(Duration.ofMinutes(5)).toEpochMilli();
        long expiry = start + Duration.ofHours(2).toMillis();
        for (String name : new String[] {null, "project/named-" + SEED}) {
            Map<String, Object> mint = new LinkedHashMap<>(Map.of("op", "temporaryCredentials",
                    "credentials", Map.of("clientId", ISSUER.clientId(), "accessToken", ISSUER.accessToken()),
                    "scopes", List.of("queue:get-artifact:*", "secrets:get:a<b>&c"), "start", start, "expiry", expiry));
            if (name != null) {
                mint.put("clientId", name);
            }
            @SuppressWarnings("unchecked")
            Map<String, String> minted = (Map<String, String>) checker.call(mint).get("credentials");
            Credentials official = Credentials.of(minted.get("clientId"), minted.get("accessToken"), minted.get("certificate"));

            Certificate c = official.certificate();
            assertEquals(name == null ? ISSUER.clientId() : name, official.clientId());
            assertEquals(List.of("queue:get-artifact:*", "secrets:get:a<b>&c"), c.scopes());
            assertEquals(start, c.start());
            assertEquals(expiry, c.expiry());
            assertEquals(name == null ? null : ISSUER.clientId(), c.issuer());
            assertTrue(TemporaryCredentials.verify(official, ISSUER.accessToken()));
            // Ours, from the same inputs, are the same credentials byte for byte.
            Credentials ours = TemporaryCredentials.create(ISSUER, name, c.scopes(), Instant.ofEpochMilli(start),
                    Instant.ofEpochMilli(expiry), c.seed());
            assertEquals(official, ours);

            List<Case> cases = new ArrayList<>();
            for (AuthorizedScopes scopes : List.of(AuthorizedScopes.UNRESTRICTED, AuthorizedScopes.restrictedTo(List.of()),
                    AuthorizedScopes.restrictedTo(List.of("queue:get-artifact:public/x")))) {
                Identity identity = new Identity(official, scopes);
                Target target = Target.parse("http://127.0.0.1:34511/api/queue/v1/task/abc/artifacts/public%2Fx.log?b=2&a=1");
                String authorization = new RequestSigner(Clock.systemUTC()).authorization(official, identity.ext, "GET", target);
                cases.add(headerCase("official " + identity, "GET", target, authorization, true, identity));
                String signedUrl = Bewit.signUrl(official, identity.ext, target.url(), Instant.now().plusSeconds(60));
                cases.add(bewitCase("official bewit " + identity, Target.parse(signedUrl), true, identity));
                // A certificate scope the issuer's token did not sign is caught by the signature check.
                Credentials forged = new Credentials(official.clientId(), official.accessToken(), new Certificate(
                        1, List.of("*"), c.start(), c.expiry(), c.seed(), c.signature(), c.issuer()));
                Identity forgedIdentity = new Identity(forged, scopes);
                cases.add(headerCase("forged " + identity, "GET", target,
                        new RequestSigner(Clock.systemUTC()).authorization(forged, forgedIdentity.ext, "GET", target), false, forgedIdentity));
            }
            check(cases);
        }
    }

    private static void check(List<Case> cases) {
        List<Map<String, Object>> answers = checker.callAll(cases.stream().map(Case::request).toList());
        int accepted = 0;
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            Map<String, Object> answer = answers.get(i);
            String context = c.description + " (seed " + SEED + ") -> " + answer;
            assertEquals(c.valid, answer.get("ok"), context);
            if (c.valid) {
                accepted++;
                assertEquals(c.clientId, answer.get("clientId"), context);
                assertEquals(c.scopes, answer.get("scopes"), context);
            }
        }
        assertTrue(accepted > 0 && accepted < cases.size());
    }

    private static Case headerCase(String what, String method, Target target, String authorization, boolean valid, Identity identity) {
        Map<String, Object> request = Map.of("op", "header", "method", method, "resource", target.resource(),
                "hostHeader", target.authority(), "https", target.scheme().equals("https"), "authorization", authorization);
        return new Case(what, request, valid, identity.credentials.clientId(), identity.expectedScopes());
    }

    private static Case bewitCase(String what, Target target, boolean valid, Identity identity) {
        Map<String, Object> request = Map.of("op", "bewit", "resource", target.resource(),
                "hostHeader", target.authority(), "https", target.scheme().equals("https"));
        return new Case(what, request, valid, identity.credentials.clientId(), identity.expectedScopes());
    }

    /** Credentials, authorized scopes and the ext they make. */
    private static final class Identity {
        final Credentials credentials;
        final AuthorizedScopes scopes;
        final String ext;

        Identity(Credentials credentials, AuthorizedScopes scopes) {
            this.credentials = credentials;
            this.scopes = scopes;
            this.ext = Ext.of(credentials, scopes);
        }

        /** The scopes the auth service ends up with: the authorized scopes, else the certificate's, else the client's. */
        List<String> expectedScopes() {
            if (scopes.isRestricted()) {
                return scopes.scopes();
            }
            return credentials.isTemporary() ? credentials.certificate().scopes() : List.of("*");
        }

        @Override
        public String toString() {
            return credentials + " scopes " + scopes;
        }
    }

    private static Identity identity(Random random) throws InvalidCredentialsException {
        int kind = random.nextInt(3); // permanent, temporary, named temporary
        Credentials credentials = kind == 0 ? ISSUER : TemporaryCredentials.create(ISSUER,
                kind == 2 ? "project/named-" + random.nextInt(1000) : null,
                List.of("queue:get-artifact:*", "secrets:get:team/" + random.nextInt(10), "scope<&>\"\\"),
                Duration.ofMinutes(30 + random.nextInt(60)));
        AuthorizedScopes scopes = switch (random.nextInt(3)) {
            case 0 -> AuthorizedScopes.UNRESTRICTED;
            case 1 -> AuthorizedScopes.restrictedTo(List.of());
            default -> AuthorizedScopes.restrictedTo(List.of("queue:get-artifact:public/" + random.nextInt(100), "scope<&>\"\\"));
        };
        return new Identity(credentials, scopes);
    }

    private static final List<String> SEGMENTS = List.of("api", "queue", "v1", "task", "artifacts", "public%2Fbuild%2Fx.zip",
            "encode2%252F", "encode3%25252F", "", "a%20b", "~user", "x:y", "@at", "!$&'()*+,;=", "%E2%82%AC", "..", ".",
            "UPPER", "%7e", "dGVzdA", "bewitless");
    private static final List<String> KEYS = List.of("a", "b", "z", "key", "k%20y", "x+y", "a%26b", "e");

    private static Target randomTarget(Random random) {
        String scheme = random.nextBoolean() ? "https" : "http";
        String host = switch (random.nextInt(4)) {
            case 0 -> (random.nextInt(256)) + "." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256);
            case 1 -> random.nextBoolean() ? "[::1]" : "[2001:db8::" + Integer.toHexString(1 + random.nextInt(0xfffe)) + "]";
            case 2 -> "Tc-" + random.nextInt(100) + ".Example.COM";
            default -> "queue" + random.nextInt(10) + ".taskcluster-" + random.nextInt(10) + ".net";
        };
        int port = switch (random.nextInt(4)) {
            case 0 -> -1;
            case 1 -> scheme.equals("http") ? 80 : 443;
            default -> 1 + random.nextInt(65535);
        };
        StringBuilder path = new StringBuilder();
        int segments = 1 + random.nextInt(7);
        for (int s = 0; s < segments; s++) {
            path.append('/').append(SEGMENTS.get(random.nextInt(SEGMENTS.size())));
        }
        if (random.nextInt(4) == 0) {
            path.append('/'); // trailing slash
        }
        String query = null;
        if (random.nextBoolean()) {
            List<String> parameters = new ArrayList<>();
            int count = 1 + random.nextInt(5);
            for (int q = 0; q < count; q++) {
                String key = KEYS.get(random.nextInt(KEYS.size()));
                parameters.add(random.nextInt(6) == 0 ? key : key + "=" + random.nextInt(20));
            }
            query = String.join("&", parameters);
        }
        return new Target(scheme, host, port, path.toString(), query);
    }

    private static Target alterPath(Random random, Target target) {
        String path = target.rawPath().isEmpty() ? "/" : target.rawPath();
        int at = random.nextInt(path.length());
        char replacement = path.charAt(at) == 'q' ? 'r' : 'q';
        String altered = path.substring(0, at) + replacement + path.substring(at + 1);
        return new Target(target.scheme(), target.host(), target.port(), altered, target.rawQuery());
    }

    private static String otherMethod(Random random, String method) {
        String other;
        do {
            other = METHODS.get(random.nextInt(METHODS.size()));
        } while (other.equals(method));
        return other;
    }

    private static Target otherPort(Target target) {
        int port = target.effectivePort() == 65535 ? 1 : target.effectivePort() + 1;
        return new Target(target.scheme(), target.host(), port, target.rawPath(), target.rawQuery());
    }

    private static String alterMac(Random random, String authorization) {
        int start = authorization.indexOf("mac=\"") + 5;
        int at = start + random.nextInt(40);
        char replacement = authorization.charAt(at) == 'A' ? 'B' : 'A';
        return authorization.substring(0, at) + replacement + authorization.substring(at + 1);
    }

    private static Target alterBewitMac(Random random, Target signed) {
        String query = signed.rawQuery();
        int at = query.lastIndexOf("bewit=") + 6;
        String token = query.substring(at);
        String[] parts = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split("\\\\", -1);
        int i = random.nextInt(40);
        parts[2] = parts[2].substring(0, i) + (parts[2].charAt(i) == 'A' ? 'B' : 'A') + parts[2].substring(i + 1);
        String altered = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(String.join("\\", parts).getBytes(StandardCharsets.UTF_8));
        return new Target(signed.scheme(), signed.host(), signed.port(), signed.rawPath(), query.substring(0, at) + altered);
    }
}
