package jhmm.perf.model;

import jhmm.perf.Kind;
import jhmm.perf.RangeOp;

/** What every model-side operation has: one range on a machine of its own. */
abstract class ModelOp implements RangeOp {
    final ModelRange range;
    /** The last call's return value, checked untimed in {@link #finish}. */
    int ret;

    ModelOp(Kind kind, long len) {
        range = new ModelRange(kind, len);
    }

    @Override
    public long pages() {
        return range.pages();
    }

    @Override
    public void close() {
        range.release();
    }
}
