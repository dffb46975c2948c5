package jhmm.sim.workload;

/** One warp's accesses in one kernel, a run at a time. */
public interface WarpStream {
    /** Fills {@code r} with the warp's next run; false when the warp has finished the kernel. */
    boolean next(Run r);
}
