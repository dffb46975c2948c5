package jhmm.phys;

import jhmm.base.ByteSize;
import jhmm.base.PageSize;

/**
 * The machine's RAM: the frame array, the buddy allocator, the hugetlb pools, the shared zero
 * page and huge zero page, and the (lazily stored) contents of every frame.
 *
 * <p>Boot layout: PFN 0 is the zero page, the first PMD-aligned 512 frames after it the huge
 * zero page; hugetlb pages are carved from the top of RAM (1 GiB ones first, aligned); the rest
 * goes to the buddy allocator.
 */
public final class PhysicalMemory {
    /** A small folio counts each pin as this many references (GUP_PIN_COUNTING_BIAS). */
    public static final int GUP_PIN_COUNTING_BIAS = 1024;
    private static final int ZERO_PFN = 0;
    private static final int HUGE_ZERO_PFN = PageSize.HPAGE_PMD_NR;

    private final PageFrames frames;
    private final BuddyAllocator buddy;
    private final HugetlbPool hugetlb2m;
    private final HugetlbPool hugetlb1g;
    private final ContentStore data;
    private final DeferredSplitQueue deferredSplit;
    private final int ramFrames;
    /** Bounds RAM and the device memory added later. */
    private final PageBudget budget;
    /** Device memory registered with memremap_pages (none until a device brings some). */
    private final java.util.List<DevPagemap> pgmaps = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** References held outside the kernel's own structures: GUP references and pins. */
    private final java.util.concurrent.atomic.AtomicLong externalRefs = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @throws IllegalArgumentException when the hugetlb pools do not fit in {@code ramBytes}, or
     *     when this JVM's {@link PageBudget} cannot hold that much RAM
     */
    public PhysicalMemory(long ramBytes, int hugePages2m, int hugePages1g) {
        this(ramBytes, hugePages2m, hugePages1g, PageBudget.ofThisJvm());
    }

    /** As {@link #PhysicalMemory(long, int, int)}, within {@code budget} (device memory included). */
    public PhysicalMemory(long ramBytes, int hugePages2m, int hugePages1g, PageBudget budget) {
        this.budget = budget;
        checkLayout(ramBytes, hugePages2m, hugePages1g, budget);
        long nr = ramBytes >>> PageSize.PAGE_SHIFT;
        int nrFrames = (int) nr;
        ramFrames = nrFrames;
        frames = new PageFrames(nrFrames);
        buddy = new BuddyAllocator(frames);
        data = new ContentStore(nrFrames);
        deferredSplit = new DeferredSplitQueue(frames);
        hugetlb2m = new HugetlbPool(PageSize.PMD_ORDER, hugePages2m);
        hugetlb1g = new HugetlbPool(PageSize.PUD_ORDER, hugePages1g);

        reserve(ZERO_PFN, 0);
        reserve(HUGE_ZERO_PFN, PageSize.PMD_ORDER);
        int low = HUGE_ZERO_PFN + PageSize.HPAGE_PMD_NR;
        int top = nrFrames;
        for (int i = 0; i < hugePages1g; i++) {
            top = (top - (1 << PageSize.PUD_ORDER)) & ~((1 << PageSize.PUD_ORDER) - 1);
            if (top < low) {
                throw new IllegalArgumentException("hugetlb-1g=" + hugePages1g + " does not fit in ram");
            }
            carveHugetlb(top, hugetlb1g);
        }
        for (int i = 0; i < hugePages2m; i++) {
            top = (top - PageSize.HPAGE_PMD_NR) & ~(PageSize.HPAGE_PMD_NR - 1);
            if (top < low) {
                throw new IllegalArgumentException("hugetlb-2m=" + hugePages2m + " does not fit in ram");
            }
            carveHugetlb(top, hugetlb2m);
        }
        // Everything not reserved or carved (flags still 0) goes to the buddy allocator.
        int run = -1;
        for (int pfn = 0; pfn <= nrFrames; pfn++) {
            boolean free = pfn < nrFrames && frames.flagWord(pfn) == 0;
            if (free && run < 0) {
                run = pfn;
            } else if (!free && run >= 0) {
                buddy.addFreeRange(run, pfn);
                run = -1;
            }
        }
    }

