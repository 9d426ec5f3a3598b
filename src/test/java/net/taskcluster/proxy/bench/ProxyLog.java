package net.taskcluster.proxy.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Reads the proxy's log as it comes (a worker would): counts lines, keeps warnings and errors. */
final class ProxyLog {
    private final AtomicLong lines = new AtomicLong();
    private final AtomicLong warnings = new AtomicLong();
    private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    private final CountDownLatch listening = new CountDownLatch(1);
    private volatile int port;

    ProxyLog(Process proxy) {
        Thread.ofPlatform().daemon().name("proxy-log").start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(proxy.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.incrementAndGet();
                    int at = line.indexOf("listening on ");
                    if (at >= 0 && port == 0) {
                        port = Integer.parseInt(line.substring(line.lastIndexOf(':') + 1).trim());
                        listening.countDown();
                    }
                    if (line.contains(":WARN") || line.contains(":ERROR")) {
                        warnings.incrementAndGet();
                        if (problems.size() < 20) {
                            problems.add(line);
                        }
                    }
                }
            } catch (IOException e) {
                // the proxy was stopped: its log ends here
            }
        });
    }

    int awaitPort() throws InterruptedException {
        if (!listening.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the proxy did not start");
        }
        return port;
    }

    long lines() {
        return lines.get();
    }

    long warnings() {
        return warnings.get();
    }

    void printProblems() {
        problems.stream().limit(5).forEach(l -> System.out.println("proxy: " + l));
    }
}
