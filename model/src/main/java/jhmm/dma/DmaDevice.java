package jhmm.dma;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.phys.PhysicalMemory;

/**
 * A device as the DMA API sees it (struct device): its DMA mask, whether it is cache-coherent,
 * and either an IOMMU domain or direct mapping with the swiotlb for pages its mask cannot
 * reach. It keeps every live mapping, so that unmapping what was never mapped, or a mapping
 * that outlives the device, is reported by {@link #violations()}.
 */
public final class DmaDevice {
    /** DMA_MAPPING_ERROR. */
    public static final long MAPPING_ERROR = -1L;
    /** The segment size the kernel assumes without dma_parms (dma_get_max_seg_size). */
    public static final long DEFAULT_MAX_SEG = 64L << 10;

    /** One live mapping: where it points and how it was made. */
    private record Live(int pfn, long size, DmaDirection dir, int bounce) {}

    private final String name;
    private final PhysicalMemory phys;
    private final long dmaMask;
    private final boolean coherent;
    private final IommuDomain domain;
    private final Swiotlb swiotlb;
    private long maxSegSize = DEFAULT_MAX_SEG;
    /** dma_get_seg_boundary: no DMA segment may cross an address with these bits clear (none by default). */
    private long segBoundaryMask = -1L;
    /** dma_get_min_align_mask: address bits a bounce buffer must keep from the original. */
    private long minAlignMask;
    /** Live mappings by DMA address; direct mapping can give one address to several mappings. */
    private final Map<Long, ArrayDeque<Live>> live = new HashMap<>();
    private int liveCount;
    private final List<String> violations = new ArrayList<>();
    private long mappingsMade;
    private long bounces;

    DmaDevice(String name, PhysicalMemory phys, long dmaMask, boolean coherent, IommuDomain domain, Swiotlb swiotlb) {
        this.name = name;
        this.phys = phys;
        this.dmaMask = dmaMask;
        this.coherent = coherent;
        this.domain = domain;
        this.swiotlb = swiotlb;
    }

    public String name() {
        return name;
    }

    /** The IOMMU domain, or null when addresses are physical. */
    public IommuDomain domain() {
        return domain;
    }

    public boolean coherent() {
        return coherent;
    }

    public void setMaxSegmentSize(long bytes) {
        maxSegSize = bytes;
    }

    /** dma_set_seg_boundary. */
    public void setSegmentBoundary(long mask) {
        segBoundaryMask = mask;
    }

    /** dma_set_min_align_mask. */
    public void setMinAlignMask(long mask) {
        minAlignMask = mask;
    }

    /**
     * swiotlb_max_mapping_size: the largest mapping that can bounce, 256 KiB less the minimum
     * alignment rounded up to a slot.
     */
    public long swiotlbMaxMappingSize() {
        long minAlign = (minAlignMask + Swiotlb.SLOT - 1) & -Swiotlb.SLOT;
        return Swiotlb.MAX_MAPPING - minAlign;
    }

    /** Whether the CPU must sync caches around DMA (dev_is_dma_coherent false). */
    public boolean needsSync() {
        return !coherent;
    }

    /** Whether some RAM is out of the mask's reach without an IOMMU (dma_addressing_limited). */
    public boolean addressingLimited() {
        return domain == null && ((long) phys.nrFrames() << PageSize.PAGE_SHIFT) - 1 > dmaMask;
    }

    public synchronized int liveMappings() {
        return liveCount;
    }

    public synchronized long mappingsMade() {
        return mappingsMade;
    }

    public synchronized long bounces() {
        return bounces;
    }

    public long iommuLeaves() {
        return domain == null ? 0 : domain.leavesWritten();
    }

    public long iotlbFlushes() {
        return domain == null ? 0 : domain.iotlbFlushes();
    }

    /** iommu_sync_map calls (dma_iova_sync) made for this device. */
    public long mapSyncs() {
        return domain == null ? 0 : domain.mapSyncs();
    }

