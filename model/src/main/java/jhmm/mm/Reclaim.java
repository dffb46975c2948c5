package jhmm.mm;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;
import jhmm.phys.PhysicalMemory;

/**
 * Page reclaim (mm/vmscan.c): anonymous pages go to swap (each mapping becomes a swap entry,
 * in a CLEAR invalidation), clean lazily-freed pages are discarded, file pages are written
 * back and dropped from the page cache. Pinned pages are never reclaimed; shmem pages stay in
 * memory (jhmm models no shmem swap). MADV_PAGEOUT differs for page-cache folios: it unmaps
 * shmem and dirty ones too, keeps the dirty ones cached without writing them back, and drops
 * the clean ones, shmem included; a huge shmem folio is unmapped whole or split.
 */
public final class Reclaim {
    private final MemorySystem sys;
    private int clockHand;

    Reclaim(MemorySystem sys) {
        this.sys = sys;
    }

    /** The distinct folios mapped in [start, end) of {@code mm}, by head PFN. */
    int[] foliosIn(Mm mm, long start, long end) {
        int[] out = new int[16];
        int n = 0;
        int last = -1;
        for (long a = start; a < end; a += PageSize.PAGE_SIZE) {
            int pfn = mappedFrameLocked(mm, a);
            if (pfn < 0) {
                continue;
            }
            int head = sys.phys.frames().head(pfn);
            if (head != last) {
                if (n == out.length) {
                    out = Arrays.copyOf(out, n * 2);
                }
                out[n++] = head;
                last = head;
            }
        }
        return Arrays.stream(out, 0, n).distinct().toArray();
    }

    /** The frame mapped at {@code a} (inside a huge leaf, its page there), or -1 for none or a special page; under its entry's lock. */
    private static int mappedFrame(Mm mm, long a) {
        long e = mm.pt.pud(a);
        long mask = PageSize.PUD_MASK;
        if (!Pte.leaf(e)) {
            e = mm.pt.pmd(a);
            mask = PageSize.PMD_MASK;
            if (!Pte.leaf(e)) {
                e = mm.pt.pte(a);
                mask = PageSize.PAGE_MASK;
            }
        }
        return Pte.present(e) && !Pte.special(e) ? Pte.pfn(e) + (int) ((a & ~mask) >>> PageSize.PAGE_SHIFT) : -1;
    }

    private static int mappedFrameLocked(Mm mm, long a) {
        ReentrantLock ptl = Pte.leaf(mm.pt.pud(a)) ? mm.pudLock() : mm.lockEntry(a);
        try {
            return mappedFrame(mm, a);
        } finally {
            ptl.unlock();
        }
    }

    /**
     * Reclaims every folio mapped in the range, whoever else maps it (`kernel swapout`).
     * Returns how many folios stayed.
     */
    private int reclaimRange(Mm mm, long start, long end) {
        int kept = 0;
        for (int head : foliosIn(mm, start, end)) {
            if (!reclaimFolio(head)) {
                kept++;
            }
        }
        return kept;
    }

    /**
     * MADV_PAGEOUT of [start, end) in {@code v} (madvise_cold_or_pageout_pte_range, then
     * reclaim_pages): reclaims the folios of the range that no other mapping maps. Large
     * page-cache folios go whole, or are split when the range covers them only in part.
     */
    public void pageout(Vma v, long start, long end) {
        Mm mm = v.mm;
        PageFrames f = sys.phys.frames();
        // a large anonymous folio the range covers in part is split, so only the range's pages go
        PartlyCoveredFolios.split(v, start, end);
        int last = -1;
        for (long a = start; a < end; ) {
            int pfn = mappedFrameLocked(mm, a);
            if (pfn >= 0 && f.isLarge(pfn) && f.test(pfn, PageFlags.PAGECACHE) && !f.test(pfn, PageFlags.HUGETLB)) {
                a = pageoutShmemFolio(mm, start, a, end, pfn);
                continue;
            }
            FileInode file = pfn < 0 ? null : largeFileFolio(pfn);
            if (file != null) {
                a += pageoutFileFolio(mm, a, end, file, (int) f.index(pfn)) * PageSize.PAGE_SIZE;
                continue;
            }
            if (pfn >= 0 && f.head(pfn) != last) {
                last = f.head(pfn);
                if (!sys.rmap.maybeMappedShared(last)) {
                    reclaimFolio(last, true);
                }
            }
            a += PageSize.PAGE_SIZE;
        }
    }

