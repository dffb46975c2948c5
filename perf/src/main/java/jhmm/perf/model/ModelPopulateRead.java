package jhmm.perf.model;

import jhmm.mm.Mman;
import jhmm.perf.Kind;

/**
 * populate-read in the model: MADV_POPULATE_READ over a populated range, the same call as the
 * host side, so GUP's walk is compared like for like (a pin hands out every page, which
 * the kernel's walk of a THP does not). Nothing may fault.
 */
public final class ModelPopulateRead extends ModelOp {
    private long faultsBefore;

    public ModelPopulateRead(Kind kind, long len) {
        super(kind, len);
        range.mapPopulated();
    }

    @Override
    public void prepare() {
        faultsBefore = range.faults();
    }

    @Override
    public void run() {
        ret = range.process.madvise(range.addr, range.len, Mman.MADV_POPULATE_READ);
    }

    @Override
    public void finish() {
        ModelRange.check(ret, "MADV_POPULATE_READ");
        if (range.faults() != faultsBefore) {
            throw new IllegalStateException("MADV_POPULATE_READ of a populated range faulted " + (range.faults() - faultsBefore) + " times");
        }
        range.checkBacking();
    }
}
