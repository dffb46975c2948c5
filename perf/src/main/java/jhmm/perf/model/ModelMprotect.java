package jhmm.perf.model;

import jhmm.mm.Mman;
import jhmm.mm.PageStates;
import jhmm.mm.Pte;
import jhmm.perf.Kind;

/** mprotect in the model: a populated range, PROT_READ and PROT_READ|PROT_WRITE in turn. */
public final class ModelMprotect extends ModelOp {
    private boolean writable = true;

    public ModelMprotect(Kind kind, long len) {
        super(kind, len);
        range.mapPopulated();
    }

    @Override
    public void run() {
        writable = !writable;
        ret = range.process.mprotect(range.addr, range.len, writable ? Mman.PROT_READ | Mman.PROT_WRITE : Mman.PROT_READ);
    }

    @Override
    public void finish() {
        ModelRange.check(ret, "mprotect");
        range.checkBacking();
        long last = range.addr + range.len - 4096;
        for (long a : new long[] {range.addr, last}) {
            long e = PageStates.entryAt(range.process.mm(), a);
            if (!Pte.present(e) || (!writable && Pte.writable(e))) {
                throw new IllegalStateException(String.format("entry at %#x is %#x after mprotect to %s", a, e, writable ? "rw" : "r"));
            }
        }
    }
}
