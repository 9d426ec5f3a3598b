package net.taskcluster.proxy.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Each second: the proxy's RSS, and the share of the host's CPU time stolen by the hypervisor (on a shared VM
 * latency follows it, so the per-minute lines show it beside the p99s).
 */
final class HostSampler implements Runnable {
    private final long pid;
    private final SoakMinute[] perMinute;

    HostSampler(long pid, SoakMinute[] perMinute) {
        this.pid = pid;
        this.perMinute = perMinute;
    }

    @Override
    public void run() {
        long start = System.nanoTime();
        long[] lastCpu = cpuTimes();
        while (!Thread.currentThread().isInterrupted()) {
            int minute = (int) ((System.nanoTime() - start) / 60_000_000_000L);
            if (minute >= perMinute.length) {
                return;
            }
            try {
                for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        perMinute[minute].rss(Long.parseLong(line.replaceAll("\\D", "")) / 1024.0);
                    }
                }
                long[] cpu = cpuTimes();
                long total = cpu[0] - lastCpu[0];
                if (total > 0) {
                    perMinute[minute].steal(total, cpu[1] - lastCpu[1]);
                }
                lastCpu = cpu;
                Thread.sleep(1000);
            } catch (IOException e) {
                return; // the proxy is gone: the run reports it through its errors
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** All CPU time of the host and the stolen part of it, in ticks, from /proc/stat. */
    private static long[] cpuTimes() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < fields.length && i <= 8; i++) { // user .. steal (guest time is within user)
                total += Long.parseLong(fields[i]);
            }
            return new long[] {total, fields.length > 8 ? Long.parseLong(fields[8]) : 0};
        } catch (IOException e) {
            return new long[] {0, 0};
        }
    }
}