    /**
     * MADV_PAGEOUT meets a huge shmem folio (MADV_COLLAPSE made it) whose page {@code pfn} is
     * mapped at {@code a}; returns where the walk goes on, past the folio. Covered whole by
     * [start, end) and mapped only there, the folio is unmapped and stays cached (shmem has no
     * swap in jhmm, and the host has none): its next fault maps it again. Covered in part, and
     * mapped by no other process, it is split, which unmaps all of it; its pages stay cached.
     */
    private long pageoutShmemFolio(Mm mm, long start, long a, long end, int pfn) {
        PageFrames f = sys.phys.frames();
        int head = f.head(pfn);
        int n = f.nrPages(head);
        long first = a - ((long) (pfn - head) << PageSize.PAGE_SHIFT);
        long last = first + ((long) n << PageSize.PAGE_SHIFT);
        int mappedHere = 0;
        for (long p = Math.max(first, start); p < Math.min(last, end); p += PageSize.PAGE_SIZE) {
            mappedHere += mappedFrameLocked(mm, p) == head + (int) ((p - first) >>> PageSize.PAGE_SHIFT) ? 1 : 0;
        }
        if (first >= start && last <= end && mappedHere == n && f.folioTotalMapcount(head) == n) {
            sys.rmap.replaceMappings(head, (e, exclusive) -> 0, NotifierEvent.CLEAR);
        } else if (!mappedByOthers(mm, head) && f.refcount(head) == 1 + f.entireMapcount(head) + ptesMapping(head, n)) {
            sys.huge.underFolioLock(head, () -> sys.huge.splitFolio(head));
        }
        return Math.min(last, end);
    }

    private int ptesMapping(int head, int n) {
        int ptes = 0;
        for (int i = 0; i < n; i++) {
            ptes += sys.phys.frames().pteMapcount(head + i);
        }
        return ptes;
    }

    /** Whether a process other than {@code mm} maps a page of the folio at {@code head}. */
    private boolean mappedByOthers(Mm mm, int head) {
        boolean[] others = new boolean[1];
        sys.rmap.walk(head, (vma, addr, sub, pmdLevel) -> {
            others[0] = vma.mm != mm && mappedFrameLocked(vma.mm, addr) == head + sub;
            return !others[0];
        });
        return others[0];
    }

    /** The file whose page cache holds {@code pfn} in a folio of more than one page, else null. */
    private FileInode largeFileFolio(int pfn) {
        PageFrames f = sys.phys.frames();
        if (!f.test(pfn, PageFlags.PAGECACHE) || f.test(pfn, PageFlags.HUGETLB)) {
            return null;
        }
        FileInode file = (FileInode) sys.mappingById(f.mapping(pfn));
        return file.folioPages((int) f.index(pfn)) > 1 ? file : null;
    }

    /**
     * MADV_PAGEOUT meets a large page-cache folio at {@code a}, mapping page {@code index}.
     * Returns how many pages it handled: the run of PTEs mapping the folio from {@code a} on.
     * A folio mapped whole by the run and nowhere else is reclaimed. A folio the run maps in
     * part is split, which unmaps all of it (split_folio does not map file pages back), unless
     * another process maps it too (folio_maybe_mapped_shared tracks the processes mapping a
     * large folio: mapping it twice in one process does not make it shared).
     */
    private int pageoutFileFolio(Mm mm, long a, long end, FileInode file, int index) {
        int first = file.folioStart(index);
        int n = file.folioPages(index);
        int run = mappedRun(mm, a, Math.min(end, (a & PageSize.PMD_MASK) + PageSize.PMD_SIZE), file, index, first + n);
        int mapcount = 0;
        for (int i = first; i < first + n; i++) {
            int pfn = file.cachedPfn(i);
            mapcount += pfn < 0 ? 0 : sys.phys.frames().mapcount(pfn);
        }
        if (index == first && run == n) {
            if (mapcount == n) {
                reclaimLargeFileFolio(file, first, n);
            }
        } else if (!mappedByOthers(mm, file, first, n) && splittable(file, first, n)) {
            file.splitFolio(first);
            unmapFolio(file, first, n);
        }
        return run;
    }

