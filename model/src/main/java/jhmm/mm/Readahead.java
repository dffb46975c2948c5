package jhmm.mm;

import jhmm.base.PageSize;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;

/**
 * The readahead of page faults in a file mapping (filemap_fault's do_sync_mmap_readahead and
 * do_async_mmap_readahead, over mm/readahead.c's page_cache_ra_order), as Linux 6.18 reads:
 * what it puts in the page cache, in which folios, and which folio gets the PG_readahead mark
 * (the same bit as PG_reclaim), which fault-around does not map and whose own fault reads
 * further ahead. Called with the {@link Filemap} lock held.
 */
final class Readahead {
    /**
     * The file's bdi ra_pages (file_ra_state.ra_pages), which the block device sets: the
     * host's disk has read_ahead_kb 8192.
     */
    static final int RA_PAGES = (8192 << 10) >>> PageSize.PAGE_SHIFT;
    /** MMAP_LOTSAMISS: more net misses than this and a miss reads only its own page. */
    static final int LOTS_OF_MISSES = 100;
    /** MAX_PAGECACHE_ORDER on x86_64: a page-cache folio is at most PMD-sized. */
    static final int MAX_ORDER = PageSize.PMD_SHIFT - PageSize.PAGE_SHIFT;
    private static final int PMD_PAGES = 1 << MAX_ORDER;

    private final MemorySystem sys;

    Readahead(MemorySystem sys) {
        this.sys = sys;
    }

    /**
     * do_sync_mmap_readahead, for a miss at {@code index}: a VM_HUGEPAGE mapping reads the two
     * PMD-sized folios from the miss's aligned 2 MiB (marking the second); an executable one
     * reads RA_PAGES from the miss; any other RA_PAGES centred on it (mmap read-around),
     * marking the first page of its last quarter. Counts the miss first, and reads nothing
     * more after too many.
     */
    void syncMmap(Vma vma, long index) {
        FileRa ra = vma.ra;
        if (ra.mmapMiss < LOTS_OF_MISSES * 10) {
            ra.mmapMiss++;
        }
        if (ra.mmapMiss > LOTS_OF_MISSES) {
            return;
        }
        long start;
        if (vma.has(VmFlags.HUGEPAGE)) {
            start = index & -PMD_PAGES; // ra->start is left as it was
            ra.size = 2 * PMD_PAGES;
            ra.asyncSize = PMD_PAGES;
            ra.order = MAX_ORDER;
        } else {
            start = vma.has(VmFlags.EXEC) ? index : Math.max(0, index - RA_PAGES / 2);
            ra.start = start;
            ra.size = RA_PAGES;
            ra.asyncSize = vma.has(VmFlags.EXEC) ? 0 : RA_PAGES / 4;
            ra.order = 0;
        }
        readOrder(vma.file, ra, start);
    }

    /**
     * do_async_mmap_readahead, for a fault that found page {@code index} cached: counts a hit;
     * when its folio carries PG_readahead, clears it and reads on (page_cache_async_ra): the
     * next window if this is the mark its own readahead set, otherwise from the first
     * uncached page after it, up to RA_PAGES, in folios two orders larger than last time.
     */
    void asyncMmap(Vma vma, long index, int pfn) {
        FileRa ra = vma.ra;
        if (ra.mmapMiss > 0) {
            ra.mmapMiss--;
        }
        if (!sys.phys.frames().test(pfn, PageFlags.READAHEAD)) {
            return;
        }
        FileInode file = vma.file;
        int first = file.folioStart((int) index);
        int n = file.folioPages((int) index);
        mark(file, first, n, false);
        long expected = (ra.start + ra.size - ra.asyncSize) & -(long) n;
        if (index == expected) {
            ra.start += ra.size;
            ra.size = Math.max(ra.size, nextSize(ra.size));
        } else {
            long start = nextMiss(file, index + 1);
            if (start - index > RA_PAGES) {
                return;
            }
            ra.start = start;
            ra.size = nextSize((int) (start - index) + RA_PAGES);
        }
        ra.asyncSize = ra.size;
        ra.order += 2;
        readOrder(file, ra, ra.start);
    }

