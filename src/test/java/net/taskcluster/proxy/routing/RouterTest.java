package net.taskcluster.proxy.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Routing, with the targets of the original's tests (reference-tests.md §§5, 6 and 12). */
class RouterTest {
    private static final Router ROUTER = new Router(new Target("https", "tc.example.com", -1, "", null));

    private static String target(String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        Route route = q < 0 ? ROUTER.route(pathAndQuery, null) : ROUTER.route(pathAndQuery.substring(0, q), pathAndQuery.substring(q + 1));
        return assertInstanceOf(Route.Proxied.class, route, pathAndQuery + " -> " + route).target().url();
    }

    @ParameterizedTest
    @CsvSource({
        // services_test.go (TestConvertPathForQueue)
        "/queue/v1/y/z, https://tc.example.com/api/queue/v1/y/z",
        "/aws-provisioner/v1/y/z, https://tc.example.com/api/aws-provisioner/v1/y/z",
        "/queue/v1/y%2fz, https://tc.example.com/api/queue/v1/y%2fz",
        // routes_test.go (TestNonCanonicalUrls)
        "/queue/v1/double//slash/encode1%2F/encode2%252F/encode3%25252F, https://tc.example.com/api/queue/v1/double//slash/encode1%2F/encode2%252F/encode3%25252F",
        // the /api form
        "/api/queue/v1/task/abc?b=2&a=1, https://tc.example.com/api/queue/v1/task/abc?b=2&a=1",
        "/api/auth/v1/test-authenticate-get/, https://tc.example.com/api/auth/v1/test-authenticate-get/",
        "/api/queue/v1/, https://tc.example.com/api/queue/v1/",
        "/api/queue/v1//x, https://tc.example.com/api/queue/v1/x",
        // observed behaviours (§12)
        "/queue/v1/, https://tc.example.com/api/queue/v1/",
        "/queue/v1//x, https://tc.example.com/api/queue/v1/x",
        "/Queue/V1/x, https://tc.example.com/api/Queue/V1/x",
        "/queue/v1/y%20/z?key=value&key2=value2, https://tc.example.com/api/queue/v1/y%20/z?key=value&key2=value2",
        // the hostname form
        "/myqueue.somewhere.com/v1/task/tsdtwe34tgs%2ff5yh?k=v%20m, https://myqueue.somewhere.com/v1/task/tsdtwe34tgs%2ff5yh?k=v%20m",
        "/example.com, https://example.com/",
        "/example.com/, https://example.com/",
        "/127.0.0.1/x, https://127.0.0.1/x",
        // printable ASCII goes on the wire as the caller sent it; what may not appear raw is escaped, escapes stay
        "/queue/v1/a|b[]{}^`<>\\, https://tc.example.com/api/queue/v1/a|b[]{}^`<>\\",
        "/queue/v1/caf\u00e9 x#y, https://tc.example.com/api/queue/v1/caf%C3%A9%20x%23y",
        "/queue/v1/a?q=\"x\"|{}, https://tc.example.com/api/queue/v1/a?q=\"x\"|{}",
    })
    void proxiedTargets(String path, String expected) {
        assertEquals(expected, target(path));
    }

    @Test
    void theRootUrlsPathPrefixesApiPaths() {
        Router router = new Router(new Target("http", "127.0.0.1", 8080, "/tc", null));
        assertEquals("http://127.0.0.1:8080/tc/api/queue/v1/task/x",
                assertInstanceOf(Route.Proxied.class, router.route("/queue/v1/task/x", null)).target().url());
    }

