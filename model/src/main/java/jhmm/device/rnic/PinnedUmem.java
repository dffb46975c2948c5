package jhmm.device.rnic;

import java.util.ArrayList;
import java.util.List;
import jhmm.base.Errno;
import jhmm.base.ErrnoException;
import jhmm.base.PageSize;
import jhmm.device.rnic.RnicStats.Counter;
import jhmm.dma.DmaDevice;
import jhmm.dma.DmaDirection;
import jhmm.dma.ScatterList;
import jhmm.gup.Foll;
import jhmm.gup.Gup;
import jhmm.mm.Mm;

/**
 * A pinned umem (ib_umem_get): the pages are charged to the owner's RLIMIT_MEMLOCK in
 * {@code mm->pinned_vm}, pinned with pin_user_pages_fast(FOLL_LONGTERM, FOLL_WRITE when the region is
 * writable) at most a page of pointers at a time, put in a scatter list that merges physically
 * contiguous pages and DMA-mapped in one dma_map_sg. Every entry of the NIC's table is written
 * at registration and stays until deregistration, whatever the process does to its mapping.
 */
final class PinnedUmem extends Umem {
    /** Pages one pin_user_pages_fast call takes: a 4 KiB page of 8-byte struct page pointers. */
    static final int PIN_BATCH = (int) (PAGE / Long.BYTES);

    private final int[] pages;
    private final ScatterList sg;
    private final int segments;
    private boolean released;

    private PinnedUmem(RnicContext ctx, long start, int[] pages, boolean writable, ScatterList sg, int segments) {
        super(ctx, start, pages.length, writable);
        this.pages = pages;
        this.sg = sg;
        this.segments = segments;
        fillTable();
    }

    /**
     * ib_umem_get over [addr, addr+len). @throws ErrnoException EPERM (RLIMIT_MEMLOCK is 0:
     * can_do_mlock), ENOMEM (over the limit, or the DMA mapping failed), GUP's errno (EFAULT
     * for a hole, a read-only mapping of a writable region...); nothing stays pinned or charged
     */
    static PinnedUmem get(RnicContext ctx, long addr, long len, boolean writable, RnicStats stats) {
        long start = addr & PageSize.PAGE_MASK;
        int npages = (int) ((PageSize.pageAlignUp(addr + len) - start) >>> PageSize.PAGE_SHIFT);
        if (ctx.memlockPages() == 0) {
            throw new ErrnoException(Errno.EPERM, "RLIMIT_MEMLOCK is 0");
        }
        Mm mm = ctx.mm();
        if (mm.addPinnedVm(npages) > ctx.memlockPages()) {
            mm.addPinnedVm(-npages);
            throw new ErrnoException(Errno.ENOMEM, npages + " pages more than RLIMIT_MEMLOCK allows");
        }
        int[] pages = new int[npages];
        int got = pin(mm, start, pages, writable);
        if (got < 0) {
            mm.addPinnedVm(-npages);
            throw new ErrnoException(-got, "pin_user_pages");
        }
        ScatterList sg = ScatterList.fromPages(pages, npages);
        int segments = ctx.device().dma().mapSg(sg, DmaDirection.BIDIRECTIONAL);
        if (segments == 0) {
            Gup.unpinUserPagesDirtyLock(mm.system().phys(), pages, npages, false);
            mm.addPinnedVm(-npages);
            throw new ErrnoException(Errno.ENOMEM, "dma_map_sg");
        }
        stats.add(Counter.PINNED, npages);
        stats.add(Counter.DMA_MAPS, segments);
        stats.inc(Counter.UMRS); // the region's translation entries, written at once
        stats.add(Counter.MAPPED, npages);
        return new PinnedUmem(ctx, start, pages, writable, sg, segments);
    }

    /** Pins every page in batches; all of them, or -errno with none left pinned. */
    private static int pin(Mm mm, long start, int[] pages, boolean writable) {
        int flags = Foll.LONGTERM | (writable ? Foll.WRITE : 0);
        int[] batch = new int[PIN_BATCH];
        int got = 0;
        while (got < pages.length) {
            int want = Math.min(PIN_BATCH, pages.length - got);
            long n = Gup.pinUserPagesFast(mm, start + ((long) got << PageSize.PAGE_SHIFT), want, flags, batch);
            if (n <= 0) {
                Gup.unpinUserPagesDirtyLock(mm.system().phys(), pages, got, false);
                return n < 0 ? (int) n : -Errno.EFAULT;
            }
            System.arraycopy(batch, 0, pages, got, (int) n);
            got += (int) n;
        }
        return got;
    }

    /** Each page's DMA address: the segments in order, page after page. */
    private void fillTable() {
        int i = 0;
        for (ScatterList.Segment s : sg.segments()) {
            for (long off = 0; off < s.length() && i < npages; off += PAGE) {
                mtt.set(i++, s.dmaAddress() + off, writable);
            }
        }
    }

    /** The frame pinned for page {@code i}. */
    int page(int i) {
        return pages[i];
    }

    @Override
    int dmaMappingsHeld() {
        if (released) {
            return 0;
        }
        // through an IOMMU the list is one mapping; without one each entry is mapped on its own
        return ctx.device().dma().domain() != null ? 1 : sg.entries().size();
    }

    /** __ib_umem_release and the pinned_vm charge: unmapped, unpinned (dirty if writable), uncharged. */
    @Override
    void release(RnicStats stats) {
        DmaDevice dma = ctx.device().dma();
        lock.lock();
        try {
            for (int i = 0; i < npages; i++) {
                mtt.clear(i);
            }
            released = true;
        } finally {
            lock.unlock();
        }
        dma.unmapSg(sg, DmaDirection.BIDIRECTIONAL);
        Gup.unpinUserPagesDirtyLock(ctx.mm().system().phys(), pages, npages, writable);
        ctx.mm().addPinnedVm(-npages);
        stats.inc(Counter.UMRS);
        stats.add(Counter.DMA_UNMAPS, segments);
        stats.add(Counter.UNPINNED, npages);
    }

    /** Pinned pages the process no longer maps where they were pinned: the NIC still reaches them (stale, not freed). */
    long stalePages() {
        long n = 0;
        for (int i = 0; !released && i < npages; i++) {
            if (cpuFrame(ctx.mm(), start + ((long) i << PageSize.PAGE_SHIFT)) != pages[i]) {
                n++;
            }
        }
        return n;
    }

    /** Pinned pages that no longer hold a pin (a pin was dropped behind the region's back). */
    List<String> lostPins() {
        List<String> out = new ArrayList<>();
        for (int i = 0; !released && i < npages && out.size() < 5; i++) {
            if (!ctx.mm().system().phys().maybeDmaPinned(pages[i])) {
                out.add(String.format("%s: pinned region page %x (frame %d) holds no pin", ctx.device().name(),
                        start + ((long) i << PageSize.PAGE_SHIFT), pages[i]));
            }
        }
        return out;
    }
}