    /** dma_map_page: the DMA address of [page+offset, +size), or {@link #MAPPING_ERROR}. */
    public synchronized long mapPage(int pfn, long offset, long size, DmaDirection dir) {
        long pages = PageSize.pageAlignUp(offset + size) >>> PageSize.PAGE_SHIFT;
        if (domain != null) {
            long iova = domain.allocIova(pages << PageSize.PAGE_SHIFT);
            if (iova < 0) {
                return MAPPING_ERROR;
            }
            domain.map(iova, pfn, pages << PageSize.PAGE_SHIFT);
            return record(iova, new Live(pfn, pages << PageSize.PAGE_SHIFT, dir, -1)) + offset;
        }
        long end = ((long) pfn << PageSize.PAGE_SHIFT) + offset + size - 1;
        if (end <= dmaMask) {
            return record((long) pfn << PageSize.PAGE_SHIFT, new Live(pfn, size, dir, -1)) + offset;
        }
        if (size > swiotlbMaxMappingSize()) {
            return MAPPING_ERROR;
        }
        int bounce = swiotlb.alloc((dmaMask + 1) >>> PageSize.PAGE_SHIFT, (int) pages);
        if (bounce < 0) {
            return MAPPING_ERROR;
        }
        bounces++;
        // filled from the original whatever the direction: what a FROM_DEVICE transfer leaves
        // unwritten must come back as the original data, never as old pool contents
        for (int k = 0; k < pages; k++) {
            phys.data().copyTo(pfn + k, phys.data(), bounce + k);
        }
        return record((long) bounce << PageSize.PAGE_SHIFT, new Live(pfn, pages << PageSize.PAGE_SHIFT, dir, bounce)) + offset;
    }

    private long record(long addr, Live l) {
        live.computeIfAbsent(addr, k -> new ArrayDeque<>()).push(l);
        liveCount++;
        mappingsMade++;
        return addr;
    }

    private Live take(long addr) {
        ArrayDeque<Live> q = live.get(addr);
        if (q == null) {
            return null;
        }
        Live l = q.pop();
        if (q.isEmpty()) {
            live.remove(addr);
        }
        liveCount--;
        return l;
    }

    /** dma_unmap_page. */
    public synchronized void unmapPage(long dmaAddr, long size, DmaDirection dir) {
        long base = dmaAddr & PageSize.PAGE_MASK;
        Live l = take(base);
        if (l == null) {
            violations.add(String.format("%s: unmap of DMA address %x that is not mapped", name, dmaAddr));
            return;
        }
        if (l.dir() != dir) {
            violations.add(String.format("%s: DMA address %x mapped %s but unmapped %s", name, dmaAddr, l.dir(), dir));
        }
        release(base, l);
    }

    private void release(long base, Live l) {
        if (domain != null) {
            domain.unmap(base, l.size());
            domain.freeIova(base, l.size());
        } else if (l.bounce() >= 0) {
            int pages = (int) (l.size() >>> PageSize.PAGE_SHIFT);
            if (l.dir() != DmaDirection.TO_DEVICE) {
                for (int k = 0; k < pages; k++) {
                    phys.data().copyTo(l.bounce() + k, phys.data(), l.pfn() + k);
                }
            }
            swiotlb.free(l.bounce(), pages);
        }
    }

    /**
     * dma_map_sg: maps every entry and returns the DMA segments, or 0. Without an IOMMU each
     * entry is a segment of its own. Through an IOMMU the list gets one IOVA range and an entry
     * joins the segment before it (__finalise_sg) unless it starts on a segment boundary or the
     * segment would outgrow the maximum segment size; entries are whole pages, so granule-aligned,
     * and never split: never more segments than entries.
     */
    public synchronized int mapSg(ScatterList sg, DmaDirection dir) {
        sg.segments.clear();
        sg.entryDma.clear();
        if (domain == null) {
            for (ScatterList.Entry e : sg.entries()) {
                long addr = mapPageRun(e, dir);
                if (addr == MAPPING_ERROR) {
                    unmapSg(sg, dir);
                    return 0;
                }
                sg.entryDma.add(addr);
                sg.segments.add(new ScatterList.Segment(addr, (long) e.pages() << PageSize.PAGE_SHIFT));
            }
            return sg.segments.size();
        }
        long total = sg.totalBytes();
        long iova = domain.allocIova(total);
        if (iova < 0) {
            return 0;
        }
        long at = iova;
        long segStart = iova;
        long segLen = 0;
        for (ScatterList.Entry e : sg.entries()) {
            long bytes = (long) e.pages() << PageSize.PAGE_SHIFT;
            domain.map(at, e.pfn(), bytes);
            boolean joins = (at & segBoundaryMask) != 0 && maxSegSize - segLen >= bytes;
            if (segLen > 0 && !joins) {
                sg.segments.add(new ScatterList.Segment(segStart, segLen));
                segStart = at;
                segLen = 0;
            }
            segLen += bytes;
            at += bytes;
        }
        sg.segments.add(new ScatterList.Segment(segStart, segLen));
        sg.iova = iova;
        sg.iovaSize = total;
        record(iova, new Live(-1, total, dir, -1));
        return sg.segments.size();
    }

