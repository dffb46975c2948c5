package jhmm.sim.engine;

import java.util.Arrays;

/**
 * The pending wakeups, earliest first: a 4-ary min-heap over two parallel primitive arrays, the
 * time in picoseconds and a tie word (phase, then the sequence number the wakeup was scheduled
 * with, then the actor). Ordering ties by phase and sequence makes a run deterministic; nothing
 * is allocated per event.
 */
final class EventQueue {
    private static final int ACTOR_BITS = 24;
    private static final int SEQ_BITS = 36;
    static final int MAX_ACTORS = 1 << ACTOR_BITS;
    static final int PHASES = 8;

    private long[] time = new long[64];
    private long[] tie = new long[64];
    private int size;

    static long tie(int phase, long seq, int actor) {
        return (long) phase << (SEQ_BITS + ACTOR_BITS) | (seq & ((1L << SEQ_BITS) - 1)) << ACTOR_BITS | actor;
    }

    int size() {
        return size;
    }

    /** The earliest time pending; only when not empty. */
    long peekTime() {
        return time[0];
    }

    void push(long t, long k) {
        if (size == time.length) {
            time = Arrays.copyOf(time, size * 2);
            tie = Arrays.copyOf(tie, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 2;
            if (!before(t, k, time[parent], tie[parent])) {
                break;
            }
            time[i] = time[parent];
            tie[i] = tie[parent];
            i = parent;
        }
        time[i] = t;
        tie[i] = k;
    }

    /** Removes the earliest wakeup and returns its actor; its time was {@link #peekTime()}. */
    int pop() {
        int actor = (int) (tie[0] & (MAX_ACTORS - 1));
        long t = time[--size];
        long k = tie[size];
        int i = 0;
        while (true) {
            int first = 4 * i + 1;
            if (first >= size) {
                break;
            }
            int best = first;
            int last = Math.min(first + 4, size);
            for (int c = first + 1; c < last; c++) {
                if (before(time[c], tie[c], time[best], tie[best])) {
                    best = c;
                }
            }
            if (!before(time[best], tie[best], t, k)) {
                break;
            }
            time[i] = time[best];
            tie[i] = tie[best];
            i = best;
        }
        time[i] = t;
        tie[i] = k;
        return actor;
    }

    private static boolean before(long t1, long k1, long t2, long k2) {
        return t1 < t2 || (t1 == t2 && k1 < k2);
    }
}
