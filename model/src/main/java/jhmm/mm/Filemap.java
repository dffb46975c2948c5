package jhmm.mm;

import jhmm.base.PageSize;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;

/**
 * The page cache: finds or reads in the frame caching a file page, maps the cached pages
 * around a read fault (fault-around), writes dirty pages back, drops clean ones. A cached
 * folio holds one reference for the cache.
 */
public final class Filemap {
    private final MemorySystem sys;
    private final Readahead readahead;

    Filemap(MemorySystem sys) {
        this.sys = sys;
        this.readahead = new Readahead(sys);
    }

    /**
     * filemap_fault: the cached frame of {@code index}. A hit tells readahead (a folio marked
     * PG_readahead reads further); a miss in a regular file first reads ahead around it. -1 on
     * ENOMEM.
     */
    synchronized int faultPage(Vma vma, long index) {
        FileInode file = vma.file;
        int pfn = file.cache[(int) index];
        if (file.shmem) {
            return getPage(file, index);
        }
        if (pfn >= 0) {
            readahead.asyncMmap(vma, index, pfn);
            return pfn;
        }
        readahead.syncMmap(vma, index);
        return getPage(file, index);
    }

    /** The cached frame of {@code index}, reading it from the file when absent; -1 on ENOMEM. */
    synchronized int getPage(FileInode file, long index) {
        int pfn = file.cache[(int) index];
        if (pfn >= 0) {
            return pfn;
        }
        pfn = sys.allocFolio(0);
        if (pfn < 0) {
            return -1;
        }
        file.disk.copyTo((int) index, sys.phys.data(), pfn);
        PageFrames f = sys.phys.frames();
        f.setMapping(pfn, file.id, index);
        f.set(pfn, PageFlags.PAGECACHE | (file.shmem ? PageFlags.SWAPBACKED : 0));
        file.cache[(int) index] = pfn; // the allocation's reference is the cache's
        return pfn;
    }

    /**
     * filemap_map_pages: maps each page of the {@code n} pages of {@code vma} from {@code first}
     * (inside PTE table {@code table}, PTL held) whose file page is cached, not locked, not
     * marked PG_readahead, and whose PTE is none, with the bits of a read fault. Reads nothing
     * in; stops at the end of the file. When the fault found no PTE table ({@code pmdNone})
     * and the first page it could map is in the file's last folio, it maps nothing: Linux 6.18
     * installs the table only on its way to a PMD mapping, which it does not try for a folio
     * reaching EOF (so a fault past EOF of a one-page file maps nothing). Each page it could
     * map, mapped already or not, counts as a hit against the open file's mmap_miss.
     */
    synchronized void mapPages(Vma vma, int table, long first, int n, boolean pmdNone) {
        FileInode file = vma.file;
        PageFrames f = sys.phys.frames();
        Mm mm = vma.mm;
        long[] ptes = mm.pt.entries(table);
        long bits = Fault.filePteBits(vma, false);
        long index = vma.pageIndex(first);
        int count = (int) Math.min(n, file.pages() - index);
        if (pmdNone && !file.shmem && firstMappableInLastFolio(file, index, count)) {
            return;
        }
        int mapped = 0;
        int hits = 0;
        for (int i = 0; i < count; i++) {
            long addr = first + ((long) i << PageSize.PAGE_SHIFT);
            int pfn = file.cache[(int) index + i];
            if (pfn < 0 || f.test(pfn, PageFlags.LOCKED | PageFlags.READAHEAD)) {
                continue;
            }
            hits++;
            if (!Pte.none(PageTable.entry(ptes, addr))) {
                continue;
            }
            sys.rmap.addPte(pfn);
            mm.pt.setEntryAt(table, PageTable.index(addr), Pte.mk(pfn, bits));
            mapped++;
        }
        mm.rssAdd(vma, mapped);
        vma.ra.mmapMiss = Math.max(0, vma.ra.mmapMiss - hits);
    }