    /**
     * Refuses, before anything is allocated, a RAM size or hugetlb pools that no machine in
     * {@code budget} can have. @throws IllegalArgumentException saying which and why
     */
    public static void checkLayout(long ramBytes, int hugePages2m, int hugePages1g, PageBudget budget) {
        long nr = ramBytes >>> PageSize.PAGE_SHIFT;
        if (nr < 2L * PageSize.HPAGE_PMD_NR) {
            throw new IllegalArgumentException("ram=" + ByteSize.format(ramBytes) + " is too small: a machine needs at least 4M");
        }
        if (!budget.fits(nr)) {
            throw new IllegalArgumentException(budget.refusal("ram=" + ByteSize.format(ramBytes), nr));
        }
        // Checked before the pools are sized, so that a huge count is refused, not allocated.
        if (hugePages2m < 0 || hugePages1g < 0
                || hugePages2m * PageSize.PMD_SIZE + hugePages1g * PageSize.PUD_SIZE >= ramBytes) {
            throw new IllegalArgumentException("hugetlb-2m=" + hugePages2m + " hugetlb-1g=" + hugePages1g
                    + " do not fit in ram=" + ByteSize.format(ramBytes) + " (their pages must leave some RAM to the rest)");
        }
    }

    private void reserve(int pfn, int order) {
        frames.makeFolio(pfn, order);
        for (int i = 0; i < (1 << order); i++) {
            frames.set(pfn + i, PageFlags.ZERO | PageFlags.RESERVED);
        }
        frames.setRefcount(pfn, 1);
    }

    private void carveHugetlb(int pfn, HugetlbPool pool) {
        frames.makeFolio(pfn, pool.order());
        frames.set(pfn, PageFlags.HUGETLB | PageFlags.HUGETLB_FREE);
        pool.add(pfn);
    }

    public PageFrames frames() {
        return frames;
    }

    public ContentStore data() {
        return data;
    }

    /** Large anonymous folios left partly mapped, waiting for a split. */
    public DeferredSplitQueue deferredSplit() {
        return deferredSplit;
    }

    public BuddyAllocator buddy() {
        return buddy;
    }

    /** Frames of system RAM (device memory comes after them). */
    public int nrFrames() {
        return ramFrames;
    }

    /** Every frame: RAM and device memory. */
    public int totalFrames() {
        return frames.nrFrames();
    }

    /**
     * memremap_pages: struct pages for {@code nrPages} frames of device memory, placed after
     * everything registered so far in sections of their own (so section-aligned, and so
     * PMD-aligned). Returns the first frame, or -1 (the kernel's ENOMEM) when the machine's
     * {@link PageBudget} cannot hold that many more frames. Other threads may be using frames
     * meanwhile.
     */
    public synchronized int memremapPages(DevPagemap pgmap, int nrPages) {
        int first = Sections.boundaryAfter(frames.nrFrames());
        long backed = ramFrames + nrPages; // the gap before a section boundary costs nothing
        for (DevPagemap m : pgmaps) {
            backed += m.nrPages;
        }
        if (!budget.fits(backed)) {
            return -1;
        }
        int total = first + nrPages;
        frames.grow(first, total);
        data.grow(first, total);
        for (int pfn = first; pfn < total; pfn++) {
            frames.setFlagWord(pfn, PageFlags.ZONE_DEVICE | PageFlags.FREE);
        }
        pgmap.firstPfn = first;
        pgmap.nrPages = nrPages;
        pgmaps.add(pgmap);
        return first;
    }

    /** Hands a free device frame range to its driver as one folio with one reference (zone_device_folio_init). */
    public void initDeviceFolio(int head, int order) {
        frames.makeFolio(head, order);
        for (int i = 0; i < (1 << order); i++) {
            frames.set(head + i, PageFlags.ZONE_DEVICE);
        }
        frames.setRefcount(head, 1);
    }

    public int zeroPfn() {
        return ZERO_PFN;
    }

    public int hugeZeroPfn() {
        return HUGE_ZERO_PFN;
    }

    public boolean isZeroPfn(int pfn) {
        return pfn >= 0 && pfn < frames.nrFrames() && (frames.flagWord(pfn) & PageFlags.ZERO) != 0;
    }

    public HugetlbPool hugetlbPool(int order) {
        return order == PageSize.PUD_ORDER ? hugetlb1g : hugetlb2m;
    }

    /** The device pagemap a frame belongs to, or null for system RAM (page_pgmap). */
    public DevPagemap pgmap(int pfn) {
        for (DevPagemap m : pgmaps) {
            if (m.contains(pfn)) {
                return m;
            }
        }
        return null;
    }

    /**
     * Allocates a folio of 2^order frames from the buddy allocator with one reference held by
     * the caller; -1 when memory is exhausted (the caller reclaims or fails with ENOMEM).
     */
    public int allocFolio(int order) {
        int pfn = buddy.alloc(order);
        // the slow path drains the per-CPU lists and tries again (another CPU may have drained
        // them first), until a drain finds nothing more to give back
        while (pfn < 0) {
            int drained = buddy.drainAll();
            pfn = buddy.alloc(order);
            if (drained == 0) {
                break;
            }
        }
        if (pfn >= 0) {
            frames.makeFolio(pfn, order);
            frames.setRefcount(pfn, 1);
        }
        return pfn;
    }

