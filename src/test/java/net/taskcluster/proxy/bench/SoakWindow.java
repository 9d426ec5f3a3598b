package net.taskcluster.proxy.bench;

import java.util.Arrays;
import java.util.Locale;

/** Some consecutive minutes taken together: the proxy's and the probe's p99 over all of them, the mean RSS. */
record SoakWindow(double proxyP99Ms, double probeP99Ms, double rssMiB) {

    static SoakWindow of(SoakMinute[] minutes) {
        double proxy = Latencies.quantileMs(Latencies.sorted(Arrays.stream(minutes).map(m -> m.proxy)), 0.99);
        double probe = Latencies.quantileMs(Latencies.sorted(Arrays.stream(minutes).map(m -> m.probe)), 0.99);
        double rss = Arrays.stream(minutes).flatMap(m -> m.rssSamples().stream()).mapToDouble(Double::doubleValue)
                .average().orElse(Double.NaN);
        return new SoakWindow(proxy, probe, rss);
    }

    /** How many times the upstream's own p99 the proxy's is: what the host does to both cancels out. */
    double ratio() {
        return proxyP99Ms / probeP99Ms;
    }

    String describe() {
        return String.format(Locale.ROOT, "proxy p99 %.2f ms, probe p99 %.2f ms, ratio %.2f, RSS %.1f MiB",
                proxyP99Ms, probeP99Ms, ratio(), rssMiB);
    }
}
