package net.taskcluster.proxy.bench;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/** Counts one source's errors and keeps the first few, to print at the end. */
final class Errors {
    private static final int KEPT = 5;

    private final String source;
    private final AtomicLong count = new AtomicLong();
    private final ConcurrentLinkedQueue<String> first = new ConcurrentLinkedQueue<>();

    Errors(String source) {
        this.source = source;
    }

    void add(String what) {
        if (count.incrementAndGet() <= KEPT) {
            first.add(source + ": " + what);
        }
    }

    long count() {
        return count.get();
    }

    void print() {
        first.forEach(e -> System.out.println("error: " + e));
    }
}
