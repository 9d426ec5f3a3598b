package net.taskcluster.proxy.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What one minute of the soak measured: the proxy's and the probe's latencies, the proxy's RSS, the host's steal. */
final class SoakMinute {
    final Latencies proxy = new Latencies();
    final Latencies probe = new Latencies();
    private final List<Double> rss = new ArrayList<>();
    private long cpuTicks;
    private long stolenTicks;

    synchronized void rss(double mib) {
        rss.add(mib);
    }

    synchronized void steal(long ticks, long stolen) {
        cpuTicks += ticks;
        stolenTicks += stolen;
    }

    synchronized List<Double> rssSamples() {
        return List.copyOf(rss);
    }

    /** One line for this minute; minutes up to 0 are the settling ones. */
    String describe(int minute) {
        long[] proxied = proxy.sorted();
        long[] probed = probe.sorted();
        double proxyP99 = Latencies.quantileMs(proxied, 0.99);
        double probeP99 = Latencies.quantileMs(probed, 0.99);
        double stealPercent;
        synchronized (this) {
            stealPercent = cpuTicks == 0 ? 0 : 100.0 * stolenTicks / cpuTicks;
        }
        return String.format(Locale.ROOT,
                "%s proxy %7d req, %d err, p50 %.2f ms, p99 %6.2f ms, max %6.1f ms | probe %5d req, %d err, p99 %6.2f ms | ratio %5.2f | RSS %.1f MiB | CPU steal %4.1f %%",
                minute <= 0 ? "settling: " : String.format(Locale.ROOT, "minute %2d:", minute), proxied.length,
                proxy.errors(), Latencies.quantileMs(proxied, 0.50), proxyP99,
                proxied.length == 0 ? 0 : proxied[proxied.length - 1] / 1e6, probed.length, probe.errors(), probeP99,
                probeP99 == 0 ? Double.NaN : proxyP99 / probeP99,
                rssSamples().stream().mapToDouble(Double::doubleValue).average().orElse(0), stealPercent);
    }
}
