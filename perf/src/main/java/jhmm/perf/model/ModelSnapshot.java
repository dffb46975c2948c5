package jhmm.perf.model;

import jhmm.perf.Kind;

/** snapshot in the model: hmm_range_fault with no fault flag over a populated range; nothing may fault. */
public final class ModelSnapshot extends HmmOp {
    private long faultsBefore;

    public ModelSnapshot(Kind kind, long len) {
        super(kind, len, 0);
        range.mapPopulated();
    }

    @Override
    public void prepare() {
        attach();
        faultsBefore = range.faults();
    }

    @Override
    public void finish() {
        checkCall("hmm_range_fault (snapshot)");
        if (range.faults() != faultsBefore) {
            throw new IllegalStateException("the snapshot faulted " + (range.faults() - faultsBefore) + " times");
        }
    }
}