    /** As {@link #allocFolio}, but exactly the block at {@code pfn} if it is free; -1 otherwise. */
    public int allocFolioAt(int pfn, int order) {
        int got = buddy.allocAt(pfn, order);
        if (got >= 0) {
            frames.makeFolio(got, order);
            frames.setRefcount(got, 1);
        }
        return got;
    }

    /** Takes a free hugetlb folio of the given order from its pool, with one reference; -1 if none. */
    public int allocHugetlb(int order) {
        int pfn = hugetlbPool(order).take();
        if (pfn >= 0) {
            frames.makeFolio(pfn, order);
            frames.set(pfn, PageFlags.HUGETLB);
            frames.setRefcount(pfn, 1);
        }
        return pfn;
    }

    /** Takes a reference on the folio of {@code pfn} (folio_get). */
    public void get(int pfn) {
        frames.refAdd(pfn, 1);
    }

    /** Drops a reference (folio_put); the last one frees the folio and its contents. */
    public void put(int pfn) {
        putRefs(pfn, 1);
    }

    /**
     * Drops every reference of {@code batch} (folios_put) and empties it: the small folios they
     * free go to the per-CPU list together, the others one by one as {@link #put} frees them.
     */
    public void putAll(FolioBatch batch) {
        int[] pfns = batch.pfns;
        int small = 0;
        for (int i = 0; i < batch.count; i++) {
            int head = frames.head(pfns[i]);
            int left = frames.headRefAdd(head, -1);
            if (left < 0) {
                throw new IllegalStateException("folio refcount underflow at pfn " + head);
            }
            if (left == 0) {
                int word = frames.flagWord(head);
                if (PageFrames.orderOf(word) == 0 && (word & (PageFlags.ZONE_DEVICE | PageFlags.HUGETLB)) == 0) {
                    release(head, 1);
                    pfns[small++] = head; // only entries already read are overwritten
                } else {
                    free(head);
                }
            }
        }
        buddy.freeBatch(pfns, small);
        batch.count = 0;
    }

    private void putRefs(int pfn, int refs) {
        int head = frames.head(pfn);
        int left = frames.refAdd(head, -refs);
        if (left == 0) {
            free(head);
        } else if (left < 0) {
            throw new IllegalStateException("folio refcount underflow at pfn " + head);
        }
    }

    private void free(int head) {
        int order = frames.order(head);
        int n = 1 << order;
        release(head, n);
        if ((frames.flagWord(head) & PageFlags.ZONE_DEVICE) != 0) {
            frames.makeFolio(head, order);
            for (int i = 0; i < n; i++) {
                frames.setFlagWord(head + i, PageFlags.ZONE_DEVICE | PageFlags.FREE); // order 0: free frames are no folio
            }
            pgmap(head).ops().folioFree(head, order);
        } else if ((frames.flagWord(head) & PageFlags.HUGETLB) != 0) {
            frames.makeFolio(head, order);
            frames.set(head, PageFlags.HUGETLB | PageFlags.HUGETLB_FREE);
            hugetlbPool(order).add(head);
        } else {
            buddy.free(head, order);
        }
    }

    /** What every folio loses when freed, whatever it goes back to: its split queue entry and contents. */
    private void release(int head, int n) {
        if ((frames.flagWord(head) & PageFlags.RESERVED) != 0) {
            throw new IllegalStateException("freeing a reserved frame " + head);
        }
        deferredSplit.remove(head); // a freed folio waits for no split
        data.clearRange(head, n);
    }

    /**
     * A reference taken for a caller outside the kernel's structures (FOLL_GET). The zero page
     * gets one too (unlike a pin), but it is never freed and stays out of the holders' account.
     */
    public void getExternal(int pfn) {
        if (isZeroPfn(pfn)) {
            frames.refAdd(pfn, 1);
            return;
        }
        externalRefs.incrementAndGet();
        get(pfn);
    }

    /**
     * {@link #getExternal} or {@link #pin} for a caller that found the frame without any lock
     * (GUP-fast, try_grab_folio_fast): takes nothing and returns false when the folio is free
     * or frozen meanwhile, so a frame being freed never gains a reference.
     */
    public boolean tryGrab(int pfn, boolean pin) {
        if (isZeroPfn(pfn)) {
            frames.refAdd(pfn, pin ? 0 : 1);
            return true;
        }
        int refs = pin ? pinRefs(pfn, 1) : 1;
        if (!frames.refTryAdd(pfn, refs)) {
            return false;
        }
        externalRefs.addAndGet(refs);
        if (pin && frames.isLarge(pfn)) {
            frames.largePincountAdd(pfn, 1);
        }
        return true;
    }

