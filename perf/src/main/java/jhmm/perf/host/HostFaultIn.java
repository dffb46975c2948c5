package jhmm.perf.host;

import jhmm.perf.Kind;

/** fault-in on the host: MADV_POPULATE_WRITE over a fresh mapping (mapped and unmapped untimed). */
public final class HostFaultIn extends HostOp {
    public HostFaultIn(Kind kind, long len) {
        super(kind, len, false);
    }

    @Override
    public void prepare() {
        range.map();
    }

    @Override
    public void run() {
        ret = range.populateWrite();
    }

    @Override
    public void finish() {
        checkRet("MADV_POPULATE_WRITE");
        range.checkResident(pagemap);
        noteBacking();
        range.unmap();
    }
}
