package jhmm.device.rnic;

import java.util.List;

/**
 * A registered memory region (struct ib_mr): the key a remote peer names it by, the I/O
 * virtual addresses it covers (the process's own, as ibv_reg_mr gives them), whether it may
 * be written (local and remote write access), and the umems that back it.
 */
public abstract sealed class MemoryRegion permits RangeMr, ImplicitOdpMr {
    final RnicContext ctx;
    private final int key;
    private final long start;
    private final long length;
    private final boolean writable;
    private volatile boolean live = true;

    MemoryRegion(RnicContext ctx, int key, long start, long length, boolean writable) {
        this.ctx = ctx;
        this.key = key;
        this.start = start;
        this.length = length;
        this.writable = writable;
    }

    public abstract MrType type();

    /** The lkey/rkey. */
    public int key() {
        return key;
    }

    /** The first address the region covers. */
    public long start() {
        return start;
    }

    public long length() {
        return length;
    }

    public boolean writable() {
        return writable;
    }

    /** Registered, and not deregistered since. */
    public boolean live() {
        return live;
    }

    boolean covers(long iova, long len) {
        return len > 0 && iova >= start && iova - start <= length - len;
    }

    /** The umem that translates page {@code va}, or null where an implicit region has no child yet (the NIC faults). */
    abstract Umem umemAt(long va);

    /**
     * The NIC faulted (or a prefetch asks) on [va, end): the driver maps the pages. The pages of
     * the range, or -errno: -EFAULT for a pinned region, which never faults.
     */
    abstract int fault(long va, long end, OdpUmem.Mode mode, boolean prefetch, RnicStats stats);

    /** Entries of the NIC's translation tables that translate now. */
    public long mappedPages() {
        long n = 0;
        for (Umem u : umems()) {
            u.lock.lock();
            try {
                n += u.mtt.validCount();
            } finally {
                u.lock.unlock();
            }
        }
        return n;
    }

    /** Pages a pinned region reaches that the process no longer maps where they were pinned (0 for ODP). */
    public long stalePages() {
        long n = 0;
        for (Umem u : umems()) {
            if (u instanceof PinnedUmem p) {
                n += p.stalePages();
            }
        }
        return n;
    }

    /** Every umem that backs the region now. */
    abstract List<Umem> umems();

    /** Work an invalidation left: an implicit region destroys the children it emptied. */
    void reap(RnicStats stats) {}

    /** Deregistration: the NIC stops using the region, then its umems let everything go. */
    void release(RnicStats stats) {
        live = false;
        reap(stats);
        for (Umem u : umems()) {
            u.release(stats);
        }
    }
}
