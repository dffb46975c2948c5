package jhmm.mm;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import jhmm.base.Errno;
import jhmm.base.PageSize;

/**
 * Layout changes of an address space (mm/mmap.c, mm/vma.c): finding room, creating VMAs,
 * splitting them at a boundary, changing their flags, merging neighbours and removing a range.
 * Callers hold the mmap lock for writing.
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

    /**
     * Splits {@code v} at {@code addr} (strictly inside it); returns the upper part. The new
     * VMA joins v's reverse maps and v shrinks under their locks (__split_vma's vma_prepare),
     * so that a walk that listed v alone finishes before v shrinks.
     */
    static Vma split(Vma v, long addr) {
        MemorySystem sys = v.mm.sys;
        if ((addr & ~PageSize.PMD_MASK) != 0 && !v.isHugetlb()) {
            long haddr = addr & PageSize.PMD_MASK;
            if (haddr >= v.start && Pte.leaf(v.mm.pt.pmd(haddr))) {
                sys.huge.splitPmd(v, haddr); // vma_adjust_trans_huge
            }
        }
        try (RmapLocks l = RmapLocks.write(v)) {
            Vma upper = v.copyFor(v.mm, addr, v.end);
            v.mm.remove(v);
            v.end = addr;
            v.mm.insert(v);
            v.mm.insert(upper);
            return upper;
        }
    }

    /** Splits {@code v} so that [start, end), inside it, is one VMA; returns that VMA. */
    static Vma carve(Vma v, long start, long end) {
        if (v.start < start) {
            v = split(v, start);
        }
        if (v.end > end) {
            split(v, end);
        }
        return v;
    }

    /**
     * vma_modify_flags over [start, end), holes skipped: each VMA there is offered its new
     * flags by {@code flagsOf} (or a -errno, which stops the walk and is returned). A VMA whose
     * flags stay the same is left whole, as mprotect_fixup and madvise_update_vma leave it;
     * the part of one whose flags change is split out, given them and passed to
     * {@code changed}.
     */
    static int updateFlags(Mm mm, long start, long end, ToIntFunction<Vma> flagsOf, Consumer<Vma> changed) {
        for (long a = start; a < end; ) {
            List<Vma> rest = mm.vmasIn(a, end);
            if (rest.isEmpty()) {
                break;
            }
            Vma v = rest.get(0);
            long e = Math.min(end, v.end);
            int flags = flagsOf.applyAsInt(v);
            if (flags < 0) {
                return flags;
            }
            if (flags != v.flags) {
                Vma piece = carve(v, Math.max(a, v.start), e);
                piece.flags = flags;
                changed.accept(piece);
                merge(piece);
            }
            a = e;
        }
        return 0;
    }

    /**
     * vma_merge: folds {@code v} into the VMA right below it, then the one right above it,
     * where the two can be one VMA; returns the VMA that now holds v's range.
     */
    static Vma merge(Vma v) {
        Vma prev = v.mm.findVma(v.start - 1);
        if (prev != null && mergeable(prev, v)) {
            absorb(prev, v);
            v = prev;
        }
        Vma next = v.mm.findVma(v.end);
        if (next != null && mergeable(v, next)) {
            absorb(v, next);
        }
        return v;
    }

    /**
     * is_mergeable_vma for {@code lo} right below {@code hi}: same flags, same open file (two
     * mmaps of one file open it twice, so they never merge), pages that
     * continue each other, compatible anon_vmas. Never VM_IO/PFNMAP/MIXEDMAP, nor hugetlb (each
     * hugetlb mapping has a file of its own in the kernel; the model's private ones have none).
     */
    private static boolean mergeable(Vma lo, Vma hi) {
        return lo.flags == hi.flags && lo.file == hi.file && lo.ra == hi.ra && !lo.isSpecial() && !lo.isHugetlb()
                && lo.pgoff + ((lo.end - lo.start) >>> PageSize.PAGE_SHIFT) == hi.pgoff && anonCompatible(lo, hi);
    }

    /**
     * is_mergeable_anon_vma: the same anon_vma, or only one side has one and it is not a fork's
     * copy (whose anon_vma chain is longer than one).
     */
    private static boolean anonCompatible(Vma a, Vma b) {
        if (a.anonVma != null && b.anonVma != null) {
            return a.anonVma == b.anonVma && a.forkCopy == b.forkCopy;
        }
        return (a.anonVma != null ? a : b).forkCopy == null;
    }

    /**
     * find_mergeable_anon_vma: a VMA's first anon_vma is a neighbour's when the two differ at
     * most in protection (anon_vma_compatible) and that anon_vma is the neighbour's only one
     * (not a fork's copy), so that a later mprotect can merge the two; the one above is asked
     * first. null when neither qualifies.
     */
    static AnonVma mergeableAnonVma(Vma v) {
        Vma next = v.mm.findVma(v.end);
        if (next != null && next.start == v.end && anonVmaCompatible(v, next) && next.anonVma != null && next.forkCopy == null) {
            return next.anonVma;
        }
        Vma prev = v.mm.findVma(v.start - 1);
        if (prev != null && anonVmaCompatible(prev, v) && prev.anonVma != null && prev.forkCopy == null) {
            return prev.anonVma;
        }
        return null;
    }

    private static boolean anonVmaCompatible(Vma lo, Vma hi) {
        return lo.file == hi.file && lo.ra == hi.ra && ((lo.flags ^ hi.flags) & ~VmFlags.ACCESS) == 0 && !lo.isSpecial() && !lo.isHugetlb()
                && lo.pgoff + ((lo.end - lo.start) >>> PageSize.PAGE_SHIFT) == hi.pgoff;
    }

    /**
     * {@code lo} takes over {@code hi}'s range, and its anon_vma when it has none; hi goes. An
     * rmap walk may run meanwhile without the mmap lock (an eviction): the change is made under
     * the reverse maps' locks, as vma_merge's, and lo is in the anon_vma and covers hi's range
     * before hi leaves it, so the walk finds every page through one or the other.
     */
    private static void absorb(Vma lo, Vma hi) {
        try (RmapLocks l = RmapLocks.write(lo, hi)) {
            if (lo.anonVma == null && hi.anonVma != null) {
                lo.anonVma = hi.anonVma;
                lo.forkCopy = hi.forkCopy;
                lo.anonVma.add(lo);
            }
            lo.end = hi.end;
            detach(hi);
        }
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

    /** Unmaps [start, end): the VMAs leave the address space, then UNMAP invalidation, zap, reverse-map removal. */
    static void removeRange(Mm mm, long start, long end) {
        unmapDetached(mm, detachRange(mm, start, end), start, end);
    }

    /**
     * The first half of an unmapping, under the mmap write lock (vms_gather_munmap_vmas and the
     * clearing of the VMA tree): the VMAs of [start, end) leave the address space, so no fault or
     * walk finds them, while their pages stay mapped and reverse-mapped.
     */
    static java.util.List<Vma> detachRange(Mm mm, long start, long end) {
        java.util.List<Vma> gone = isolate(mm, start, end);
        for (Vma v : gone) {
            mm.remove(v);
        }
        return gone;
    }

    /**
     * The second half (vms_complete_munmap_vmas), which needs the mmap lock only for reading:
     * invalidation, zap, the VMAs' reverse maps, and the PTE tables no VMA is left in.
     */
    static void unmapDetached(Mm mm, java.util.List<Vma> gone, long start, long end) {
        if (gone.isEmpty()) {
            return;
        }
        NotifierRange r = mm.invalidateStart(NotifierEvent.UNMAP, start, end);
        for (Vma v : gone) {
            mm.sys.zap.zap(v, v.start, v.end, true);
        }
        mm.invalidateEnd(r);
        for (Vma v : gone) {
            unlinkRmaps(v);
        }
        freePteTables(mm, start, end);
    }

    /**
     * free_pgtables after an unmapping of [start, end): the PTE table of a 2 MiB window goes
     * only when no VMA is left anywhere in that window; one a VMA still shares stays, empty or
     * not (its fault-around and THP faults see it).
     */
    static void freePteTables(Mm mm, long start, long end) {
        for (long haddr = start & PageSize.PMD_MASK; haddr < end; haddr += PageSize.PMD_SIZE) {
            if (mm.vmasIn(haddr, haddr + PageSize.PMD_SIZE).isEmpty()) {
                mm.freeEmptyPteTable(haddr);
            }
        }
    }

    /** Takes a VMA out of its address space and reverse maps. */
    static void detach(Vma v) {
        v.mm.remove(v);
        unlinkRmaps(v);
    }

    /** unlink_anon_vmas and unlink_file_vma: the VMA leaves its reverse maps (a shmem object's last one truncates it). */
    private static void unlinkRmaps(Vma v) {
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
