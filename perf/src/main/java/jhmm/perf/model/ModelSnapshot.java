package jhmm.perf.model;

import jhmm.perf.Kind;

/** snapshot in the model: hmm_range_fault with no fault flag over a populated range; nothing may fault. */
public final class ModelSnapshot extends ModelOp {
    private final HmmCaller hmm;
    private long faultsBefore;

    public ModelSnapshot(Kind kind, long len) {
        super(kind, len);
        range.mapPopulated();
        hmm = new HmmCaller(range.pages(), 0);
    }

    @Override
    public void prepare() {
        hmm.attach(range.process.mm(), range.addr, range.len);
        faultsBefore = range.faults();
    }

    @Override
    public void run() {
        ret = hmm.fault();
    }

    @Override
    public void finish() {
        hmm.detach();
        ModelRange.check(ret, "hmm_range_fault (snapshot)");
        if (range.faults() != faultsBefore) {
            throw new IllegalStateException("the snapshot faulted " + (range.faults() - faultsBefore) + " times");
        }
        hmm.checkEverySlot(range.kind);
    }
}
