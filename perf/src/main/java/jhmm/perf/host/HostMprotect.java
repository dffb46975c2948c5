package jhmm.perf.host;

import jhmm.perf.Kind;

/** mprotect on the host: a populated range, PROT_READ and PROT_READ|PROT_WRITE in turn. */
public final class HostMprotect extends HostOp {
    private boolean writable = true;

    public HostMprotect(Kind kind, long len) {
        super(kind, len, true);
    }

    @Override
    public void run() {
        writable = !writable;
        ret = kernel.mprotect(range.addr, range.len, writable ? HostKernel.PROT_READ | HostKernel.PROT_WRITE : HostKernel.PROT_READ);
    }

    @Override
    public void finish() {
        checkRet("mprotect");
        range.checkResident(pagemap);
    }
}
