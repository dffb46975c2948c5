package jhmm.perf.model;

import jhmm.hmm.HmmPfn;
import jhmm.perf.Kind;

/** fault-in in the model: hmm_range_fault with REQ_FAULT|REQ_WRITE over a fresh, untouched mapping. */
public final class ModelFaultIn extends HmmOp {
    public ModelFaultIn(Kind kind, long len) {
        super(kind, len, HmmPfn.REQ_FAULT | HmmPfn.REQ_WRITE);
    }

    @Override
    public void prepare() {
        range.map();
        attach();
    }

    @Override
    public void finish() {
        try {
            checkCall("hmm_range_fault (REQ_FAULT|REQ_WRITE)");
            range.checkBacking();
        } finally {
            range.unmap();
        }
    }
}
