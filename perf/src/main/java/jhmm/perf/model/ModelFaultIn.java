package jhmm.perf.model;

import jhmm.hmm.HmmPfn;
import jhmm.perf.Kind;

/** fault-in in the model: hmm_range_fault with REQ_FAULT|REQ_WRITE over a fresh, untouched mapping. */
public final class ModelFaultIn extends ModelOp {
    private final HmmCaller hmm;

    public ModelFaultIn(Kind kind, long len) {
        super(kind, len);
        hmm = new HmmCaller(range.pages(), HmmPfn.REQ_FAULT | HmmPfn.REQ_WRITE);
    }

    @Override
    public void prepare() {
        range.map();
        hmm.attach(range.process.mm(), range.addr, range.len);
    }

    @Override
    public void run() {
        ret = hmm.fault();
    }

    @Override
    public void finish() {
        hmm.detach();
        ModelRange.check(ret, "hmm_range_fault (REQ_FAULT|REQ_WRITE)");
        range.checkBacking();
        hmm.checkEverySlot(range.kind);
        range.unmap();
    }
}
