package jhmm.device.rnic;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import jhmm.base.Errno;
import jhmm.base.ErrnoException;
import jhmm.base.PageSize;
import jhmm.device.rnic.RnicStats.Counter;
import jhmm.dma.DmaDevice;
import jhmm.hmm.HmmDma;
import jhmm.hmm.HmmDriverProtocol;
import jhmm.hmm.HmmPfn;
import jhmm.hmm.HmmRange;
import jhmm.mm.Mm;
import jhmm.mm.NotifierRange;
import jhmm.mm.PageStates;
import jhmm.mm.Pte;
import jhmm.notifier.MmuIntervalNotifier;
import jhmm.notifier.MmuNotifiers;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;

/**
 * An on-demand-paging umem (ib_umem_odp, 6.16+ with the hmm-dma helpers): an interval notifier
 * over the range and an hmm_dma_map whose pfn list is the hmm_range_fault array, and nothing
 * pinned. A fault or prefetch maps a range as ib_umem_odp_map_dma_and_lock and mlx5's
 * populate_mtt do: hmm_range_fault under the notifier's sequence, then, under umem_mutex and
 * only if the sequence held, hmm_dma_map_pfn for each valid page and the NIC's entries (one
 * UMR). The invalidation callback (mlx5_ib_invalidate_range) takes umem_mutex, so it waits for
 * a fault that is writing entries, sets the sequence, zaps the entries run by run and
 * DMA-unmaps the pages, marking dirty those mapped writable.
 */
final class OdpUmem extends Umem {
    /** hmm_range_fault restarts before a fault gives up with -EBUSY (the kernel allows 1000 ms; the model has no clock). */
    static final int MAX_RESTARTS = 1000;

    /** Bugs a test can plant to show the concurrency checks catch them. */
    enum Bug {
        NONE,
        /** The fault writes the NIC's entries without checking, under umem_mutex, that the sequence held. */
        MAP_WITHOUT_RECHECK,
        /** The invalidation zaps without taking umem_mutex, so it does not wait for a fault writing entries. */
        ZAP_WITHOUT_LOCK
    }

    /** How a fault or prefetch asks for the pages. */
    enum Mode {
        /** Fault them in, for writing when the region is writable (as mlx5 asks whatever the access). */
        FAULT,
        /** Fault them in for reading and map them read-only (PREFETCH's DOWNGRADE). */
        DOWNGRADE,
        /** Fault nothing: map what the CPU maps already (registration's snapshot, PREFETCH_NO_FAULT). */
        SNAPSHOT
    }

    private final HmmDma.HmmDmaMap map = new HmmDma.HmmDmaMap();
    private MmuIntervalNotifier notifier;
    /** The implicit region this is a 1 GiB child of, or null. */
    final ImplicitOdpMr parent;
    Bug bug = Bug.NONE;
    /** Pages DMA-mapped now ({@code umem_odp->npages}). */
    private int dmaMapped;
    /** Released: faults find nothing to map into. */
    private boolean closed;
    /** An implicit child left empty, handed to its parent for destruction. */
    private boolean emptied;

    private OdpUmem(RnicContext ctx, long start, int npages, boolean writable, ImplicitOdpMr parent) {
        super(ctx, start, npages, writable);
        this.parent = parent;
    }

    /**
     * ib_umem_odp_get (or ib_umem_odp_alloc_child when {@code parent} is set) over the pages of
     * [start, start+len): the hmm_dma_map, then the interval notifier, inserted under the mmap
     * write lock as the first insert on an mm must be (mmu_notifier_register takes it).
     *
     * @throws ErrnoException EOPNOTSUPP (a device hmm-dma cannot serve), EINVAL (the address space is gone)
     */
    static OdpUmem get(RnicContext ctx, long start, long len, boolean writable, ImplicitOdpMr parent) {
        int npages = (int) (len >>> PageSize.PAGE_SHIFT);
        OdpUmem u = new OdpUmem(ctx, start, npages, writable, parent);
        int ret = HmmDma.alloc(ctx.device().dma(), u.map, npages, PAGE);
        if (ret != 0) {
            throw new ErrnoException(ret, "hmm_dma_map_alloc");
        }
        Mm mm = ctx.mm();
        mm.mmapLock().writeLock().lock();
        try {
            u.notifier = MmuNotifiers.insert(mm, start, len, u::invalidate);
        } catch (ErrnoException e) {
            HmmDma.free(ctx.device().dma(), u.map);
            throw e;
        } finally {
            mm.mmapLock().writeLock().unlock();
        }
        return u;
    }

