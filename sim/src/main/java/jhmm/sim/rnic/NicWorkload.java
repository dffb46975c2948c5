package jhmm.sim.rnic;

import java.util.Locale;

/**
 * The built-in NIC workloads: a remote peer's operations on a memory region over the process's
 * buffer, round after round, and what the process does between two rounds.
 */
public enum NicWorkload {
    RDMA_DENSE("every message of the buffer once per round, the queue pairs taking turns", false, Event.NONE),
    RDMA_SPARSE("`sparse-fraction` of the buffer's messages per round, at random", true, Event.NONE),
    RDMA_FORK("dense rounds; before each round after the first the process forks, writes `cpu-touch` of the buffer"
            + " while the child lives, and the child exits after the round", false, Event.FORK),
    RDMA_REMAP("dense rounds; before each round after the first the process munmaps `cpu-touch` of the buffer,"
            + " maps it again at the same address and writes it (an allocator giving memory back and taking it again)",
            false, Event.REMAP),
    RDMA_MIGRATE("dense rounds; before each round after the first the kernel migrates `cpu-touch` of the buffer"
            + " (compaction, NUMA balancing)", false, Event.MIGRATE),
    RDMA_PRESSURE("dense rounds; before each round after the first reclaim swaps out `cpu-touch` of the buffer"
            + " (memory pressure)", false, Event.PRESSURE);

    /** What the process (or the kernel on its behalf) does before each round after the first. */
    enum Event {
        NONE,
        FORK,
        REMAP,
        MIGRATE,
        PRESSURE
    }

    private final String description;
    private final boolean sparse;
    private final Event event;

    NicWorkload(String description, boolean sparse, Event event) {
        this.description = description;
        this.sparse = sparse;
        this.event = event;
    }

    public String word() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public String description() {
        return description;
    }

    boolean sparse() {
        return sparse;
    }

    Event event() {
        return event;
    }

    /** The workload named {@code word}, or null. */
    public static NicWorkload of(String word) {
        for (NicWorkload w : values()) {
            if (w.word().equals(word)) {
                return w;
            }
        }
        return null;
    }
}