    /** Drops a {@link #getExternal} reference (put_page). */
    public void putExternal(int pfn) {
        if (isZeroPfn(pfn)) {
            frames.refAdd(pfn, -1);
            return;
        }
        externalRefs.decrementAndGet();
        put(pfn);
    }

    /**
     * Declares the reference an allocation holds as one the kernel keeps outside page tables
     * and caches (a bounce buffer), so that the reference count still adds up.
     */
    public void accountKernelReference(int pfn) {
        externalRefs.incrementAndGet();
    }

    /** Sum of the references and pins external holders keep (a pin on a small folio counts the bias). */
    public long externalRefs() {
        return externalRefs.get();
    }

    /** Pins the folio of {@code pfn} for DMA (FOLL_PIN): bias for small folios, pin count for large. */
    public void pin(int pfn) {
        pinPages(pfn, 1);
    }

    /**
     * Pins {@code nr} pages of one folio, starting at {@code pfn}, in one step (try_grab_folio
     * with refs = nr): the same counts as {@code nr} calls of {@link #pin}.
     */
    public void pinPages(int pfn, int nr) {
        if (isZeroPfn(pfn)) {
            return; // pinning the zero page is harmless and not counted
        }
        int refs = pinRefs(pfn, nr);
        externalRefs.addAndGet(refs);
        frames.refAdd(pfn, refs);
        if (frames.isLarge(pfn)) {
            frames.largePincountAdd(pfn, nr);
        }
    }

    /** Reverses exactly one {@link #pin}. */
    public void unpin(int pfn) {
        unpinPages(pfn, 1);
    }

    /** Reverses {@code nr} pins of pages of one folio, starting at {@code pfn}, in one step. */
    public void unpinPages(int pfn, int nr) {
        if (isZeroPfn(pfn)) {
            return;
        }
        int refs = pinRefs(pfn, nr);
        externalRefs.addAndGet(-refs);
        if (frames.isLarge(pfn)) {
            frames.largePincountAdd(pfn, -nr);
        }
        putRefs(pfn, refs);
    }

    /** The references {@code nr} pins of a page add: one each on a large folio, the bias each on a small one. */
    private int pinRefs(int pfn, int nr) {
        return frames.isLarge(pfn) ? nr : nr * GUP_PIN_COUNTING_BIAS;
    }

    /** folio_maybe_dma_pinned: pin count for large folios, refcount at or above the bias for small ones. */
    public boolean maybeDmaPinned(int pfn) {
        if (frames.isLarge(pfn)) {
            return frames.largePincount(pfn) > 0;
        }
        return frames.refcount(pfn) >= GUP_PIN_COUNTING_BIAS;
    }

    /**
     * Splits a large folio into order-0 folios, each with the mapping of its old head and its
     * own index; the caller then sets every frame's reference count. The tails' reference counts
     * are 0 already: head+1's, the entire mapcount, is checked to be.
     *
     * @throws IllegalStateException when the folio is still mapped by a PMD/PUD or pinned: its
     *     counters would be lost (the caller checks the reference count before splitting)
     */
    public void splitFolio(int head) {
        if (frames.entireMapcount(head) != 0 || frames.largePincount(head) != 0) {
            throw new IllegalStateException("splitting folio " + head + " while mapped by " + frames.entireMapcount(head)
                    + " PMD/PUD entries and pinned " + frames.largePincount(head) + " times");
        }
        deferredSplit.remove(head); // its small folios are not partly mapped
        int n = frames.nrPages(head);
        int keep = frames.flags(head) & ~(PageFlags.HEAD | PageFlags.TAIL);
        long mapIndex = frames.mapIndex(head);
        for (int i = 0; i < n; i++) {
            // the head stays locked for a caller holding the folio lock; the new small folios are unlocked
            int bits = i == 0 ? keep : keep & ~PageFlags.LOCKED;
            frames.setFlagWord(head + i, bits | (frames.flagWord(head + i) & PageFlags.DIRTY));
            frames.setMapIndex(head + i, mapIndex + i); // head+1's pin count, checked 0, gives way too
        }
    }

    /** Sets a frame's reference count directly (used when a folio split hands out references). */
    public void setRefcount(int pfn, int count) {
        frames.setRefcount(pfn, count);
    }
}
