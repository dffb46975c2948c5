package jhmm.perf.host;

import jhmm.perf.Kind;

/** snapshot on the host: pread of /proc/self/pagemap over a populated range, into a reused buffer. */
public final class HostSnapshot extends HostOp {
    public HostSnapshot(Kind kind, long len) {
        super(kind, len, true);
    }

    @Override
    public void run() {
        ret = pagemap.read(range.addr, range.pages());
    }

    @Override
    public void finish() {
        checkRet("pread(/proc/self/pagemap)");
        long present = pagemap.present(range.pages());
        if (present != range.pages()) {
            throw new IllegalStateException("host pagemap: " + present + " of " + range.pages() + " pages present");
        }
    }
}
