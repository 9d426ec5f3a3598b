package net.taskcluster.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import net.taskcluster.proxy.Version;
import net.taskcluster.proxy.auth.AuthorizedScopes;
import net.taskcluster.proxy.config.Config;
import net.taskcluster.proxy.config.UpstreamHttp;
import net.taskcluster.proxy.peer.AllowedPeers;
import net.taskcluster.proxy.peer.Cidr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line in-process; CliIT runs the real launcher. Cases from the original's parse_test.go. */
class CliTest {
    private static final String CERT = "{\"version\":1,\"scopes\":[\"a\"],\"start\":1,\"expiry\":2,\"seed\":\"s\",\"signature\":\"x\"}";
    private static final String BASE = "--root-url https://tc-tests.example.com --client-id abc --access-token ghi";

    private static Config config(String args, Map<String, String> env) throws UsageException {
        String[] argv = args.isEmpty() ? new String[0] : args.split(" ");
        return assertInstanceOf(Invocation.Run.class, Cli.parse(argv, env)).config();
    }

    private static Config config(String args) throws UsageException {
        return config(args, Map.of());
    }

    private static String error(String args, Map<String, String> env) {
        return assertThrows(UsageException.class, () -> Cli.parse(args.isEmpty() ? new String[0] : args.split(" "), env)).getMessage();
    }

    @Test
    void noTaskNoScopesMeansNoRestriction() throws Exception {
        Config c = config(BASE);
        assertEquals(AuthorizedScopes.UNRESTRICTED, c.commandLineScopes());
        assertNull(c.listen().address());
        assertEquals(8080, c.listen().port());
    }

    @Test
    void nonDefaultPortAndInterface() throws Exception {
        Config c = config(BASE + " --port 12345 --ip-address 172.17.0.44");
        assertEquals(12345, c.listen().port());
        assertEquals("172.17.0.44", c.listen().address().getHostAddress());
        assertEquals("0:0:0:0:0:0:0:1", config(BASE + " -i ::1").listen().address().getHostAddress());
        assertEquals("0:0:0:0:0:0:0:1", config(BASE + " -i [::1]").listen().address().getHostAddress());
    }

    @Test
    void twoScopesAndACertificate() throws Exception {
        Config c = config("--root-url https://tc-tests.example.com --client-id abc --certificate " + CERT
                + " --access-token ghi --port 12345 a:b:c d:e:f");
        assertEquals("abc", c.credentials().clientId());
        assertEquals("ghi", c.credentials().accessToken());
        assertTrue(c.credentials().isTemporary());
        assertEquals(AuthorizedScopes.restrictedTo(List.of("a:b:c", "d:e:f")), c.commandLineScopes());
    }

    @Test
    void aTaskIdRestrictsEvenWithoutScopes() throws Exception {
        Config c = config(BASE + " --task-id abc");
        assertEquals("abc", c.taskId());
        assertEquals(AuthorizedScopes.restrictedTo(List.of()), c.commandLineScopes());
    }

    @Test
    void genericWorkerStyle() throws Exception {
        Config c = config("--port 80 --root-url https://tc.example.com --ip-address 127.0.0.1 --allowed-user nobody "
                + "queue:get-artifact:private/* queue:create-artifact:KTBKfEgxR5GdfIIREQIvFQ/0",
                Map.of("TASKCLUSTER_CLIENT_ID", "id", "TASKCLUSTER_ACCESS_TOKEN", "tok", "TASKCLUSTER_CERTIFICATE", CERT));
        assertEquals(80, c.listen().port());
        assertEquals(new AllowedPeers("nobody", 65534, null), c.allowedPeers());
        assertEquals(List.of("queue:get-artifact:private/*", "queue:create-artifact:KTBKfEgxR5GdfIIREQIvFQ/0"), c.scopes());
        assertEquals("id", c.credentials().clientId());
        assertTrue(c.credentials().isTemporary());
    }

