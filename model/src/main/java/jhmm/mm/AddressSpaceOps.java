package jhmm.mm;

import jhmm.base.Errno;
import jhmm.base.PageSize;

/**
 * Layout changes of an address space (mm/mmap.c, mm/vma.c): finding room, creating VMAs,
 * splitting them at a boundary and removing a range. Callers hold the mmap lock for writing.
 */
final class AddressSpaceOps {
    /** Where top-down placement starts (below the stack, as mmap_base is). */
    static final long MMAP_BASE = 0x7f00_0000_0000L;
    static final long MMAP_MIN = 0x1_0000L;

    private AddressSpaceOps() {}

    /**
     * get_unmapped_area, top-down: the highest free range of {@code len} bytes aligned to
     * {@code align} below the mmap base; -ENOMEM when none.
     */
    static long unmappedArea(Mm mm, long len, long align) {
        long hi = MMAP_BASE;
        for (Vma v : mm.vmas.descendingMap().values()) {
            if (v.start >= hi) {
                continue;
            }
            long cand = (hi - len) & -align;
            if (hi >= len && cand >= v.end) {
                return cand;
            }
            hi = v.start;
        }
        long cand = (hi - len) & -align;
        return hi >= len && cand >= MMAP_MIN ? cand : -Errno.ENOMEM;
    }

    /** True when nothing is mapped in [start, end). */
    static boolean isFree(Mm mm, long start, long end) {
        return mm.vmasIn(start, end).isEmpty();
    }

    /** Splits {@code v} at {@code addr} (strictly inside it); returns the upper part. */
    static Vma split(Vma v, long addr) {
        MemorySystem sys = v.mm.sys;
        if ((addr & ~PageSize.PMD_MASK) != 0 && !v.isHugetlb()) {
            long haddr = addr & PageSize.PMD_MASK;
            if (haddr >= v.start && Pte.leaf(v.mm.pt.pmd(haddr))) {
                sys.huge.splitPmd(v, haddr); // vma_adjust_trans_huge
            }
        }
        Vma upper = v.copyFor(v.mm, addr, v.end);
        v.mm.remove(v);
        v.end = addr;
        v.mm.insert(v);
        v.mm.insert(upper);
        return upper;
    }

    /** Makes VMA boundaries at {@code start} and {@code end}; returns the VMAs now inside. */
    static java.util.List<Vma> isolate(Mm mm, long start, long end) {
        for (Vma v : mm.vmasIn(start, end)) {
            if (v.start < start) {
                split(v, start);
            }
        }
        for (Vma v : mm.vmasIn(start, end)) {
            if (v.end > end) {
                split(v, end);
            }
        }
        return mm.vmasIn(start, end);
    }

    /** Unmaps [start, end): UNMAP invalidation, zap, VMA removal. */
    static void removeRange(Mm mm, long start, long end) {
        java.util.List<Vma> gone = isolate(mm, start, end);
        if (gone.isEmpty()) {
            return;
        }
        NotifierRange r = mm.invalidateStart(NotifierEvent.UNMAP, start, end);
        for (Vma v : gone) {
            mm.sys.zap.zap(v, v.start, v.end);
        }
        mm.invalidateEnd(r);
        for (Vma v : gone) {
            detach(v);
        }
    }

    /** Takes a VMA out of its address space and reverse maps. */
    static void detach(Vma v) {
        v.mm.remove(v);
        if (v.anonVma != null) {
            v.anonVma.remove(v);
        }
        if (v.file != null) {
            v.file.removeVma(v);
            if (v.file.shmem && v.file.vmaSnapshot().length == 0) {
                v.mm.sys.filemap.truncate(v.file);
            }
        }
    }
}