    /**
     * Maps the pages of [from, to) into the NIC's table as {@code mode} asks: the number of
     * pages of the range, -EAGAIN when the umem was released meanwhile, or hmm_range_fault's
     * error (-EFAULT: no VMA; -EPERM: a write fault in a read-only VMA; -EBUSY: out of restarts).
     * New entries count as {@code MAPPED}, and also {@code PREFETCHED} when {@code prefetch}.
     */
    int map(long from, long to, Mode mode, boolean prefetch, RnicStats stats) {
        int first = index(from);
        long[] pfns = new long[(int) ((to - from) >>> PageSize.PAGE_SHIFT)];
        lock.lock();
        try {
            if (closed) {
                return -Errno.EAGAIN;
            }
            System.arraycopy(map.pfnList, first, pfns, 0, pfns.length); // the sticky DMA bits ride along
        } finally {
            lock.unlock();
        }
        HmmRange range = new HmmRange(notifier, from, to, pfns);
        if (mode != Mode.SNAPSHOT) {
            range.defaultFlags = HmmPfn.REQ_FAULT | (writable && mode == Mode.FAULT ? HmmPfn.REQ_WRITE : 0);
        }
        IntSupplier update = () -> program(first, pfns, mode != Mode.DOWNGRADE, prefetch, stats);
        if (bug == Bug.MAP_WITHOUT_RECHECK) {
            return mapUnchecked(range, update);
        }
        int[] restarts = {0};
        return HmmDriverProtocol.faultAndUpdate(range, lock, () -> {
            stats.inc(Counter.RESTARTS);
            return ++restarts[0] < MAX_RESTARTS;
        }, update);
    }

    /** The planted bug: one hmm_range_fault, then the entries under the lock, whatever happened meanwhile. */
    private int mapUnchecked(HmmRange range, IntSupplier update) {
        int ret = HmmDriverProtocol.readBeginAndFault(range);
        if (ret != 0) {
            return ret;
        }
        lock.lock();
        try {
            return update.getAsInt();
        } finally {
            lock.unlock();
        }
    }

    /**
     * populate_mtt, under umem_mutex with the sequence checked: hmm_range_fault's results go
     * into the pfn list (keeping the sticky DMA bits as they are now), each valid page is
     * DMA-mapped (an already mapped one keeps its address) and its entry written, writable
     * where the CPU's is and {@code allowWrite}. One UMR writes them.
     */
    private int program(int first, long[] pfns, boolean allowWrite, boolean prefetch, RnicStats stats) {
        if (closed) {
            return -Errno.EAGAIN;
        }
        DmaDevice dma = ctx.device().dma();
        for (int k = 0; k < pfns.length; k++) {
            int i = first + k;
            long sticky = map.pfnList[i] & HmmPfn.INOUT_FLAGS;
            map.pfnList[i] = (pfns[k] & ~HmmPfn.INOUT_FLAGS) | sticky;
            if (!HmmPfn.valid(pfns[k])) {
                continue;
            }
            long addr = HmmDma.mapPfn(dma, map, i);
            if (addr == DmaDevice.MAPPING_ERROR) {
                return -Errno.EFAULT;
            }
            if ((sticky & HmmPfn.DMA_MAPPED) == 0) {
                dmaMapped++;
                stats.inc(Counter.DMA_MAPS);
            }
            if (mtt.set(i, addr, allowWrite && HmmPfn.writable(pfns[k]))) {
                stats.inc(Counter.MAPPED);
                if (prefetch) {
                    stats.inc(Counter.PREFETCHED);
                }
            }
        }
        stats.inc(Counter.UMRS);
        return pfns.length;
    }