    @Test
    void ownEndpoints() {
        assertInstanceOf(Route.Bewit.class, ROUTER.route("/bewit", null));
        assertInstanceOf(Route.Credentials.class, ROUTER.route("/credentials", null));
        assertInstanceOf(Route.Credentials.class, ROUTER.route("/credentials", "x=1"));
        // Unlike the original, no prefix matching: these are not the endpoints.
        assertInstanceOf(Route.NotFound.class, ROUTER.route("/credentialsXYZ", null));
        assertInstanceOf(Route.NotFound.class, ROUTER.route("/bewitXYZ", null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "", "/x@/", "/x@/v1/y", "/example.com:8080/x", "/my_svc/v1/x", "/-bad/v1/x", "/queue",
        "/queue/v1", "/queue//x", "/api", "/api/", "/api/queue/v1", "/apiary/v1/x", "/a..b/x", "/.example.com/x",
        "/example-.com/x", "*", "queue/v1/x", "example.com/x"})
    void notFound(String path) {
        Route route = ROUTER.route(path, null);
        assertTrue(route instanceof Route.NotFound notFound && !notFound.message().isEmpty(), path + " -> " + route);
    }

    // Found by RouterPropertiesTest. None of these reach the router through the server (it decodes the request line
    // as UTF-8 with U+FFFD for malformed bytes, and splits the query off at '?'), but Router.route took them wrong.
    @Test
    void anUnpairedSurrogateIsRefusedNotSentAsAnEscapedQuestionMark() {
        // It went out as %3F, and a high one took the next character with it: "a\ud800/b" became a%3F%2Fb.
        assertInstanceOf(Route.BadRequest.class, ROUTER.route("/queue/v1/a\ud800/b", null));
        assertInstanceOf(Route.BadRequest.class, ROUTER.route("/queue/v1/a\udc00", null));
        assertInstanceOf(Route.BadRequest.class, ROUTER.route("/queue/v1/x\ud800", null));
        assertInstanceOf(Route.BadRequest.class, ROUTER.route("/queue/v1/x", "q=\ud800"));
        assertEquals("https://tc.example.com/api/queue/v1/%F0%9F%98%80/b", target("/queue/v1/\ud83d\ude00/b"));
    }

    // Found by RouterPropertiesTest: the quoted escape ended in half of a surrogate pair, which has no UTF-8 bytes.
    @Test
    void aMalformedEscapeIsQuotedInWholeCharacters() {
        for (Route route : new Route[] {ROUTER.route("/queue/v1/x%=\ud83d\ude00", null), ROUTER.route("/queue/v1/x", "q=%=\ud83d\ude00")}) {
            Route.BadRequest bad = assertInstanceOf(Route.BadRequest.class, route);
            assertTrue(bad.message().contains("malformed percent-escape \"%=\ud83d\ude00\""), bad.message());
        }
    }

    @Test
    void aQuestionMarkInThePathStaysInThePath() {
        // Sent raw, it made the upstream read "/api/queue/v1/a" with the query "b?c=1".
        assertEquals("https://tc.example.com/api/queue/v1/a%3Fb?c=1",
                assertInstanceOf(Route.Proxied.class, ROUTER.route("/queue/v1/a?b", "c=1")).target().url());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/queue/v1/a\u0000b", "/queue/v1/a\nb", "/queue/v1/a\u007fb", "/queue/v1/\tx"})
    void controlCharactersAreBadRequests(String path) {
        assertInstanceOf(Route.BadRequest.class, ROUTER.route(path, null));
        assertInstanceOf(Route.BadRequest.class, ROUTER.route("/queue/v1/x", path.substring(10)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"%zz", "%", "%2", "%2g", "%u0041", "a%", "%%41"})
    void malformedPercentEscapesAreBadRequestsThatQuoteThem(String escape) {
        for (Route route : new Route[] {ROUTER.route("/queue/v1/x" + escape, null), ROUTER.route("/queue/v1/x", "q=" + escape)}) {
            Route.BadRequest bad = assertInstanceOf(Route.BadRequest.class, route, escape);
            assertTrue(bad.message().contains("malformed percent-escape \"%"), bad.message());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/queue/v1/%2F%2f%25%00%ff", "/queue/v1/100%25"})
    void wellFormedEscapesOfAnyByteAreNotProblems(String path) {
        assertEquals(null, Router.problem(path));
    }
}
