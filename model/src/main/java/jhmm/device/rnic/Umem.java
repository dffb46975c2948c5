package jhmm.device.rnic;

import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.PageSize;
import jhmm.device.rnic.RnicStats.Counter;
import jhmm.mm.Mm;
import jhmm.mm.PageStates;
import jhmm.mm.Pte;

/**
 * What backs a memory region, or an implicit region's 1 GiB child (struct ib_umem): a
 * page-aligned range of one address space and the NIC's translation table for it, guarded by
 * the umem's mutex (umem_mutex). The NIC's own accesses go through that table under the mutex
 * too: it stands for the NIC's ordering guarantee that once a zap's UMR completes no access
 * still uses the old entries.
 */
abstract sealed class Umem permits PinnedUmem, OdpUmem {
    static final long PAGE = PageSize.PAGE_SIZE;

    final RnicContext ctx;
    final long start;
    final int npages;
    final boolean writable;
    final ReentrantLock lock = new ReentrantLock();
    final Mtt mtt;

    Umem(RnicContext ctx, long start, int npages, boolean writable) {
        this.ctx = ctx;
        this.start = start;
        this.npages = npages;
        this.writable = writable;
        this.mtt = new Mtt(npages);
    }

    long end() {
        return start + ((long) npages << PageSize.PAGE_SHIFT);
    }

    int index(long va) {
        return (int) ((va - start) >>> PageSize.PAGE_SHIFT);
    }

    /**
     * The NIC moves {@code len} bytes at {@code off} of page {@code page} through the table: false
     * when the entry does not translate, or not for writing (the NIC faults instead).
     */
    boolean access(long page, int off, int len, boolean write, PageData data, RnicStats stats) {
        lock.lock();
        try {
            int i = index(page);
            if (!mtt.valid(i) || (write && !mtt.writable(i))) {
                return false;
            }
            int frame = (int) ctx.device().dma().translate(mtt.dma(i));
            data.move(frame, off, len, page + off);
            if (frame != cpuFrame(ctx.mm(), page)) {
                stats.inc(Counter.STALE);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The frame the CPU maps at {@code va} (the zero page included), or -1. */
    static long cpuFrame(Mm mm, long va) {
        long e = PageStates.entryAt(mm, va);
        return Pte.present(e) ? Pte.pfn(e) : -1;
    }

    /** DMA mappings this umem holds on the NIC's DMA device now. */
    abstract int dmaMappingsHeld();

    /** Undoes everything: translation entries, DMA mappings, pins or notifier. */
    abstract void release(RnicStats stats);

    /** What the NIC does with one page's part of an operation's data. */
    @FunctionalInterface
    interface PageData {
        void move(int frame, int off, int len, long va);
    }
}
