package jhmm.perf.host;

import java.lang.foreign.MemorySegment;
import jhmm.perf.Kind;

/**
 * pin on the host: a long-term pin of the whole populated range and its release, the way
 * io_uring pins fixed buffers: IORING_REGISTER_BUFFERS (pin_user_pages with FOLL_WRITE |
 * FOLL_LONGTERM, one call per buffer of at most 1 GiB) then IORING_UNREGISTER_BUFFERS (unpin).
 * Every page is checked present before each round, so the pin has nothing to fault.
 */
public final class HostPin extends HostOp {
    private final IoUring ring = new IoUring(kernel);
    private final MemorySegment buffers;
    private long unregistered;

    public HostPin(Kind kind, long len) {
        super(kind, len, true);
        HostRange.check(ring.error(), "io_uring_setup");
        buffers = ring.buffers(range.addr, range.len);
    }

    @Override
    public void prepare() {
        range.checkResident(pagemap);
    }

    @Override
    public void run() {
        ret = ring.register(buffers);
        unregistered = ret == 0 ? ring.unregister() : 0;
    }

    @Override
    public void finish() {
        checkRet("IORING_REGISTER_BUFFERS");
        HostRange.check(unregistered, "IORING_UNREGISTER_BUFFERS");
    }

    @Override
    public void close() {
        ring.close();
        super.close();
    }
}
