package jhmm.dmamap;

import jhmm.base.PageSize;
import jhmm.dma.DmaDevice;
import jhmm.dma.DmaDirection;
import jhmm.dma.ScatterList;
import jhmm.gup.Foll;
import jhmm.gup.Gup;
import jhmm.mm.Mm;
import jhmm.phys.PhysicalMemory;

/**
 * The pattern the 2019 reviewer names: pin_user_pages (FOLL_LONGTERM, FOLL_WRITE when the
 * device writes) and dma_map_sg over the pinned pages. The pins keep the pages in place (they
 * block migration and compaction) and nothing tells the driver when the process changes its
 * mapping, so the device keeps reaching the pinned pages.
 */
public final class GupRangeMapper implements RangeDmaMapper {
    private final MapperState st;
    private long start;
    private int[] pages = new int[0];
    private int npages;
    private ScatterList sg;
    private DmaDirection dir = DmaDirection.TO_DEVICE;

    public GupRangeMapper(Mm mm, DmaDevice dev) {
        this.st = new MapperState(mm, dev);
    }

    @Override
    public int map(long start, int n, boolean write) {
        this.start = start;
        pages = new int[n];
        int flags = Foll.LONGTERM | (write ? Foll.WRITE : 0);
        long got;
        st.mm.mmapLock().readLock().lock();
        try {
            got = Gup.pinUserPages(st.mm, start, n, flags, pages);
        } finally {
            st.mm.mmapLock().readLock().unlock();
        }
        if (got < 0) {
            return (int) got;
        }
        npages = (int) got;
        dir = write ? DmaDirection.BIDIRECTIONAL : DmaDirection.TO_DEVICE;
        sg = ScatterList.fromPages(pages, npages);
        int segments = st.dev.mapSg(sg, dir);
        if (segments == 0 && npages > 0) {
            unpin(false);
            return -jhmm.base.Errno.ENOMEM;
        }
        st.dmaEntries += segments;
        return npages == n ? 0 : -jhmm.base.Errno.EFAULT;
    }

    @Override
    public long unmap(boolean dirty) {
        if (sg != null) {
            st.dev.unmapSg(sg, dir);
            sg = null;
        }
        long n = npages;
        unpin(dirty && dir == DmaDirection.BIDIRECTIONAL);
        return n;
    }

    private void unpin(boolean dirty) {
        PhysicalMemory phys = st.mm.system().phys();
        Gup.unpinUserPagesDirtyLock(phys, pages, npages, dirty);
        npages = 0;
    }

    @Override
    public long deviceAccess() {
        return reach().mismatches();
    }

    /** The pinned pages stay reachable whatever the process maps: where it no longer does, they are stale. */
    @Override
    public DmaReach reach() {
        if (sg == null) {
            return new DmaReach(0, java.util.List.of());
        }
        long iovaBase = sg.segments().isEmpty() ? 0 : sg.segments().get(0).dmaAddress();
        boolean iommu = st.dev.domain() != null;
        return st.reach(start, npages,
                i -> iommu ? iovaBase + ((long) i << PageSize.PAGE_SHIFT) : (long) pages[i] << PageSize.PAGE_SHIFT, i -> pages[i]);
    }

    @Override
    public DmaMapStats stats() {
        return st.stats(npages, npages);
    }
}
