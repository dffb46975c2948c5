package jhmm.dmamap;

import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.dma.DmaDevice;
import jhmm.hmm.HmmDma;
import jhmm.hmm.HmmDriverProtocol;
import jhmm.hmm.HmmPfn;
import jhmm.hmm.HmmRange;
import jhmm.mm.Mm;
import jhmm.mm.NotifierRange;
import jhmm.notifier.MmuIntervalNotifier;
import jhmm.notifier.MmuNotifiers;

/**
 * Today's way (6.16+, as RDMA on-demand paging uses it): hmm_range_fault into the hmm_dma_map's
 * pfn list under an interval notifier, hmm_dma_map_pfn for each valid page (one IOVA window for
 * the range when the device has an IOMMU, per-page mappings otherwise), and hmm_dma_unmap_pfn
 * of the affected pages in the invalidate callback. Every DMA mapping covers one 4 KiB page.
 */
public final class HmmDmaRangeMapper implements RangeDmaMapper {
    private final MapperState st;
    private final HmmDma.HmmDmaMap map = new HmmDma.HmmDmaMap();
    private MmuIntervalNotifier notifier;
    private long start;
    private int npages;
    private boolean write;
    private boolean allocated;

    public HmmDmaRangeMapper(Mm mm, DmaDevice dev) {
        this.st = new MapperState(mm, dev);
    }

    @Override
    public int map(long start, int n, boolean write) {
        this.start = start;
        this.npages = n;
        this.write = write;
        int ret = HmmDma.alloc(st.dev, map, n, PageSize.PAGE_SIZE);
        if (ret != 0) {
            return ret;
        }
        allocated = true;
        notifier = MmuNotifiers.insert(st.mm, start, (long) n << PageSize.PAGE_SHIFT, this::invalidate);
        return faultAndMap(0, n);
    }

    private int faultAndMap(int from, int to) {
        long s = start + ((long) from << PageSize.PAGE_SHIFT);
        long[] pfns = new long[to - from];
        System.arraycopy(map.pfnList, from, pfns, 0, pfns.length);
        HmmRange range = new HmmRange(notifier, s, start + ((long) to << PageSize.PAGE_SHIFT), pfns);
        range.defaultFlags = HmmPfn.REQ_FAULT | (write ? HmmPfn.REQ_WRITE : 0);
        return HmmDriverProtocol.faultAndUpdate(range, st.lock, HmmDriverProtocol.DEFAULT_TIMEOUT_NANOS, () -> {
            for (int k = 0; k < pfns.length; k++) {
                // the sticky DMA bits as they are now: an invalidation may have unmapped since the copy
                long sticky = map.pfnList[from + k] & HmmPfn.INOUT_FLAGS;
                map.pfnList[from + k] = (pfns[k] & ~HmmPfn.INOUT_FLAGS) | sticky;
            }
            for (int i = from; i < to; i++) {
                if ((map.pfnList[i] & HmmPfn.VALID) == 0 || (map.pfnList[i] & HmmPfn.DMA_MAPPED) != 0) {
                    continue;
                }
                if (HmmDma.mapPfn(st.dev, map, i) == DmaDevice.MAPPING_ERROR) {
                    return -Errno.EFAULT;
                }
                st.dmaEntries++;
            }
            return 0;
        });
    }

    /** The ODP invalidate callback: unmap the affected pages while their old outputs are still there. */
    private boolean invalidate(MmuIntervalNotifier sub, NotifierRange r, long curSeq) {
        if (!st.lockFor(r)) {
            return false;
        }
        try {
            sub.setSeq(curSeq);
            st.invalidations++;
            long end = start + ((long) npages << PageSize.PAGE_SHIFT);
            long from = Math.max(r.start(), start);
            long to = Long.compareUnsigned(r.end(), end) > 0 ? end : r.end();
            for (long a = from; a < to; a += PageSize.PAGE_SIZE) {
                int i = (int) ((a - start) >>> PageSize.PAGE_SHIFT);
                HmmDma.unmapPfn(st.dev, map, i);
                map.pfnList[i] &= ~(HmmPfn.VALID | HmmPfn.WRITE);
            }
            return true;
        } finally {
            st.lock.unlock();
        }
    }

    @Override
    public long unmap(boolean dirty) {
        long n = 0;
        if (!allocated) {
            return 0;
        }
        if (notifier != null) {
            MmuNotifiers.remove(notifier);
            notifier = null;
        }
        st.lock.lock();
        try {
            for (int i = 0; i < npages; i++) {
                if (HmmDma.unmapPfn(st.dev, map, i)) {
                    n++;
                }
            }
            HmmDma.free(st.dev, map);
            allocated = false;
        } finally {
            st.lock.unlock();
        }
        return n;
    }

    private boolean mapped(int i) {
        return (map.pfnList[i] & HmmPfn.DMA_MAPPED) != 0 && (map.pfnList[i] & HmmPfn.VALID) != 0;
    }

    @Override
    public long deviceAccess() {
        st.refaultGaps(npages, this::mapped, this::faultAndMap);
        return reach().mismatches();
    }

    /** A mirror holds nothing: its DMA addresses must lead to what the process maps, or nowhere. */
    @Override
    public DmaReach reach() {
        return st.reach(start, npages, i -> !mapped(i) ? 0
                : map.usesIova() ? map.state.base() + (long) i * map.dmaEntrySize : map.dmaList[i], i -> -1);
    }

    @Override
    public DmaMapStats stats() {
        long mapped = 0;
        for (int i = 0; allocated && i < npages; i++) {
            if (mapped(i)) {
                mapped++;
            }
        }
        return st.stats(mapped, 0);
    }
}
