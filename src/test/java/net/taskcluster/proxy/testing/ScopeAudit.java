package net.taskcluster.proxy.testing;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scope safety over a whole test class: every request the fake deployment received from a proxy carried exactly
 * the authorized scopes that proxy announced when it started (none missing, none extra, across credential
 * rotations), signed as one of the identities it was given, and never the caller's own Authorization header.
 * The deployment names the proxy behind each connection (src/test/node/peer-process.mjs).
 */
public final class ScopeAudit {
    private static final Pattern HAWK_ID = Pattern.compile("^Hawk id=\"([^\"]*)\"");
    private static final Pattern INITIAL_CLIENT = Pattern.compile("root URL \\S+, client id ([^\\s,]+) \\(");
    private static final Pattern ROTATED_CLIENT = Pattern.compile("credentials updated: client id ([^\\s,]+)");
    private static final String SCOPES = "authorized scopes: ";

    private ScopeAudit() {
    }

    public static void check(FakeDeployment upstream) {
        List<String> problems = problems(upstream, ScopeAudit::expectedScopes);
        if (!problems.isEmpty()) {
            fail(problems.size() + " scope problems, first " + Math.min(5, problems.size()) + ":\n"
                    + String.join("\n", problems.subList(0, Math.min(5, problems.size()))));
        }
    }

    /**
     * What is wrong with the requests the deployment saw, were each proxy's scopes those {@code expectedScopes}
     * says (a list, or "(none)" for unrestricted).
     */
    public static List<String> problems(FakeDeployment upstream, Function<ProxyProcess, Object> expectedScopes) {
        int audited = 0;
        Set<Long> seen = new HashSet<>();
        List<String> problems = new ArrayList<>();
        // Read off each proxy's log once, not once per request: RotationIT alone sends tens of thousands.
        Map<Long, Set<String>> clientIdsByProxy = new HashMap<>();
        Map<Long, Object> expectedByProxy = new HashMap<>();
        for (Map<String, Object> entry : upstream.authLog()) {
            Object pid = entry.get("proxyPid");
            if (pid == null) {
                continue; // sent by the test itself or a Node client, not through a proxy
            }
            ProxyProcess proxy = ProxyProcess.started(((Number) pid).longValue());
            if (proxy == null) {
                problems.add("a request from a proxy these tests did not start (pid " + pid + "): " + entry.get("target"));
                continue;
            }
            seen.add(proxy.pid());
            audited++;
            String authorization = (String) entry.get("authorization");
            Matcher id = HAWK_ID.matcher(authorization == null ? "" : authorization);
            if (!id.find()) {
                problems.add("not signed by the proxy (Authorization " + (authorization == null ? "missing" : "not Hawk")
                        + "): " + entry.get("method") + " " + entry.get("target"));
                continue;
            }
            if (!clientIdsByProxy.computeIfAbsent(proxy.pid(), k -> clientIds(proxy)).contains(id.group(1))) {
                problems.add("signed as " + id.group(1) + ", which proxy " + proxy.pid() + " was never given: " + entry.get("target"));
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> ext = (Map<String, Object>) entry.get("sentExt");
            Object sent = ext.containsKey("authorizedScopes") ? ext.get("authorizedScopes") : "(none)";
            Object expected = expectedByProxy.computeIfAbsent(proxy.pid(), k -> expectedScopes.apply(proxy));
            if (!expected.equals(sent)) {
                problems.add("authorized scopes " + sent + " from a proxy started with " + expected + ": "
                        + entry.get("method") + " " + entry.get("target"));
            }
        }
        // Only the proxies started since the deployment: an earlier server of the tests may have had its port.
        for (ProxyProcess proxy : upstream.proxiesSinceStart()) {
            if (forwardedTo(proxy, upstream.rootUrl()) && !seen.contains(proxy.pid())) {
                problems.add("proxy " + proxy.pid() + " forwarded to " + upstream.rootUrl()
                        + " but none of its requests was attributed to it: the audit cannot see it");
            }
        }
        System.out.printf("scope audit: %d requests from %d proxies checked%n", audited, seen.size());
        return problems;
    }

    /**
     * The scopes a proxy must send: the scopes on its command line, read here independently of the proxy's own
     * parser, and checked against what it announced; with --task-id they come from the task (IdentitiesIT checks
     * those against the task definitions), so the announcement is all there is to hold it to.
     */
    public static Object expectedScopes(ProxyProcess proxy) {
        Object announced = announcedScopes(proxy);
        List<String> positional = new ArrayList<>();
        boolean taskId = false;
        List<String> args = proxy.args();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                positional.addAll(args.subList(i + 1, args.size()));
                break;
            }
            if (arg.startsWith("--")) {
                String name = arg.substring(2).split("=", 2)[0];
                taskId |= "task-id".startsWith(name) && name.length() >= 2;
                if (!arg.contains("=") && VALUED.stream().anyMatch(flag -> flag.startsWith(name))) {
                    i++;
                }
            } else if (arg.startsWith("-") && arg.length() > 1) {
                taskId |= arg.startsWith("-t");
                if (arg.length() == 2 && "pit".indexOf(arg.charAt(1)) >= 0) { // -p, -i, -t take a value (or -p80)
                    i++;
                }
            } else {
                positional.add(arg);
            }
        }
        if (taskId) {
            return announced;
        }
        Object fromArgs = positional.isEmpty() ? "(none)" : positional;
        if (!fromArgs.equals(announced)) {
            throw new AssertionError("proxy " + proxy.pid() + " was given the scopes " + fromArgs + " but announced " + announced);
        }
        return fromArgs;
    }

    /** Long options that take a value (abbreviations of them are accepted, as the proxy accepts them). */
    private static final List<String> VALUED = List.of("port", "ip-address", "task-id", "root-url", "client-id",
            "access-token", "certificate", "allowed-user", "allowed-network", "connect-timeout", "idle-timeout",
            "retry-budget", "max-buffered-body", "shutdown-timeout", "retry-429", "port-file", "upstream-http");

    /** The scopes the proxy said it restricts its requests to, as JSON would give them; "(none)" when unrestricted. */
    public static Object announcedScopes(ProxyProcess proxy) {
        for (String line : proxy.stderr()) {
            if (line.contains("no " + SCOPES)) {
                return "(none)";
            }
            int at = line.indexOf(SCOPES);
            if (at >= 0) {
                try {
                    return JSON.std.listFrom(line.substring(at + SCOPES.length()));
                } catch (IOException e) {
                    throw new AssertionError("unreadable scopes line: " + line, e);
                }
            }
        }
        throw new AssertionError("proxy " + proxy.pid() + " forwarded without announcing its scopes");
    }

    private static Set<String> clientIds(ProxyProcess proxy) {
        Set<String> ids = new HashSet<>();
        for (String line : proxy.stderr()) {
            for (Pattern p : List.of(INITIAL_CLIENT, ROTATED_CLIENT)) {
                Matcher m = p.matcher(line);
                if (m.find()) {
                    ids.add(m.group(1));
                }
            }
        }
        return ids;
    }

    /** Whether the proxy's log shows an answer from this upstream (not a failure to reach it). */
    private static boolean forwardedTo(ProxyProcess proxy, String rootUrl) {
        Pattern answered = Pattern.compile(" -> " + Pattern.quote(rootUrl) + "/\\S* (\\d{3}) in ");
        for (String line : proxy.stderr()) {
            Matcher m = answered.matcher(line);
            if (m.find() && !m.group(1).equals("502") && !m.group(1).equals("504")) {
                return true;
            }
        }
        return false;
    }
}