    /** How many PTEs from {@code a} (before {@code end}) map pages {@code index}, {@code index}+1, ... before {@code stop}. */
    private static int mappedRun(Mm mm, long a, long end, FileInode file, int index, int stop) {
        int run = 0;
        while (a + run * PageSize.PAGE_SIZE < end && index + run < stop
                && mappedFrameLocked(mm, a + run * PageSize.PAGE_SIZE) == file.cachedPfn(index + run)) {
            run++;
        }
        return Math.max(run, 1);
    }

    private boolean mappedByOthers(Mm mm, FileInode file, int first, int n) {
        PageFrames f = sys.phys.frames();
        for (int i = first; i < first + n; i++) {
            int pfn = file.cachedPfn(i);
            if (pfn >= 0 && f.head(pfn) == pfn && mappedByOthers(mm, pfn)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether split_folio can split the page-cache folio: not when something beyond the cache
     * and the mappings holds a page (a pin), nor when a page of a regular file is dirty (ext4
     * cannot release a dirty folio's buffers, which a split needs; shmem has none).
     */
    private boolean splittable(FileInode file, int first, int n) {
        PageFrames f = sys.phys.frames();
        for (int i = first; i < first + n; i++) {
            int pfn = file.cachedPfn(i);
            if (pfn >= 0 && (f.refcount(pfn) != 1 + f.mapcount(pfn) || f.test(pfn, PageFlags.DIRTY) || dirtyMapping(pfn))) {
                return false;
            }
        }
        return true;
    }

    private void unmapFolio(FileInode file, int first, int n) {
        PageFrames f = sys.phys.frames();
        for (int i = first; i < first + n; i++) {
            int pfn = file.cachedPfn(i);
            if (pfn >= 0 && f.head(pfn) == pfn) {
                sys.rmap.replaceMappings(pfn, (e, exclusive) -> 0, NotifierEvent.CLEAR);
            }
        }
    }

    /** MADV_PAGEOUT of a whole large page-cache folio: unmapped, then dropped unless dirty or referenced beyond the cache. */
    private void reclaimLargeFileFolio(FileInode file, int first, int n) {
        unmapFolio(file, first, n);
        PageFrames f = sys.phys.frames();
        for (int i = first; i < first + n; i++) {
            int pfn = file.cachedPfn(i);
            if (pfn >= 0 && f.test(pfn, PageFlags.DIRTY)) {
                markReclaim(file, first, n);
                return;
            }
        }
        for (int i = first; i < first + n; i++) {
            int pfn = file.cachedPfn(i);
            if (pfn >= 0 && f.refcount(pfn) != 1) {
                return;
            }
        }
        for (int i = first; i < first + n; i++) {
            sys.filemap.evict(file, i, 0);
        }
        file.splitFolio(first); // the pages read back later come in small folios
    }

    /** shrink_folio_list keeps a dirty file folio it may not write back with PG_reclaim set. */
    private void markReclaim(FileInode file, int first, int n) {
        for (int i = first; i < first + n; i++) {
            int pfn = file.cachedPfn(i);
            if (pfn >= 0) {
                sys.phys.frames().set(pfn, PageFlags.READAHEAD);
            }
        }
    }

    /** `kernel swapout`: 0, or -EAGAIN when some page could not go. */
    public int swapoutRange(Mm mm, long start, long end) {
        return reclaimRange(mm, start, end) == 0 ? 0 : -Errno.EAGAIN;
    }

    /** Frees about {@code target} pages by a clock sweep over RAM (the allocator's slow path). */
    int shrink(int target) {
        PhysicalMemory phys = sys.phys;
        PageFrames f = phys.frames();
        int freed = 0;
        int frames = phys.nrFrames();
        for (int scanned = 0; scanned < 2 * frames && freed < target; scanned++) {
            int pfn = clockHand;
            clockHand = (clockHand + 1) % frames;
            int flags = f.flags(pfn);
            if ((flags & (PageFlags.FREE | PageFlags.TAIL | PageFlags.RESERVED | PageFlags.HUGETLB)) != 0
                    || (flags & (PageFlags.ANON | PageFlags.PAGECACHE)) == 0) {
                continue;
            }
            if ((flags & PageFlags.REFERENCED) != 0) {
                f.clear(pfn, PageFlags.REFERENCED); // second chance
                continue;
            }
            if (youngInSecondaryMmu(pfn)) {
                continue; // a device used it recently: second chance, as folio_referenced() gives
            }
            int n = f.nrPages(pfn);
            if (reclaimFolio(pfn)) {
                freed += n;
            }
        }
        return freed;
    }

    private boolean youngInSecondaryMmu(int head) {
        boolean[] young = new boolean[1];
        sys.rmap.walk(head, (vma, addr, sub, pmdLevel) -> {
            long size = pmdLevel ? (long) sys.phys.frames().nrPages(head) << PageSize.PAGE_SHIFT : PageSize.PAGE_SIZE;
            young[0] |= vma.mm.notifierHook().clearFlushYoung(vma.mm, addr, addr + size);
            return true;
        });
        return young[0];
    }

    /**
     * Reclaims one folio; false when it must stay (pinned, no swap, shmem, still referenced) or
     * was freed meanwhile. Like folio_isolate_lru, it first takes a reference, and only if the
     * folio still has one: a folio found by scanning frames may be freed by another thread. Like
     * shrink_folio_list, it then takes the folio lock or leaves the folio alone: a folio locked
     * by a migration (to device memory or elsewhere) or another reclaim is theirs.
     */
    boolean reclaimFolio(int head) {
        return reclaimFolio(head, false);
    }

    /** {@link #reclaimFolio}; {@code madvised} for MADV_PAGEOUT's reclaim_pages, which differs for page-cache folios. */
    private boolean reclaimFolio(int head, boolean madvised) {
        PageFrames f = sys.phys.frames();
        if (!f.refTryGet(head)) {
            return false;
        }
        try {
            if (!f.tryLock(head)) {
                return false;
            }
            try {
                return reclaimHeld(head, madvised);
            } finally {
                f.unlock(head); // a split left the lock on the first page, where head still is
            }
        } finally {
            sys.phys.put(head);
        }
    }

    /** {@link #reclaimFolio} for a folio the caller holds one reference on. */
    private boolean reclaimHeld(int head, boolean madvised) {
        PhysicalMemory phys = sys.phys;
        PageFrames f = phys.frames();
        if (phys.maybeDmaPinned(head) || f.test(head, PageFlags.HUGETLB)) {
            return false;
        }
        if (f.test(head, PageFlags.PAGECACHE)) {
            return reclaimFileFolio(head, madvised);
        }
        if (!f.test(head, PageFlags.ANON)) {
            return false;
        }
        if (f.order(head) > 0) {
            if (!f.test(head, PageFlags.SWAPBACKED)) {
                return discardLazyFreeLarge(head);
            }
            int n = f.nrPages(head);
            if (sys.huge.splitHugePage(head, 1) < 0) {
                return false;
            }
            // our reference stayed on the first page; a zero-filled page the split unmapped has gone already
            boolean all = f.mapcount(head) == 0 || reclaimHeld(head, madvised);
            for (int i = 1; i < n; i++) {
                if (!f.test(head + i, PageFlags.FREE)) {
                    all &= reclaimFolio(head + i, madvised);
                }
            }
            return all;
        }
        if (!f.test(head, PageFlags.SWAPBACKED) && !f.test(head, PageFlags.DIRTY)) {
            return discardLazyFree(head);
        }
        return swapOut(head);
    }

    /**
     * Swaps out a page the caller holds a reference on: the last mapping's going leaves it to
     * that reference. As try_to_unmap before pageout, the page is unmapped first and written
     * only then, so a store racing the unmap either lands before it and is written, or faults
     * on the swap entry (waiting until the slot is written) and lands in the page read back.
     */
    private boolean swapOut(int pfn) {
        int slot = sys.swap.alloc();
        if (slot < 0) {
            return false;
        }
        sys.rmap.replaceMappings(pfn, (e, exclusive) -> {
            sys.swap.dup(slot);
            return Pte.mkNonPresent(Pte.KIND_SWAP, slot, exclusive ? Pte.EXCLUSIVE : 0);
        }, NotifierEvent.CLEAR);
        sys.phys.data().copyTo(pfn, sys.swap.data(), slot);
        sys.swap.written(slot);
        sys.swap.free(slot); // the allocation's count; the entries hold the rest
        sys.stats.pswpout.incrementAndGet();
        return true;
    }

    /** A clean lazily-freed page goes without swap, unless a store re-dirtied it since MADV_FREE. */
    private boolean discardLazyFree(int pfn) {
        if (dirtyMapping(pfn)) {
            sys.phys.frames().set(pfn, PageFlags.SWAPBACKED);
            return swapOut(pfn);
        }
        sys.rmap.replaceMappings(pfn, (e, exclusive) -> 0, NotifierEvent.CLEAR);
        return true;
    }

    /**
     * A large lazily-freed folio goes whole, unsplit: try_to_unmap splits its PMD mappings
     * (TTU_SPLIT_HUGE_PMD), takes all its PTEs at once and discards them, unless a store
     * re-dirtied a page since MADV_FREE, when it puts the PTEs back and makes the folio
     * swap-backed again (kept whole, PTE-mapped; Linux 6.18, no swap needed).
     */
    private boolean discardLazyFreeLarge(int head) {
        PageFrames f = sys.phys.frames();
        sys.rmap.walk(head, (vma, addr, sub, pmdLevel) -> {
            if (pmdLevel) {
                sys.huge.splitPmd(vma, addr);
            }
            return true;
        });
        if (f.test(head, PageFlags.DIRTY) || dirtyMapping(head)) {
            f.set(head, PageFlags.SWAPBACKED);
            return false;
        }
        sys.rmap.replaceMappings(head, (e, exclusive) -> 0, NotifierEvent.CLEAR);
        return true;
    }

    /** Whether a mapping of a page of the folio at {@code head} has its dirty bit set. */
    private boolean dirtyMapping(int head) {
        boolean[] dirty = new boolean[1];
        try (WalkLock lock = new WalkLock()) {
            sys.rmap.walk(head, (vma, addr, sub, pmdLevel) -> {
                lock.at(vma.mm, addr, false);
                long e = pmdLevel ? vma.mm.pt.pmd(addr) : vma.mm.pt.pte(addr);
                dirty[0] = Pte.present(e) && Pte.pfn(e) == head + sub && Pte.dirty(e);
                return !dirty[0];
            });
        }
        return dirty[0];
    }

    /**
     * Unmaps a page-cache page and drops it from the cache. Memory pressure leaves shmem alone
     * (no swap for it) and writes dirty pages back. MADV_PAGEOUT (shrink_folio_list from
     * madvise) unmaps shmem and dirty pages too; dirty ones stay cached (it writes nothing
     * back), clean ones go, shmem too: a shmem page only ever read holds zeros, and its hole
     * reads as zeros again.
     */
    private boolean reclaimFileFolio(int pfn, boolean madvised) {
        FileInode file = (FileInode) sys.mappingById(sys.phys.frames().mapping(pfn));
        if (file.shmem && !madvised) {
            return false;
        }
        long index = sys.phys.frames().index(pfn);
        sys.rmap.replaceMappings(pfn, (e, exclusive) -> 0, NotifierEvent.CLEAR);
        if (madvised && sys.phys.frames().test(pfn, PageFlags.DIRTY)) {
            if (!file.shmem) {
                // only kswapd writes file pages back: shrink_folio_list sets PG_reclaim and keeps it
                sys.phys.frames().set(pfn, PageFlags.READAHEAD);
            }
            return false; // shmem has no swap to write to, a file page is not written back from madvise
        }
        if (!sys.filemap.evict(file, index, 1)) {
            return false;
        }
        file.splitFolio((int) index); // Linux drops the whole folio; what is read back comes in small ones
        return true;
    }
}