    /**
     * mlx5_ib_invalidate_range: never sleeps for a non-blockable range (returns false); takes
     * umem_mutex, sets the sequence, and if anything is mapped zaps the entries of the range in
     * runs, then DMA-unmaps its pages. An implicit child left with nothing mapped goes to its
     * parent for destruction.
     */
    private boolean invalidate(MmuIntervalNotifier sub, NotifierRange r, long curSeq) {
        if (!r.blockable()) {
            return false;
        }
        boolean locks = bug != Bug.ZAP_WITHOUT_LOCK;
        if (locks) {
            lock.lock();
        }
        try {
            sub.setSeq(curSeq);
            if (dmaMapped == 0 && mtt.validCount() == 0) {
                return true;
            }
            RnicStats stats = ctx.stats();
            long to = Long.compareUnsigned(r.end(), end()) > 0 ? end() : r.end();
            int from = index(Math.max(r.start(), start));
            int last = (int) ((PageSize.pageAlignUp(to) - start) >>> PageSize.PAGE_SHIFT);
            if (from >= last) {
                return true;
            }
            stats.inc(Counter.INVALIDATIONS);
            long[] zapped = mtt.zap(from, last);
            stats.add(Counter.UMRS, zapped[0]);
            stats.add(Counter.ZAPPED, zapped[1]);
            unmapDma(from, last, stats);
            if (parent != null && dmaMapped == 0 && !emptied) {
                emptied = true;
                parent.childEmptied(this);
            }
            return true;
        } finally {
            if (locks) {
                lock.unlock();
            }
        }
    }

    /** ib_umem_odp_unmap_dma_pages over [from, to): the caller holds umem_mutex. */
    private void unmapDma(int from, int to, RnicStats stats) {
        PageFrames frames = ctx.mm().system().phys().frames();
        for (int i = from; i < to; i++) {
            long e = map.pfnList[i];
            if (HmmDma.unmapPfn(ctx.device().dma(), map, i)) {
                dmaMapped--;
                stats.inc(Counter.DMA_UNMAPS);
                if (HmmPfn.writable(e)) {
                    frames.set(frames.head(HmmPfn.pfn(e)), PageFlags.DIRTY);
                }
            }
            map.pfnList[i] &= ~HmmPfn.FLAGS;
        }
    }

    /**
     * ib_umem_odp_release after the region's mkey is revoked (one UMR): every entry cleared and
     * page DMA-unmapped under umem_mutex, then the notifier removed and the hmm_dma_map freed.
     */
    @Override
    void release(RnicStats stats) {
        lock.lock();
        try {
            closed = true;
            mtt.zap(0, npages);
            unmapDma(0, npages, stats);
        } finally {
            lock.unlock();
        }
        stats.inc(Counter.UMRS);
        MmuNotifiers.remove(notifier);
        HmmDma.free(ctx.device().dma(), map);
    }

    @Override
    int dmaMappingsHeld() {
        lock.lock();
        try {
            return dmaMapped;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Entries the CPU no longer backs, the first {@code keep} described: the frame the entry's
     * DMA address reaches is not the one the CPU maps at that address, or the entry is writable
     * where the CPU maps the page read-only. An ODP umem holds nothing, so any is a violation.
     */
    List<String> staleEntries(int keep) {
        List<String> out = new ArrayList<>();
        Mm mm = ctx.mm();
        lock.lock();
        try {
            for (int i = 0; i < npages && out.size() < keep && mtt.validCount() > 0; i++) {
                if (!mtt.valid(i)) {
                    continue;
                }
                long va = start + ((long) i << PageSize.PAGE_SHIFT);
                String why = mismatch(mm, va, ctx.device().dma().translate(mtt.dma(i)), mtt.writable(i));
                if (why != null) {
                    out.add(String.format("%s ODP region of %s: NIC entry for %x %s", ctx.device().name(), mm, va, why));
                }
            }
        } finally {
            lock.unlock();
        }
        return out;
    }

    private static String mismatch(Mm mm, long va, long frame, boolean writable) {
        if (mm.isDead()) {
            return "outlives its address space";
        }
        long cpu = PageStates.entryAt(mm, va);
        if (!Pte.present(cpu) || Pte.pfn(cpu) != frame) {
            return "reaches frame " + frame + " which the CPU does not map there";
        }
        if (writable && !Pte.writable(cpu)) {
            return "is writable but the CPU maps the page read-only";
        }
        return null;
    }
}