    @Test
    void dockerWorkerStyle() throws Exception {
        Config c = config("--client-id=abc --access-token=def --certificate=" + CERT + " --root-url=https://tc.example.com a:b c:d");
        assertEquals("def", c.credentials().accessToken());
        assertEquals(List.of("a:b", "c:d"), c.scopes());
        assertEquals("https://tc.example.com/", c.rootUrl().url());
    }

    @Test
    void docoptConventions() throws Exception {
        Config c = config("-p80 a --root https://x.example.com/tc/// b --client-i=abc --access ghi -- -c --d");
        assertEquals(80, c.listen().port());
        assertEquals("https://x.example.com/tc", c.rootUrl().url());
        assertEquals(List.of("a", "b", "-c", "--d"), c.scopes());
        assertEquals("abc", c.credentials().clientId());
    }

    @Test
    void environmentFallbacksAndEmptyFlagsCountAsAbsent() throws Exception {
        Map<String, String> env = Map.of("TASKCLUSTER_ROOT_URL", "https://env.example.com", "TASKCLUSTER_CLIENT_ID", "env-id",
                "TASKCLUSTER_ACCESS_TOKEN", "env-token", "TASKCLUSTER_CERTIFICATE", CERT);
        Config c = config("--client-id= --certificate=", env);
        assertEquals("https://env.example.com/", c.rootUrl().url());
        assertEquals("env-id", c.credentials().clientId());
        assertEquals("env-token", c.credentials().accessToken());
        assertTrue(c.credentials().isTemporary());
        Config flags = config(BASE, env);
        assertEquals("abc", flags.credentials().clientId());
        assertFalse(config(BASE, Map.of()).credentials().isTemporary());
    }

    @Test
    void aRepeatedOptionTakesItsLastValue() throws Exception {
        Config c = config(BASE + " --port 1 --ip-address 127.0.0.1 --port 2 --ip-address ::1");
        assertEquals(2, c.listen().port());
        assertEquals("0:0:0:0:0:0:0:1", c.listen().address().getHostAddress());
    }

    @Test
    void ourOwnFlags() throws Exception {
        Config c = config(BASE + " --connect-timeout 250ms --idle-timeout 3 --retry-budget 1m --max-buffered-body 1m --shutdown-timeout 2h");
        assertEquals(Duration.ofMillis(250), c.timeouts().connect());
        assertEquals(Duration.ofSeconds(3), c.timeouts().idle());
        assertEquals(Duration.ofMinutes(1), c.timeouts().retryBudget());
        assertEquals(1 << 20, c.maxBufferedBody());
        assertEquals(Duration.ofHours(2), c.timeouts().shutdown());
    }

