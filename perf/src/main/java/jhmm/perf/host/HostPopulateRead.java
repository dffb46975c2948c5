package jhmm.perf.host;

import jhmm.perf.Kind;

/**
 * populate-read on the host: MADV_POPULATE_READ over a populated range, GUP's walk in the
 * kernel. Every page is checked present (pagemap) before each walk, so the walk has nothing
 * to fault. (The thread's minor-fault count from getrusage is no check: the JVM's own code and
 * stack take faults now and then around the call.)
 */
public final class HostPopulateRead extends HostOp {
    public HostPopulateRead(Kind kind, long len) {
        super(kind, len, true);
    }

    @Override
    public void prepare() {
        range.checkResident(pagemap);
    }

    @Override
    public void run() {
        ret = kernel.madvise(range.addr, range.len, HostKernel.MADV_POPULATE_READ);
    }

    @Override
    public void finish() {
        checkRet("MADV_POPULATE_READ");
    }
}
