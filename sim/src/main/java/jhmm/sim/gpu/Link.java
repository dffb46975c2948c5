package jhmm.sim.gpu;

import jhmm.sim.cost.CostModel;

/**
 * The GPU's PCIe link, full duplex: each direction carries one transfer at a time, in the order
 * they were asked for. A transfer asked for at t starts when the direction is free and takes
 * the cost model's time for its size.
 */
final class Link {
    private final CostModel cost;
    private final long[] freeAt = new long[2];
    private final long[] busy = new long[2];
    private final long[] bytes = new long[2];

    static final int TO_GPU = 0;
    static final int TO_HOST = 1;

    Link(CostModel cost) {
        this.cost = cost;
    }

    /** Moves {@code total} bytes in {@code transfers} transfers from {@code t}; returns when the last ends. */
    long transfer(int direction, long t, long total, long transfers) {
        if (total == 0) {
            return t;
        }
        long n = Math.max(1, transfers);
        long each = total / n;
        // n - 1 transfers of an equal share, the last one with the remainder too
        long time = (n - 1) * cost.transfer(each) + cost.transfer(total - each * (n - 1));
        long start = Math.max(t, freeAt[direction]);
        freeAt[direction] = start + time;
        busy[direction] += time;
        bytes[direction] += total;
        return freeAt[direction];
    }

    long busy(int direction) {
        return busy[direction];
    }

    long bytes(int direction) {
        return bytes[direction];
    }
}
