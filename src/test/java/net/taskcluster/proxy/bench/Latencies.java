package net.taskcluster.proxy.bench;

import java.util.Arrays;
import java.util.stream.Stream;

/** The latencies and error count of one caller in one minute; thread-safe, growing as needed. */
final class Latencies {
    private long[] nanos = new long[1 << 12];
    private int count;
    private int errors;

    synchronized void record(long latencyNanos, boolean ok) {
        if (count == nanos.length) {
            nanos = Arrays.copyOf(nanos, count * 2);
        }
        nanos[count++] = latencyNanos;
        if (!ok) {
            errors++;
        }
    }

    synchronized int count() {
        return count;
    }

    synchronized int errors() {
        return errors;
    }

    synchronized long[] sorted() {
        long[] copy = Arrays.copyOf(nanos, count);
        Arrays.sort(copy);
        return copy;
    }

    /** All latencies of several minutes, sorted. */
    static long[] sorted(Stream<Latencies> minutes) {
        return minutes.map(Latencies::sorted).flatMapToLong(Arrays::stream).sorted().toArray();
    }

    /** The q-quantile of sorted latencies, in milliseconds (0 when there are none). */
    static double quantileMs(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] / 1e6;
    }
}
