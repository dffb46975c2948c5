package jhmm.dmamap;

import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.dma.DmaDevice;
import jhmm.dma.DmaDirection;
import jhmm.hmm.HmmPfn;
import jhmm.hmm.HmmRange;
import jhmm.hmm.HmmDriverProtocol;
import jhmm.mm.Mm;
import jhmm.mm.NotifierRange;
import jhmm.notifier.MmuIntervalNotifier;
import jhmm.notifier.MmuNotifiers;
import jhmm.phys.DevPagemap;
import jhmm.phys.PhysicalMemory;

/**
 * jhmm's answer to the review: one range helper over the hmm_range_fault walk, where the
 * caller chooses the semantics. {@link Mode#PIN} holds a pin on every page it maps (GUP's
 * guarantee: the pages stay put). {@link Mode#MIRROR} holds nothing: an interval notifier
 * over the range tears the affected DMA mappings down on every invalidation, and the next
 * device access faults them in again. A huge CPU mapping (THP, hugetlb, device THP) becomes
 * one DMA mapping of its size, hence one IOMMU leaf when the IOVA is aligned. Device-private
 * memory is handed only to a caller that says it can use it; otherwise it is faulted back.
 */
public final class CoreRangeMapper implements RangeDmaMapper {
    /** What the caller needs. */
    public enum Mode {
        PIN,
        MIRROR
    }

    private final MapperState st;
    private final Mode mode;
    private final Object deviceMemoryOwner;
    private MmuIntervalNotifier notifier;
    private long start;
    private boolean write;
    private long[] dma = new long[0];
    private int[] span = new int[0];
    private int[] pinnedPfn = new int[0];
    private long mapped;
    private long pinned;

    /**
     * @param deviceMemoryOwner the pagemap owner whose device-private pages this caller can
     *     use in place, or null to have them migrated back to RAM
     */
    public CoreRangeMapper(Mm mm, DmaDevice dev, Mode mode, Object deviceMemoryOwner) {
        this.st = new MapperState(mm, dev);
        this.mode = mode;
        this.deviceMemoryOwner = deviceMemoryOwner;
    }

    @Override
    public int map(long start, int n, boolean write) {
        this.start = start;
        this.write = write;
        dma = new long[n];
        span = new int[n];
        pinnedPfn = new int[n];
        java.util.Arrays.fill(pinnedPfn, -1);
        notifier = MmuNotifiers.insert(st.mm, start, (long) n << PageSize.PAGE_SHIFT, this::invalidate);
        return faultAndMap(0, n);
    }

    private DmaDirection direction() {
        return write ? DmaDirection.BIDIRECTIONAL : DmaDirection.TO_DEVICE;
    }

    /** The documented HMM protocol over slots [from, to): fault, then map under the lock if nothing collided. */
    private int faultAndMap(int from, int to) {
        long s = start + ((long) from << PageSize.PAGE_SHIFT);
        long e = start + ((long) to << PageSize.PAGE_SHIFT);
        HmmRange range = new HmmRange(notifier, s, e, new long[to - from]);
        range.defaultFlags = HmmPfn.REQ_FAULT | (write ? HmmPfn.REQ_WRITE : 0);
        range.devPrivateOwner = deviceMemoryOwner;
        return HmmDriverProtocol.faultAndUpdate(range, st.lock, 0, () -> program(range, from));
    }

    /** Maps every valid slot not mapped yet: one DMA mapping per huge page that fits, else per page. */
    private int program(HmmRange range, int from) {
        PhysicalMemory phys = st.mm.system().phys();
        int n = range.npages();
        for (int k = 0; k < n; ) {
            int i = from + k;
            long entry = range.hmmPfns[k];
            if (dma[i] != 0 || (entry & HmmPfn.VALID) == 0) {
                k++;
                continue;
            }
            int pfn = HmmPfn.pfn(entry);
            int pages = hugeSpan(range, k, entry);
            DevPagemap pgmap = phys.pgmap(pfn);
            long addr;
            if (pgmap != null && pgmap.type() == DevPagemap.Type.PRIVATE) {
                addr = -1; // the device's own memory: reached without DMA
            } else {
                addr = st.dev.mapPage(pfn, 0, (long) pages << PageSize.PAGE_SHIFT, direction());
                if (addr == DmaDevice.MAPPING_ERROR) {
                    return -Errno.ENOMEM;
                }
                st.dmaEntries++;
            }
            for (int j = 0; j < pages; j++) {
                dma[i + j] = addr < 0 ? -1 : addr + ((long) j << PageSize.PAGE_SHIFT);
                span[i + j] = j == 0 ? pages : 0;
                if (mode == Mode.PIN) {
                    st.mm.setHasPinned(); // a pin, as FOLL_PIN takes it: fork must copy what it holds
                    phys.pin(pfn + j);
                    pinnedPfn[i + j] = pfn + j;
                    pinned++;
                }
            }
            mapped += pages;
            k += pages;
        }
        return 0;
    }