    /** get_next_ra_size: a window grows fourfold while small, then twofold, up to RA_PAGES. */
    private static int nextSize(int cur) {
        if (cur < RA_PAGES / 16) {
            return 4 * cur;
        }
        return cur <= RA_PAGES / 2 ? 2 * cur : RA_PAGES;
    }

    /** page_cache_next_miss: the first page from {@code index} not cached (the end of the file counts), within RA_PAGES. */
    private static long nextMiss(FileInode file, long index) {
        for (long i = index; i < index + RA_PAGES; i++) {
            if (file.cachedPfn(i) < 0) {
                return i;
            }
        }
        return index + RA_PAGES;
    }

    /**
     * page_cache_ra_order: reads ra.size pages from {@code start} (not past EOF) in folios of
     * ra.order, smaller where the index's alignment or EOF asks; the folio holding page
     * start + size - asyncSize gets PG_readahead. At the first page already cached it leaves
     * the rest to single pages (do_page_cache_ra), whose mark counts from there.
     */
    private void readOrder(FileInode file, FileRa ra, long start) {
        long limit = Math.min(file.pages() - 1L, start + ra.size - 1);
        long mark = start + ra.size - ra.asyncSize;
        int order = Math.min(Math.min(MAX_ORDER, ra.order), 31 - Integer.numberOfLeadingZeros(ra.size));
        ra.order = order;
        long index = start;
        while (index <= limit) {
            int o = (index & ((1L << order) - 1)) != 0 ? Long.numberOfTrailingZeros(index) : order;
            while (o > 0 && index + (1L << o) - 1 > limit) {
                o--;
            }
            int n = 1 << o;
            if (anyCached(file, index, n)) {
                if (ra.size > index - start) {
                    readPages(file, index, ra.size - (index - start), ra.asyncSize);
                }
                return;
            }
            if (!readFolio(file, index, n, (mark & -(long) n) == index)) {
                return;
            }
            index += n;
        }
    }

    /**
     * do_page_cache_ra: reads the uncached pages of {@code nr} from {@code index} (cut at EOF)
     * one page each; the page {@code lookahead} before the end of that, cut, range gets
     * PG_readahead when it is read here.
     */
    private void readPages(FileInode file, long index, long nr, int lookahead) {
        nr = Math.min(nr, file.pages() - index);
        long mark = lookahead <= nr ? nr - lookahead : -1;
        for (long i = 0; i < nr; i++) {
            if (file.cachedPfn(index + i) < 0 && !readFolio(file, index + i, 1, i == mark)) {
                return;
            }
        }
    }

    private static boolean anyCached(FileInode file, long index, int n) {
        for (long i = index; i < index + n; i++) {
            if (file.cachedPfn(i) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Reads {@code n} uncached pages from {@code index} as one folio; false when out of memory (readahead is best effort). */
    private boolean readFolio(FileInode file, long index, int n, boolean mark) {
        for (long i = index; i < index + n; i++) {
            if (sys.filemap.getPage(file, i) < 0) {
                return false;
            }
        }
        if (n > 1) {
            file.groupFolio((int) index, n);
        }
        if (mark) {
            mark(file, (int) index, n, true);
        }
        return true;
    }

    /** Sets or clears PG_readahead on the pages of one folio. */
    private void mark(FileInode file, int first, int n, boolean on) {
        PageFrames frames = sys.phys.frames();
        for (int i = first; i < first + n; i++) {
            int pfn = file.cachedPfn(i);
            if (on) {
                frames.set(pfn, PageFlags.READAHEAD);
            } else {
                frames.clear(pfn, PageFlags.READAHEAD);
            }
        }
    }
}
