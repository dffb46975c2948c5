package jhmm.sim.workload;

/** Where a simulation's accesses come from: a built-in workload or a recorded trace. */
public interface AccessSource {
    /** What users call it: {@code stream-read}, {@code trace t.trace}. */
    String name();

    String description();

    /** Warp {@code warp}'s accesses in kernel {@code kernel} (0-based). */
    WarpStream warp(int kernel, int warp);

    /** What the CPU writes after kernel {@code kernel}, before the next: (offset, length) pairs in bytes. */
    long[] cpuWrites(int kernel);
}
