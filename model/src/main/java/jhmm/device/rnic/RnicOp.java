package jhmm.device.rnic;

import jhmm.device.rnic.RnicStats.Counter;

/**
 * What one verb did: its return value (0 or -errno), the region it registered
 * ({@link RnicContext#register} only, else null), and the counts it added to its context's
 * totals (the invalidations its own faults caused included).
 */
public record RnicOp(int ret, MemoryRegion mr, RnicStats counts) {
    public boolean ok() {
        return ret == 0;
    }

    /** The positive errno, or 0. */
    public int errno() {
        return -ret;
    }

    public long get(Counter c) {
        return counts.get(c);
    }
}
