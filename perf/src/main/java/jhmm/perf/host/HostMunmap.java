package jhmm.perf.host;

import jhmm.perf.Kind;

/** munmap on the host: a freshly mapped and populated range (made untimed) unmapped. */
public final class HostMunmap extends HostOp {
    public HostMunmap(Kind kind, long len) {
        super(kind, len, false);
    }

    @Override
    public void prepare() {
        range.mapPopulated(pagemap);
        noteBacking();
    }

    @Override
    public void run() {
        ret = kernel.munmap(range.addr, range.len);
    }

    @Override
    public void finish() {
        checkRet("munmap");
        long present = pagemap.presentIn(range.addr, range.pages());
        range.unmap();
        if (present != 0) {
            throw new IllegalStateException("host munmap left " + present + " pages present");
        }
    }
}
