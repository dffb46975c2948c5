package jhmm.mm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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

    FileInode(int id, String name, long size, boolean shmem, Pattern initial) {
        this.id = id;
        this.name = name;
        this.size = size;
        this.shmem = shmem;
        int pages = (int) (PageSize.pageAlignUp(size) >>> PageSize.PAGE_SHIFT);
        disk = new ContentStore(pages);
        cache = new int[pages];
        Arrays.fill(cache, -1);
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
