package net.taskcluster.proxy.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * A second network namespace joined to this one by a veth pair, with addresses from 198.18.0.0/15 (the range set
 * aside for such tests): this side is 198.18.N.1, the namespace's side 198.18.N.2. A client run in the namespace
 * has sockets that this namespace's /proc/net/tcp does not show, as a container's do.
 */
public final class TestNetwork implements AutoCloseable {
    public final String namespace;
    public final String hostAddress;
    public final String namespaceAddress;
    public final String network;
    private final String hostInterface;

    private TestNetwork(int n) {
        this.namespace = "tcproxy-" + n;
        this.hostInterface = "tcph" + n;
        this.hostAddress = "198.18." + n + ".1";
        this.namespaceAddress = "198.18." + n + ".2";
        this.network = "198.18." + n + ".0/24";
    }

    /** Creates the namespace, or skips the calling test (visibly) when this machine cannot. */
    public static TestNetwork create() {
        Privileged.skipUnless(Privileged.run(List.of("ip", "-V")).exitCode() == 0, "iproute2 (ip) is not installed");
        TestNetwork net = new TestNetwork((int) (ProcessHandle.current().pid() % 200) + 20);
        net.close(); // leftovers of an earlier run
        String nsInterface = "tcpn" + net.hostInterface.substring(4);
        boolean created = Privileged.run(List.of("ip", "netns", "add", net.namespace)).exitCode() == 0;
        Privileged.skipUnless(created, "cannot create a network namespace here (ip netns add failed)");
        Privileged.runOrFail("ip", "link", "add", net.hostInterface, "type", "veth", "peer", "name", nsInterface);
        Privileged.runOrFail("ip", "link", "set", nsInterface, "netns", net.namespace);
        Privileged.runOrFail("ip", "addr", "add", net.hostAddress + "/24", "dev", net.hostInterface);
        Privileged.runOrFail("ip", "link", "set", net.hostInterface, "up");
        Privileged.runOrFail("ip", "netns", "exec", net.namespace, "ip", "addr", "add", net.namespaceAddress + "/24", "dev", nsInterface);
        Privileged.runOrFail("ip", "netns", "exec", net.namespace, "ip", "link", "set", nsInterface, "up");
        Privileged.runOrFail("ip", "netns", "exec", net.namespace, "ip", "link", "set", "lo", "up");
        return net;
    }

    /** curl run (as root) inside the namespace. */
    public Privileged.Result curlInside(String... curlArguments) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace,
                "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_header}", "--max-time", "20"));
        command.addAll(List.of(curlArguments));
        return Privileged.run(command);
    }

    @Override
    public void close() {
        Privileged.run(List.of("ip", "netns", "del", namespace));
        Privileged.run(List.of("ip", "link", "del", hostInterface));
    }
}
