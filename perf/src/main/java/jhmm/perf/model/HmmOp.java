package jhmm.perf.model;

import jhmm.perf.Kind;

/** A model operation that is one hmm_range_fault call over the range, by a driver ({@link HmmCaller}). */
abstract class HmmOp extends ModelOp {
    final HmmCaller hmm;

    HmmOp(Kind kind, long len, long defaultFlags) {
        super(kind, len);
        hmm = new HmmCaller(range.pages(), defaultFlags);
    }

    /** Subscribes the driver to the range as it is mapped now. */
    void attach() {
        hmm.attach(range.process.mm(), range.addr, range.len);
    }

    @Override
    public void run() {
        ret = hmm.fault();
    }

    /** Unsubscribes, then checks the call's return value and that every slot came back valid. */
    void checkCall(String what) {
        hmm.detach();
        ModelRange.check(ret, what);
        hmm.checkEverySlot(range.kind);
    }
}
