package jhmm.sim.workload;

/**
 * A run of a warp's accesses, filled in place by a {@link WarpStream}: {@code count} accesses
 * to 128-byte lines, the first at byte {@code offset} of the buffer, each {@code stride} bytes
 * after the last. Runs instead of single accesses keep the engine's events proportional to
 * faults, not accesses.
 */
public final class Run {
    public static final int LINE = 128;

    public long offset;
    public long count;
    public long stride;
    public Access access;

    void set(long offset, long count, long stride, Access access) {
        this.offset = offset;
        this.count = count;
        this.stride = stride;
        this.access = access;
    }
}
