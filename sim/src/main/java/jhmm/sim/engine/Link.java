package jhmm.sim.engine;

import java.util.function.LongUnaryOperator;

/**
 * A full-duplex link (a GPU's PCIe link, a NIC's port): each of its two directions, 0 and 1,
 * carries one transfer at a time, in the order they were asked for. A transfer asked for at t
 * starts when its direction is free and takes the link's time for its size.
 */
public final class Link {
    private final LongUnaryOperator transferPs;
    private final long[] freeAt = new long[2];
    private final long[] busy = new long[2];
    private final long[] bytes = new long[2];

    /** {@code transferPs}: the picoseconds one transfer of a number of bytes takes. */
    public Link(LongUnaryOperator transferPs) {
        this.transferPs = transferPs;
    }

    /** Moves {@code total} bytes in {@code transfers} transfers from {@code t}; returns when the last ends. */
    public long transfer(int direction, long t, long total, long transfers) {
        if (total == 0) {
            return t;
        }
        long n = Math.max(1, transfers);
        long each = total / n;
        // n - 1 transfers of an equal share, the last one with the remainder too
        long time = (n - 1) * transferPs.applyAsLong(each) + transferPs.applyAsLong(total - each * (n - 1));
        long start = Math.max(t, freeAt[direction]);
        freeAt[direction] = start + time;
        busy[direction] += time;
        bytes[direction] += total;
        return freeAt[direction];
    }

    /** The time direction {@code direction} spent transferring. */
    public long busy(int direction) {
        return busy[direction];
    }

    public long bytes(int direction) {
        return bytes[direction];
    }
}