    @Test
    void upstreamHttpIsAutoUnlessOneOneIsAsked() throws Exception {
        assertEquals(UpstreamHttp.AUTO, config(BASE).upstreamHttp());
        assertEquals(UpstreamHttp.HTTP_1_1, config(BASE + " --upstream-http 1.1").upstreamHttp());
        assertEquals(UpstreamHttp.AUTO, config(BASE + " --upstream-http=AUTO").upstreamHttp());
        assertEquals("--upstream-http: 'h2c' is not auto or 1.1", error(BASE + " --upstream-http h2c", Map.of()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--port -12345 --ip-address 172.17.0.44 | port -12345 is not in range [0,65535]",
        "--port 65536 | port 65536 is not in range [0,65535]",
        "--port abc | port \"abc\" is not a number",
        "--port 12345 --ip-address 172.17.0.44.66 | invalid IPv4/IPv6 address specified - cannot parse: 172.17.0.44.66",
        "--ip-address localhost | invalid IPv4/IPv6 address specified - cannot parse: localhost",
        "--client-id abc --access-token ghi | --root-url (or TASKCLUSTER_ROOT_URL) is required",
        "--root-url https://x.example.com --access-token ghi | --client-id (or TASKCLUSTER_CLIENT_ID) is required",
        "--root-url https://x.example.com --client-id abc | --access-token (or TASKCLUSTER_ACCESS_TOKEN) is required",
        "--root-url ftp://x --client-id a --access-token b | --root-url \"ftp://x\" is not an absolute http(s) URL",
        "--root-url x.example.com --client-id a --access-token b | --root-url \"x.example.com\" is not an absolute http(s) URL",
        "--bogus | unknown option --bogus",
        "--allowed x | option --allowed is ambiguous: it may be --allowed-user or --allowed-network",
        "-p | option --port needs a value",
        "a -x | unknown option -x",
        "--idle-timeout soon | --idle-timeout: 'soon' is not a duration (such as 500ms, 30s, 15m or 1h)",
    })
    void misuse(String args, String message) {
        assertEquals(message, error(args, Map.of()));
    }

    @Test
    void unparseableCertificate() {
        assertEquals("invalid --certificate (or TASKCLUSTER_CERTIFICATE): certificate is not valid JSON (line 1, column 1)",
                error(BASE + " --certificate def", Map.of()));
    }

    @Test
    void anUnknownOptionsValueIsNeverPrinted() {
        String message = error(BASE + " --acess-token=SECRET-TOKEN", Map.of());
        assertEquals("unknown option --acess-token", message);
    }

    @Test
    void allowedPeers() throws Exception {
        assertNull(config(BASE).allowedPeers());
        assertEquals(new AllowedPeers("root", 0, Cidr.parse("172.18.0.0/16")),
                config(BASE + " --allowed-user root --allowed-network 172.18.0.0/16").allowedPeers());
        assertEquals("unknown user \"nonexistent-user-abc123xyz\"", error(BASE + " --allowed-user nonexistent-user-abc123xyz", Map.of()));
        assertEquals("--allowed-network needs --allowed-user (it admits peers whose owner cannot be seen)",
                error(BASE + " --allowed-network 172.18.0.0/16", Map.of()));
    }

    @Test
    void badAllowedNetworks() {
        assertEquals("--allowed-network CIDR \"0.0.0.0/0\" is too broad (0/32 allows all addresses)",
                error(BASE + " --allowed-user root --allowed-network 0.0.0.0/0", Map.of()));
        assertEquals("--allowed-network CIDR \"::/0\" is too broad (0/128 allows all addresses)",
                error(BASE + " --allowed-user root --allowed-network ::/0", Map.of()));
        assertTrue(error(BASE + " --allowed-user root --allowed-network 10.0.0.0", Map.of()).startsWith("invalid --allowed-network CIDR \"10.0.0.0\""));
        assertTrue(error(BASE + " --allowed-user root --allowed-network 10.0.0.0/33", Map.of()).startsWith("invalid --allowed-network CIDR"));
    }

    @Test
    void helpAndVersions() throws Exception {
        String help = assertInstanceOf(Invocation.Print.class, Cli.parse(new String[] {"--help"}, Map.of())).text();
        assertTrue(help.contains("taskcluster-proxy [options] [<scope>...]"), help);
        for (String option : List.of("--port", "--ip-address", "--task-id", "--root-url", "--client-id", "--access-token",
                "--certificate", "--allowed-user", "--allowed-network", "--version", "--short-version", "--connect-timeout",
                "--idle-timeout", "--retry-budget", "--max-buffered-body", "--shutdown-timeout")) {
            assertTrue(help.contains(option), option);
        }
        assertEquals(Version.CURRENT.describe() + System.lineSeparator(),
                assertInstanceOf(Invocation.Print.class, Cli.parse(new String[] {"--version"}, Map.of())).text());
        assertEquals(Version.CURRENT.version() + System.lineSeparator(),
                assertInstanceOf(Invocation.Print.class, Cli.parse(new String[] {"--short-version"}, Map.of())).text());
    }
}
