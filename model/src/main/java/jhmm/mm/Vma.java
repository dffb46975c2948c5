package jhmm.mm;

import jhmm.base.PageSize;

/**
 * One virtual memory area: [start, end) of one address space with one set of flags and one
 * backing (anonymous memory, a file, a hugetlb pool, or raw PFNs).
 *
 * <p>{@code pgoff} places the VMA in its backing: for files the page offset of {@code start};
 * for anonymous memory the virtual page number it had when created, kept across mremap so
 * that a page's index still finds its address (the kernel's linear_page_index).
 */
public final class Vma {
    final Mm mm;
    long start;
    long end;
    int flags;
    long pgoff;
    final FileInode file;
    /** The readahead state of the open file this VMA maps (shared by the VMAs of one mmap); null without a file. */
    final FileRa ra;
    AnonVma anonVma;
    /**
     * Non-null on a fork's copy of a VMA that had an anon_vma. The kernel gives such a copy an
     * anon_vma of its own chained to the parent's, so it merges only with pieces of itself and
     * never with a VMA that has no anon_vma; the model keeps the parent's {@link AnonVma} for
     * rmap and tells the copies apart by this token, which the copy's pieces share.
     */
    Object forkCopy;
    /** PAGE_SHIFT for ordinary VMAs; PMD_SHIFT or PUD_SHIFT for hugetlb. */
    final int pageShift;

    Vma(Mm mm, long start, long end, int flags, long pgoff, FileInode file, FileRa ra, AnonVma anonVma, int pageShift) {
        this.mm = mm;
        this.start = start;
        this.end = end;
        this.flags = flags;
        this.pgoff = pgoff;
        this.file = file;
        this.ra = ra;
        this.anonVma = anonVma;
        this.pageShift = pageShift;
    }

    Vma copyFor(Mm other, long newStart, long newEnd) {
        long off = (newStart - start) >>> PageSize.PAGE_SHIFT;
        Vma v = new Vma(other, newStart, newEnd, flags, pgoff + off, file, ra, anonVma, pageShift);
        v.forkCopy = forkCopy;
        if (anonVma != null) {
            anonVma.add(v);
        }
        if (file != null) {
            file.addVma(v);
        }
        return v;
    }

    public Mm mm() {
        return mm;
    }

    public long start() {
        return start;
    }

    public long end() {
        return end;
    }

    public int flags() {
        return flags;
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    public FileInode file() {
        return file;
    }

    public long pgoff() {
        return pgoff;
    }

    public int pageShift() {
        return pageShift;
    }

    /** MAP_PRIVATE anonymous memory. */
    public boolean isAnonPrivate() {
        return file == null && !has(VmFlags.SHARED) && !isSpecial() && !isHugetlb();
    }

    public boolean isHugetlb() {
        return has(VmFlags.HUGETLB);
    }

    /** VM_IO, VM_PFNMAP or VM_MIXEDMAP. */
    public boolean isSpecial() {
        return has(VmFlags.IO | VmFlags.PFNMAP | VmFlags.MIXEDMAP);
    }

    /** is_cow_mapping(): private and may be written. */
    public boolean isCow() {
        return (flags & (VmFlags.SHARED | VmFlags.MAYWRITE)) == VmFlags.MAYWRITE;
    }

    /** The backing's page index of {@code addr}. */
    public long pageIndex(long addr) {
        return ((addr - start) >>> PageSize.PAGE_SHIFT) + pgoff;
    }

    /** The address of page index {@code index} in this VMA, or -1 when outside it. */
    public long addressOf(long index) {
        long addr = start + ((index - pgoff) << PageSize.PAGE_SHIFT);
        return addr >= start && addr < end ? addr : -1;
    }

    @Override
    public String toString() {
        return String.format("vma[%x-%x flags=%x]", start, end, flags);
    }
}
