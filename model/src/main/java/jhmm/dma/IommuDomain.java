package jhmm.dma;

import jhmm.base.PageSize;
import jhmm.mm.PageTable;
import jhmm.mm.Pte;

/**
 * One device's IOMMU domain: the IOVA allocator, an I/O page table of the same 4-level shape as
 * the CPU's with 4 KiB, 2 MiB and 1 GiB leaves (a leaf of a size is used when IOVA and physical
 * address are both aligned to it and the rest of the mapping covers it), and the IOTLB, whose
 * invalidations are counted. Unmapping is strict: every unmap flushes the IOTLB before the
 * IOVA can be reused.
 */
public final class IommuDomain {
    private final IovaAllocator iovas = new IovaAllocator();
    private final PageTable io = new PageTable();
    private long leavesWritten;
    private long iotlbFlushes;
    private long mapSyncs;

    /** I/O page-table leaves written since the domain was made. */
    public synchronized long leavesWritten() {
        return leavesWritten;
    }

    public synchronized long iotlbFlushes() {
        return iotlbFlushes;
    }

    /** iommu_sync_map calls since the domain was made. */
    public synchronized long mapSyncs() {
        return mapSyncs;
    }

    long allocIova(long size) {
        return iovas.alloc(size);
    }

    void freeIova(long iova, long size) {
        iovas.free(iova, size);
    }

    /** iommu_map: [iova, iova+size) to the frames from {@code pfn} on, with the largest leaves that fit. */
    synchronized void map(long iova, int pfn, long size) {
        long phys = (long) pfn << PageSize.PAGE_SHIFT;
        long done = 0;
        while (done < size) {
            long va = iova + done;
            long pa = phys + done;
            long left = size - done;
            int leafPfn = (int) (pa >>> PageSize.PAGE_SHIFT);
            if (fits(va, pa, left, PageSize.PUD_SIZE)) {
                io.setPud(va, Pte.mk(leafPfn, Pte.HUGE | Pte.WRITE));
                done += PageSize.PUD_SIZE;
            } else if (fits(va, pa, left, PageSize.PMD_SIZE)) {
                io.setPmd(va, Pte.mk(leafPfn, Pte.HUGE | Pte.WRITE));
                done += PageSize.PMD_SIZE;
            } else {
                io.setPte(va, Pte.mk(leafPfn, Pte.WRITE));
                done += PageSize.PAGE_SIZE;
            }
            leavesWritten++;
        }
    }

    private static boolean fits(long va, long pa, long left, long leaf) {
        return ((va | pa) & (leaf - 1)) == 0 && left >= leaf;
    }

    /** iommu_unmap followed by the IOTLB invalidation. */
    synchronized void unmap(long iova, long size) {
        long done = 0;
        while (done < size) {
            long va = iova + done;
            if (Pte.leaf(io.pud(va))) {
                io.setPud(va, 0);
                done += PageSize.PUD_SIZE;
            } else if (Pte.leaf(io.pmd(va))) {
                io.setPmd(va, 0);
                done += PageSize.PMD_SIZE;
            } else {
                io.setPte(va, 0);
                io.freeEmptyPteTable(va);
                done += PageSize.PAGE_SIZE;
            }
        }
        iotlbFlushes++;
    }

    /** iommu_iova_to_phys: the frame the device reaches at {@code iova}, or -1. */
    public synchronized long translate(long iova) {
        long e = io.pud(iova);
        long mask = PageSize.PUD_SIZE - 1;
        if (!Pte.leaf(e)) {
            e = io.pmd(iova);
            mask = PageSize.PMD_SIZE - 1;
            if (!Pte.leaf(e)) {
                e = io.pte(iova);
                mask = PageSize.PAGE_SIZE - 1;
            }
        }
        if (!Pte.present(e)) {
            return -1;
        }
        return Pte.pfn(e) + ((iova & mask) >>> PageSize.PAGE_SHIFT);
    }

    /** iommu_sync_map: new mappings made visible (dma_iova_sync); it invalidates nothing. */
    synchronized void syncMap() {
        mapSyncs++;
    }
}
