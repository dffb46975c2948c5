package jhmm.perf.host;

import jhmm.perf.Kind;
import jhmm.perf.RangeOp;

/** What every host-side operation has: the kernel binding, pagemap for checks, one range. */
abstract class HostOp implements RangeOp {
    final HostKernel kernel = new HostKernel();
    final Pagemap pagemap = new Pagemap(kernel);
    final HostRange range;
    /** The last call's return value, checked untimed in {@link #finish}. */
    long ret;
    private String note;

    /** {@code populated}: the range is mapped and populated once here, for operations that repeat on it. */
    HostOp(Kind kind, long len, boolean populated) {
        range = new HostRange(kernel, kind, len);
        if (populated) {
            range.mapPopulated(pagemap);
            noteBacking();
        }
    }

    @Override
    public long pages() {
        return range.pages();
    }

    @Override
    public String note() {
        return note;
    }

    /** Records how the host backed the range (it may give fewer THPs than asked). */
    void noteBacking() {
        String shortfall = range.thpShortfall();
        if (shortfall != null) {
            note = shortfall;
        }
    }

    void checkRet(String what) {
        HostRange.check(ret, what);
    }

    @Override
    public void close() {
        range.unmap();
        pagemap.close();
        kernel.close();
    }
}