    /** Whether the first page of [index, index + count) fault-around could map lies in the file's last folio. */
    private boolean firstMappableInLastFolio(FileInode file, long index, int count) {
        PageFrames f = sys.phys.frames();
        for (int i = 0; i < count; i++) {
            int pfn = file.cache[(int) index + i];
            if (pfn >= 0 && !f.test(pfn, PageFlags.LOCKED | PageFlags.READAHEAD)) {
                int page = (int) index + i;
                return file.folioStart(page) + file.folioPages(page) >= file.pages();
            }
        }
        return false;
    }

    /** Reads every page of the file into the cache, as writing the file does; false when out of memory. */
    synchronized boolean readAll(FileInode file) {
        for (long i = 0; i < file.pages(); i++) {
            if (getPage(file, i) < 0) {
                return false;
            }
        }
        return true;
    }

    /** A hugetlbfs page for a shared hugetlb mapping, allocated from the pool on first use. */
    synchronized int getHugetlbPage(FileInode file, long index, int order) {
        long aligned = index & -(1L << order);
        int pfn = file.cache[(int) aligned];
        if (pfn >= 0) {
            return pfn;
        }
        pfn = sys.phys.allocHugetlb(order);
        if (pfn < 0) {
            return -1;
        }
        PageFrames f = sys.phys.frames();
        f.setMapping(pfn, file.id, aligned);
        f.set(pfn, PageFlags.PAGECACHE);
        file.cache[(int) aligned] = pfn;
        return pfn;
    }

    /** Writes a dirty cache page back to the file (not for shmem, whose only copy is in memory). */
    void writeback(FileInode file, long index, int pfn) {
        PageFrames f = sys.phys.frames();
        if (f.test(pfn, PageFlags.DIRTY) && !file.shmem) {
            sys.phys.data().copyTo(pfn, file.disk, (int) index);
            f.clear(pfn, PageFlags.DIRTY | PageFlags.READAHEAD); // the end of writeback clears PG_reclaim
        }
    }

    /**
     * Removes an unmapped page from the cache, writing it back first; false if it cannot go. A
     * dirty shmem page cannot (memory is its only copy); a clean one holds zeros, as its hole would.
     */
    synchronized boolean evict(FileInode file, long index, int callerRefs) {
        int pfn = file.cache[(int) index];
        PageFrames f = sys.phys.frames();
        if (pfn < 0 || (file.shmem && f.test(pfn, PageFlags.DIRTY)) || f.mapcount(pfn) > 0 || f.refcount(pfn) != 1 + callerRefs) {
            return false;
        }
        writeback(file, index, pfn);
        file.cache[(int) index] = -1;
        sys.phys.put(pfn);
        return true;
    }

    /** Drops every cached page of a file that nothing maps any more (the last close of a shmem object). */
    synchronized void truncate(FileInode file) {
        PageFrames f = sys.phys.frames();
        for (int i = 0; i < file.cache.length; i++) {
            int pfn = file.cache[i];
            if (pfn < 0 || f.head(pfn) != pfn) {
                continue;
            }
            // a large folio's entries go before its one cache reference, which may free it
            int n = f.nrPages(pfn);
            for (int k = 0; k < n && i + k < file.cache.length && file.cache[i + k] == pfn + k; k++) {
                file.cache[i + k] = -1;
            }
            sys.phys.put(pfn);
        }
    }

    /**
     * Replaces the folio cached at {@code index} by {@code newPfn}'s (page migration): each
     * entry naming a page of the old folio names the new folio's page.
     */
    synchronized void replace(FileInode file, long index, int newPfn) {
        int old = file.cache[(int) index];
        int n = sys.phys.frames().nrPages(newPfn);
        for (int i = 0; i < n && index + i < file.cache.length; i++) {
            if (file.cache[(int) index + i] == old + i) {
                file.cache[(int) index + i] = newPfn + i;
            }
        }
    }

}