    private long mapPageRun(ScatterList.Entry e, DmaDirection dir) {
        long bytes = (long) e.pages() << PageSize.PAGE_SHIFT;
        long end = ((long) e.pfn() << PageSize.PAGE_SHIFT) + bytes - 1;
        if (end <= dmaMask) {
            return record((long) e.pfn() << PageSize.PAGE_SHIFT, new Live(e.pfn(), bytes, dir, -1));
        }
        return mapPage(e.pfn(), 0, bytes, dir); // bounced as one run
    }

    /** dma_unmap_sg. */
    public synchronized void unmapSg(ScatterList sg, DmaDirection dir) {
        if (sg.iova >= 0) {
            unmapPage(sg.iova, sg.iovaSize, dir);
            sg.iova = -1;
        } else {
            for (long addr : sg.entryDma) {
                unmapPage(addr, PageSize.PAGE_SIZE, dir);
            }
        }
        sg.entryDma.clear();
        sg.segments.clear();
    }

    /** dma_iova_try_alloc: one IOVA window for {@code size} bytes; false without an IOMMU. */
    public boolean iovaTryAlloc(DmaIovaState state, long size) {
        if (domain == null) {
            return false;
        }
        long iova = domain.allocIova(size);
        if (iova < 0) {
            return false;
        }
        state.base = iova;
        state.size = size;
        return true;
    }

    /** dma_iova_link: maps {@code size} bytes of frame {@code pfn} at {@code offset} in the window. */
    public synchronized int iovaLink(DmaIovaState state, int pfn, long offset, long size, DmaDirection dir) {
        if (!state.used() || offset + size > state.size) {
            return -Errno.EINVAL;
        }
        domain.map(state.base + offset, pfn, size);
        record(state.base + offset, new Live(pfn, size, dir, -1));
        return 0;
    }

    /**
     * dma_iova_sync: iommu_sync_map over the window, publishing what was linked to IOMMUs that
     * need it after a map. Not an IOTLB invalidation: those come with unlink and destroy.
     */
    public void iovaSync(DmaIovaState state) {
        domain.syncMap();
    }

    /** dma_iova_unlink: unmaps [offset, offset+size) of the window. */
    public synchronized void iovaUnlink(DmaIovaState state, long offset, long size, DmaDirection dir) {
        Live l = take(state.base + offset);
        if (l == null) {
            violations.add(String.format("%s: unlink of IOVA %x that is not linked", name, state.base + offset));
            return;
        }
        domain.unmap(state.base + offset, size);
    }

    /** dma_iova_destroy: gives the window back (what is still linked must have been unlinked). */
    public synchronized void iovaDestroy(DmaIovaState state) {
        if (state.used()) {
            domain.freeIova(state.base, state.size);
            state.base = -1;
        }
    }

    /** The frame a device access to {@code dmaAddr} reaches now, or -1 (for stale-access checks). */
    public synchronized long translate(long dmaAddr) {
        if (domain != null) {
            return domain.translate(dmaAddr);
        }
        for (int k = 0; k < Swiotlb.MAX_PAGES; k++) {
            ArrayDeque<Live> q = live.get((dmaAddr & PageSize.PAGE_MASK) - ((long) k << PageSize.PAGE_SHIFT));
            if (q != null && q.peek().bounce() >= 0 && ((long) k << PageSize.PAGE_SHIFT) < q.peek().size()) {
                return q.peek().pfn() + k; // the bounce buffer stands for the pages it was made for
            }
        }
        return dmaAddr >>> PageSize.PAGE_SHIFT;
    }

    /** The device goes away: whatever is still mapped has leaked past its teardown. */
    public synchronized void teardown() {
        if (liveCount > 0) {
            violations.add(String.format("%s: %d DMA mappings leaked past the device's teardown", name, liveCount));
        }
    }

    /** Misuse seen so far: unmaps of unknown addresses, direction mismatches, leaks. */
    public synchronized List<String> violations() {
        return List.copyOf(violations);
    }
}