    /** How many slots from {@code k} one DMA mapping covers: a whole aligned huge page, or 1. */
    private int hugeSpan(HmmRange range, int k, long entry) {
        int order = HmmPfn.order(entry);
        if (order == 0) {
            return 1;
        }
        int pages = 1 << order;
        long addr = range.start + ((long) k << PageSize.PAGE_SHIFT);
        boolean aligned = (addr & (((long) pages << PageSize.PAGE_SHIFT) - 1)) == 0;
        return aligned && k + pages <= range.npages() ? pages : 1;
    }

    /** The interval notifier's callback: DMA mappings of the range go (mirror) before the CPU change. */
    private boolean invalidate(MmuIntervalNotifier sub, NotifierRange r, long curSeq) {
        if (!st.lockFor(r)) {
            return false;
        }
        try {
            sub.setSeq(curSeq);
            st.invalidations++;
            if (mode == Mode.MIRROR) {
                int first = (int) Math.max(0, (Math.max(r.start(), start) - start) >>> PageSize.PAGE_SHIFT);
                long endAddr = Long.compareUnsigned(r.end(), start + ((long) dma.length << PageSize.PAGE_SHIFT)) > 0
                        ? start + ((long) dma.length << PageSize.PAGE_SHIFT) : r.end();
                int last = (int) ((endAddr - start + PageSize.PAGE_SIZE - 1) >>> PageSize.PAGE_SHIFT);
                for (int i = first; i < last && i < dma.length; i++) {
                    unmapSlot(i);
                }
            }
            return true;
        } finally {
            st.lock.unlock();
        }
    }

    /** Removes the DMA mapping that covers slot {@code i} (all of a huge one). */
    private void unmapSlot(int i) {
        if (dma[i] == 0) {
            return;
        }
        int head = i;
        while (span[head] == 0) {
            head--;
        }
        int pages = span[head];
        if (dma[head] > 0) {
            st.dev.unmapPage(dma[head], (long) pages << PageSize.PAGE_SHIFT, direction());
        }
        for (int j = head; j < head + pages; j++) {
            dma[j] = 0;
            span[j] = 0;
            if (pinnedPfn[j] >= 0) {
                st.mm.system().phys().unpin(pinnedPfn[j]);
                pinnedPfn[j] = -1;
                pinned--;
            }
        }
        mapped -= pages;
    }

    @Override
    public long unmap(boolean dirty) {
        long n;
        st.lock.lock();
        try {
            n = mapped;
            for (int i = 0; i < dma.length; i++) {
                if (dirty && write && pinnedPfn[i] >= 0) {
                    st.mm.system().phys().frames().set(pinnedPfn[i], jhmm.phys.PageFlags.DIRTY);
                }
                if (span[i] != 0) {
                    unmapSlot(i);
                }
            }
        } finally {
            st.lock.unlock();
        }
        if (notifier != null) {
            MmuNotifiers.remove(notifier);
            notifier = null;
        }
        return n;
    }

    @Override
    public long deviceAccess() {
        st.refaultGaps(dma.length, i -> dma[i] != 0, this::faultAndMap);
        return reach().mismatches();
    }

    /** In pin mode the pinned pages may be stale; in mirror mode nothing is held, so any mismatch is a violation. */
    @Override
    public DmaReach reach() {
        return st.reach(start, dma.length, i -> dma[i], i -> pinnedPfn[i]);
    }

    @Override
    public DmaMapStats stats() {
        return st.stats(mapped, pinned);
    }
}
