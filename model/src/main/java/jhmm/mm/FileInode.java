package jhmm.mm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.phys.ContentStore;

/**
 * A file: its contents on "disk", its page cache (page index to frame), and the VMAs that map
 * it (i_mmap, for the reverse map). Anonymous shared memory is a shmem file of this kind with
 * no name, as in the kernel.
 */
public final class FileInode {
    final int id;
    private final String name;
    private final long size;
    final boolean shmem;
    /** What reading the file from storage gives, per page; written back from dirty cache pages. */
    final ContentStore disk;
    /** Page index to PFN; -1 when the page is not cached. */
    final int[] cache;
    private final List<Vma> vmas = new ArrayList<>();
    /** i_mmap_rwsem: see {@link RmapLocks}. The list itself is guarded by this object's monitor. */
    final ReentrantReadWriteLock iMmapRwsem = new ReentrantReadWriteLock();
    /**
     * Per page, the first page of the folio Linux caches it in (see {@link #writeFolios}).
     * jhmm caches a regular file's pages in single frames and uses this grouping where the folio
     * size shows (MADV_PAGEOUT); a group, once split or evicted, is single pages for good. A
     * shmem object's groups are real folios: single pages, or the huge ones MADV_COLLAPSE makes.
     */
    private final int[] folioStart;
    /**
     * The size of the write() calls that fill a new file unless told otherwise: a page, so that
     * its page cache holds single-page folios (a large folio changes how much a fault maps,
     * which the model's fault-around does not follow yet).
     */
    public static final long PAGE_WRITES = PageSize.PAGE_SIZE;

    FileInode(int id, String name, long size, boolean shmem, Pattern initial) {
        this(id, name, size, shmem, initial, PAGE_WRITES);
    }

    /** A file whose contents were written in {@code writeChunk}-byte write() calls (its page-cache folios follow them). */
    FileInode(int id, String name, long size, boolean shmem, Pattern initial, long writeChunk) {
        this.id = id;
        this.name = name;
        this.size = size;
        this.shmem = shmem;
        int pages = (int) (PageSize.pageAlignUp(size) >>> PageSize.PAGE_SHIFT);
        disk = new ContentStore(pages);
        cache = new int[pages];
        Arrays.fill(cache, -1);
        folioStart = shmem ? identity(pages) : writeFolios(size, pages, writeChunk);
        if (initial != null && !initial.equals(Pattern.ZERO)) {
            for (int i = 0; i < pages; i++) {
                long origin = (long) i << PageSize.PAGE_SHIFT;
                int len = (int) Math.min(PageSize.PAGE_SIZE, size - origin);
                disk.writePattern(i, 0, len, initial, origin);
            }
        }
    }

    public String name() {
        return name;
    }

    public long size() {
        return size;
    }

    public boolean isShmem() {
        return shmem;
    }

    public int pages() {
        return cache.length;
    }

    /** The frame caching page {@code index}, or -1. */
    public int cachedPfn(long index) {
        return index < cache.length ? cache[(int) index] : -1;
    }

    /**
     * The folios a new file's pages are cached in when it is written in {@code chunk}-byte
     * write() calls: ext4's buffered write (large folios since Linux 6.16) gives each step
     * of a call a folio as large as the bytes left in the call allow, cut down to the page
     * index's alignment; then fsync leaves them cached and clean.
     */
    static int[] writeFolios(long size, int pages, long chunk) {
        int[] start = new int[pages];
        for (long call = 0; call < size; call += chunk) {
            long pos = call;
            long left = Math.min(chunk, size - call);
            while (left > 0) {
                int index = (int) (pos >>> PageSize.PAGE_SHIFT);
                int order = Math.max(0, 63 - Long.numberOfLeadingZeros(left) - PageSize.PAGE_SHIFT);
                order = Math.min(order, Integer.numberOfTrailingZeros(index));
                long bytes = PageSize.PAGE_SIZE << order;
                Arrays.fill(start, index, Math.min(index + (1 << order), pages), index);
                pos += bytes;
                left -= Math.min(left, bytes);
            }
        }
        return start;
    }

    private static int[] identity(int pages) {
        int[] start = new int[pages];
        Arrays.setAll(start, i -> i);
        return start;
    }

    /** The first page of the folio caching page {@code index}. */
    synchronized int folioStart(int index) {
        return folioStart[index];
    }

    /** How many pages the folio caching page {@code index} holds. */
    synchronized int folioPages(int index) {
        int first = folioStart[index];
        int end = first + 1;
        while (end < folioStart.length && folioStart[end] == first) {
            end++;
        }
        return end - first;
    }

    /** Pages {@code first} to {@code first + n - 1} (those before EOF) are now cached in one folio. */
    synchronized void setFolio(int first, int n) {
        Arrays.fill(folioStart, first, Math.min(first + n, folioStart.length), first);
    }

    /** The folio caching page {@code index} becomes single pages (split, or dropped from the cache). */
    synchronized void splitFolio(int index) {
        int first = folioStart[index];
        for (int i = first; i < folioStart.length && folioStart[i] == first; i++) {
            folioStart[i] = i;
        }
    }

    /** Pages {@code first}.. {@code first + n - 1}, just read in, are cached in one folio. */
    synchronized void groupFolio(int first, int n) {
        Arrays.fill(folioStart, first, first + n, first);
    }

    synchronized void addVma(Vma v) {
        vmas.add(v);
    }

    synchronized void removeVma(Vma v) {
        vmas.remove(v);
    }

    synchronized Vma[] vmaSnapshot() {
        return vmas.toArray(new Vma[0]);
    }
}
