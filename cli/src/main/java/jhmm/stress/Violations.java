package jhmm.stress;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** What went wrong during a run: counted in full, the first few kept as sentences. */
final class Violations {
    private static final int KEPT = 20;
    private final AtomicLong count = new AtomicLong();
    private final List<String> first = new ArrayList<>();

    void add(String what) {
        count.incrementAndGet();
        synchronized (first) {
            if (first.size() < KEPT) {
                first.add(what);
            }
        }
    }

    void addAll(List<String> whats) {
        whats.forEach(this::add);
    }

    long count() {
        return count.get();
    }

    List<String> first() {
        synchronized (first) {
            return List.copyOf(first);
        }
    }
}
