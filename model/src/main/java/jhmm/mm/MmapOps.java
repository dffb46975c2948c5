package jhmm.mm;

import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.Errno;
import jhmm.base.PageSize;

/** mmap, munmap and mremap. */
public final class MmapOps {
    private MmapOps() {}

    /**
     * mmap(addr, len, prot, flags, file, offset) placed at a multiple of {@code align}
     * (0 for the default placement). Returns the address or -errno.
     */
    public static long mmap(Mm mm, long addr, long len, int prot, int flags, FileInode file, long offset, long align) {
        boolean shared = (flags & Mman.MAP_SHARED) != 0;
        boolean anon = (flags & Mman.MAP_ANONYMOUS) != 0;
        boolean hugetlb = (flags & Mman.MAP_HUGETLB) != 0;
        if (len <= 0 || shared == ((flags & Mman.MAP_PRIVATE) != 0) || (anon == (file != null))
                || !PageSize.isPageAligned(offset) || (hugetlb && !anon)) {
            return -Errno.EINVAL;
        }
        int pageShift = PageSize.PAGE_SHIFT;
        if (hugetlb) {
            int sizeBits = (flags >>> Mman.MAP_HUGE_SHIFT) & 0x3f;
            pageShift = sizeBits == 0 ? PageSize.PMD_SHIFT : sizeBits;
            if (pageShift != PageSize.PMD_SHIFT && pageShift != PageSize.PUD_SHIFT) {
                return -Errno.EINVAL;
            }
        }
        long unit = 1L << pageShift;
        len = (len + unit - 1) & -unit;
        if (hugetlb) {
            int order = pageShift - PageSize.PAGE_SHIFT;
            if (mm.sys.phys.hugetlbPool(order).nrFree() < len >>> pageShift) {
                return -Errno.ENOMEM; // hugetlb_reserve_pages cannot reserve enough
            }
        }
        int vmFlags = VmFlags.fromProt(prot) | VmFlags.MAYREAD | VmFlags.MAYEXEC | VmFlags.MAYWRITE;
        if (!hugetlb && accountable(shared, anon, prot) && len >>> PageSize.PAGE_SHIFT > commitLimit(mm)) {
            return -Errno.ENOMEM; // the default overcommit heuristic: more than RAM + swap at once
        }
        if (shared) {
            vmFlags |= VmFlags.SHARED | VmFlags.MAYSHARE;
        }
        if (hugetlb) {
            vmFlags |= VmFlags.HUGETLB;
        } else if (!shared && (prot & Mman.PROT_WRITE) != 0) {
            vmFlags |= VmFlags.ACCOUNT; // accountable_mapping: private, writable, not hugetlb
        }
        mm.mmapLock().writeLock().lock();
        try {
            long start;
            if ((flags & Mman.MAP_FIXED) != 0) {
                if (!PageSize.isPageAligned(addr) || (addr & (unit - 1)) != 0) {
                    return -Errno.EINVAL;
                }
                start = addr;
                AddressSpaceOps.removeRange(mm, start, start + len);
            } else {
                long a = Math.max(align, unit);
                if (align == 0) {
                    a = Math.max(a, placement(mm, !hugetlb && anon && !shared, len));
                }
                start = AddressSpaceOps.unmappedArea(mm, len, a);
                if (start < 0) {
                    return start;
                }
            }
            FileInode backing = file;
            if (anon && (shared || hugetlb)) {
                backing = shared ? mm.sys.newFile(null, len, null) : null;
            }
            long pgoff = backing != null ? offset >>> PageSize.PAGE_SHIFT : start >>> PageSize.PAGE_SHIFT;
            Vma v = new Vma(mm, start, start + len, vmFlags, pgoff, backing, backing != null ? new FileRa() : null, null, pageShift);
            if (backing != null) {
                backing.addVma(v);
            }
            mm.insert(v);
            AddressSpaceOps.merge(v);
            if ((flags & Mman.MAP_POPULATE) != 0) {
                // populate_vma_page_range write-faults only private writable mappings
                Populate.populate(mm, start, start + len, (vmFlags & (VmFlags.WRITE | VmFlags.SHARED)) == VmFlags.WRITE, true);
            }
            return start;
        } finally {
            mm.mmapLock().writeLock().unlock();
        }
    }

    /**
     * The alignment get_unmapped_area gives {@code len} bytes: thp_get_unmapped_area places
     * private anonymous memory that is a whole number of PMDs PMD-aligned, whatever address
     * it comes from (mremap too); anything else page-aligned.
     */
    private static long placement(Mm mm, boolean anonPrivate, long len) {
        boolean thp = anonPrivate && mm.sys.thp() != ThpMode.NEVER && (len & ~PageSize.PMD_MASK) == 0;
        return thp ? PageSize.PMD_SIZE : PageSize.PAGE_SIZE;
    }

    /** Memory the mapping may commit: private writable, or shared anonymous (shmem). */
    private static boolean accountable(boolean shared, boolean anon, int prot) {
        return shared ? anon : (prot & Mman.PROT_WRITE) != 0;
    }

    /** Pages the OVERCOMMIT_GUESS heuristic lets one mapping commit: all of RAM plus swap. */
    private static long commitLimit(Mm mm) {
        return (long) mm.sys.phys.nrFrames() + mm.sys.swap.slots();
    }

    /**
     * A driver's mmap of its device file that fills the new VM_MIXEDMAP mapping with freshly
     * zeroed pages through vm_insert_page, as the HMM test device does. The PTEs carry the
     * VMA's protection: read-only for a private mapping, so a CPU store copies the page.
     * Returns the address or -errno.
     */
    public static long mmapInsertedPages(Mm mm, long len, int prot, int flags) {
        boolean shared = (flags & Mman.MAP_SHARED) != 0;
        if (len <= 0 || shared == ((flags & Mman.MAP_PRIVATE) != 0)) {
            return -Errno.EINVAL;
        }
        len = PageSize.pageAlignUp(len);
        int vmFlags = VmFlags.fromProt(prot) | VmFlags.MAYREAD | VmFlags.MAYWRITE | VmFlags.MAYEXEC | VmFlags.MIXEDMAP
                | (shared ? VmFlags.SHARED | VmFlags.MAYSHARE : 0);
        mm.mmapLock().writeLock().lock();
        try {
            long start = AddressSpaceOps.unmappedArea(mm, len, PageSize.PAGE_SIZE);
            if (start < 0) {
                return start;
            }
            Vma v = new Vma(mm, start, start + len, vmFlags, 0, null, null, null, PageSize.PAGE_SHIFT);
            mm.insert(v);
            long bits = Pte.ACCESSED | (shared && v.has(VmFlags.WRITE) ? Pte.WRITE : 0);
            for (long a = start; a < start + len; a += PageSize.PAGE_SIZE) {
                int pfn = mm.sys.allocFolio(0);
                if (pfn < 0) {
                    AddressSpaceOps.removeRange(mm, start, start + len);
                    return -Errno.ENOMEM;
                }
                ReentrantLock ptl = mm.lockPte(a);
                try {
                    mm.sys.rmap.addPte(pfn);
                    mm.pt.setPte(a, Pte.mk(pfn, bits));
                } finally {
                    ptl.unlock();
                }
                mm.sys.phys.put(pfn); // the driver lets go once the page is inserted
            }
            return start;
        } finally {
            mm.mmapLock().writeLock().unlock();
        }
    }

    public static int munmap(Mm mm, long addr, long len) {
        long end = PageSize.userRangeEnd(addr, len);
        if (!PageSize.isPageAligned(addr) || len <= 0 || end < 0) {
            return -Errno.EINVAL;
        }
        java.util.List<Vma> gone;
        mm.mmapLock().writeLock().lock();
        try {
            for (Vma v : mm.vmasIn(addr, end)) {
                long unit = 1L << v.pageShift;
                if (v.isHugetlb() && (((Math.max(addr, v.start)) & (unit - 1)) != 0 || (Math.min(end, v.end) & (unit - 1)) != 0)) {
                    return -Errno.EINVAL; // hugetlb VMAs split only on huge-page boundaries
                }
            }
            gone = AddressSpaceOps.detachRange(mm, addr, end);
            // mmap_write_downgrade: the VMAs are out of the tree, so the zap and the freeing of
            // page tables need the lock only for reading, and faults elsewhere in the process go on
            mm.mmapLock().readLock().lock();
        } finally {
            mm.mmapLock().writeLock().unlock();
        }
        try {
            AddressSpaceOps.unmapDetached(mm, gone, addr, end);
            return 0;
        } finally {
            mm.mmapLock().readLock().unlock();
        }
    }

    /** mremap(old, oldLen, newLen, MREMAP_MAYMOVE): shrink in place, grow in place, or move. */
    public static long mremap(Mm mm, long old, long oldLen, long newLen, int flags) {
        return mremap(mm, old, oldLen, newLen, flags, 0);
    }

    /**
     * mremap with MREMAP_FIXED (the range moves to {@code newAddr}, replacing whatever is
     * there) and MREMAP_DONTUNMAP (the old range stays mapped, emptied), both with MAYMOVE.
     */
    public static long mremap(Mm mm, long old, long oldLen, long newLen, int flags, long newAddr) {
        boolean fixed = (flags & Mman.MREMAP_FIXED) != 0;
        boolean dontUnmap = (flags & Mman.MREMAP_DONTUNMAP) != 0;
        if (!PageSize.isPageAligned(old) || newLen <= 0 || newLen > PageSize.TASK_SIZE
                || PageSize.userRangeEnd(old, oldLen) < 0) {
            return -Errno.EINVAL; // a length that rounds past the address space is as bad as 0
        }
        oldLen = PageSize.pageAlignUp(oldLen);
        newLen = PageSize.pageAlignUp(newLen);
        if ((fixed || dontUnmap) && (flags & Mman.MREMAP_MAYMOVE) == 0
                || dontUnmap && oldLen != newLen
                || fixed && (!PageSize.isPageAligned(newAddr) || PageSize.userRangeEnd(newAddr, newLen) < 0
                        || newAddr < old + oldLen && old < newAddr + newLen)) {
            return -Errno.EINVAL;
        }
        mm.mmapLock().writeLock().lock();
        try {
            Vma v = mm.findVma(old);
            int bad = v == null ? -Errno.EFAULT : remappableKind(v);
            if (bad != 0) {
                return bad;
            }
            if (fixed && oldLen == newLen) {
                return moveEach(mm, old, oldLen, newAddr, dontUnmap);
            }
            if (fixed || dontUnmap) {
                return moveTo(mm, v, old, oldLen, newLen, fixed ? newAddr : -1, dontUnmap);
            }
            if (newLen <= oldLen) {
                // shrinking only unmaps the tail: the old range may span several VMAs and holes
                if (newLen < oldLen) {
                    AddressSpaceOps.removeRange(mm, old + newLen, old + oldLen);
                }
                return old;
            }
            bad = remappable(v, old, oldLen);
            if (bad != 0) {
                return bad;
            }
            if (old + oldLen == v.end && AddressSpaceOps.isFree(mm, v.end, old + newLen)) {
                try (RmapLocks l = RmapLocks.write(v)) {
                    v.end = old + newLen; // expand in place (vma_expand), joining the VMA above when it can
                }
                AddressSpaceOps.merge(v);
                return old;
            }
            if ((flags & Mman.MREMAP_MAYMOVE) == 0) {
                return -Errno.ENOMEM;
            }
            long dst = AddressSpaceOps.unmappedArea(mm, newLen, placement(mm, v.isAnonPrivate(), newLen));
            if (dst < 0) {
                return dst;
            }
            return move(mm, old, oldLen, newLen, dst, false);
        } finally {
            mm.mmapLock().writeLock().unlock();
        }
    }

    /** 0 when [old, old+oldLen) lies in one VMA mremap can move; else -EFAULT or -EINVAL. */
    private static int remappable(Vma v, long old, long oldLen) {
        if (v == null || old + oldLen > v.end) {
            return -Errno.EFAULT;
        }
        return remappableKind(v);
    }

    /** -EINVAL for the VMAs jhmm's mremap does not handle (hugetlb, raw PFNs), else 0. */
    private static int remappableKind(Vma v) {
        return v.isHugetlb() || v.isSpecial() ? -Errno.EINVAL : 0;
    }

    /**
     * MREMAP_FIXED (to {@code newAddr}) or MREMAP_DONTUNMAP (newAddr -1: placed as mmap would)
     * of one VMA's range. A shrinking fixed move first unmaps the old tail, which may span
     * several VMAs and holes: only the part that moves must lie in {@code v}.
     */
    private static long moveTo(Mm mm, Vma v, long old, long oldLen, long newLen, long newAddr, boolean dontUnmap) {
        long moving = Math.min(oldLen, newLen);
        int bad = remappable(v, old, moving);
        if (bad != 0) {
            return bad;
        }
        long dst = newAddr;
        if (dst >= 0) {
            AddressSpaceOps.removeRange(mm, dst, dst + newLen);
            if (moving < oldLen) {
                AddressSpaceOps.removeRange(mm, old + moving, old + oldLen); // shrink_vma, before the move
            }
        } else {
            dst = AddressSpaceOps.unmappedArea(mm, newLen, placement(mm, v.isAnonPrivate(), newLen));
            if (dst < 0) {
                return dst;
            }
        }
        return move(mm, old, moving, newLen, dst, dontUnmap);
    }

    /**
     * An MREMAP_FIXED move that keeps the size may span several VMAs and holes (Linux 6.17
     * on): each VMA moves to the same offset from {@code dst}, replacing only what is mapped
     * where it lands; what is mapped across from a hole stays. Only the first address must be
     * mapped.
     */
    private static long moveEach(Mm mm, long old, long len, long dst, boolean dontUnmap) {
        for (Vma v : mm.vmasIn(old, old + len)) {
            int bad = remappableKind(v);
            if (bad != 0) {
                return bad;
            }
        }
        for (long a = old; a < old + len; ) {
            java.util.List<Vma> rest = mm.vmasIn(a, old + len);
            if (rest.isEmpty()) {
                break;
            }
            Vma v = rest.get(0);
            long s = Math.max(a, v.start);
            long e = Math.min(old + len, v.end);
            long to = dst + (s - old);
            AddressSpaceOps.removeRange(mm, to, to + (e - s));
            move(mm, s, e - s, e - s, to, dontUnmap);
            a = e;
        }
        return dst;
    }

    /**
     * move_vma: a new VMA at {@code dst} takes over the old range's entries as they are, and
     * merges with its new neighbours (copy_vma).
     */
    private static long move(Mm mm, long old, long oldLen, long newLen, long dst, boolean dontUnmap) {
        Vma before = mm.findVma(old);
        boolean wholeVma = before.start == old && before.end == old + oldLen;
        java.util.List<Vma> src = AddressSpaceOps.isolate(mm, old, old + oldLen);
        Vma v = src.get(0);
        Vma moved;
        // copy_vma: the new VMA is placed before a walk can list it, and after v in the list,
        // so a walk meets each entry movePageTables moves (under the PTL) at one address or
        // the other. The kernel also moves the entries under the rmap locks where copy_vma
        // merged the new range into a VMA a walk visits first; here the merge comes after.
        try (RmapLocks l = RmapLocks.write(v)) {
            moved = v.copyFor(mm, old, old + oldLen);
            moved.start = dst;
            moved.end = dst + newLen;
            if (v.isAnonPrivate() && v.anonVma == null) {
                moved.pgoff = dst >>> PageSize.PAGE_SHIFT; // anonymous memory without pages is placed as if mapped there anew
            }
        }
        NotifierRange r = mm.invalidateStart(NotifierEvent.UNMAP, old, old + oldLen);
        movePageTables(v, old, dst, oldLen);
        mm.invalidateEnd(r);
        if (!dontUnmap) {
            AddressSpaceOps.detach(v);
        } else {
            keepEmptied(v, wholeVma);
        }
        mm.insert(moved);
        AddressSpaceOps.merge(moved);
        AddressSpaceOps.freePteTables(mm, old, old + oldLen);
        return dst;
    }

    /**
     * MREMAP_DONTUNMAP leaves the old range mapped with no pages. The kernel never split the
     * old VMA for it, so a part is joined back to the rest; a whole VMA lets its anon_vma go.
     */
    private static void keepEmptied(Vma v, boolean wholeVma) {
        if (!wholeVma) {
            AddressSpaceOps.merge(v);
        } else if (v.anonVma != null) {
            v.anonVma.remove(v);
            v.anonVma = null;
            v.forkCopy = null;
        }
    }

    /**
     * move_page_tables: entries keep their frames and counts; only their addresses change; a
     * source PTE table, even empty, makes one at the destination. The emptied source tables go
     * with the old range's unmapping, if no VMA is left in their window (free_pgtables):
     * MREMAP_DONTUNMAP keeps the old range, and so its tables, which then keep a THP from
     * being mapped there.
     */
    /**
     * move_normal_pmd / move_huge_pmd: a whole PMD entry (a leaf, or a PTE table with all its
     * entries) moves under both PMD locks, and the PTE table's own lock for a table.
     */
    private static void movePmd(Mm mm, long src, long to, long pmd) {
        // the new PMD lock first: taking it may make the destination's upper tables, under the
        // page_table_lock, which no PMD lock may be held around
        ReentrantLock newPml = mm.pmdLock(to);
        ReentrantLock oldPml = mm.pmdLock(src);
        try {
            if (Pte.leaf(pmd)) {
                mm.pt.setPmd(src, 0);
                mm.pt.setPmd(to, pmd);
                return;
            }
            ReentrantLock ptl = mm.pt.tableLock(Pte.pfn(pmd));
            ptl.lock();
            try {
                mm.pt.movePteTable(src, to);
            } finally {
                ptl.unlock();
            }
        } finally {
            newPml.unlock();
            oldPml.unlock();
        }
    }

    private static void movePageTables(Vma from, long old, long dst, long len) {
        Mm mm = from.mm;
        PageTable pt = mm.pt;
        long off = 0;
        while (off < len) {
            long src = old + off;
            long to = dst + off;
            long pmd = pt.pmd(src);
            boolean whole = (src & ~PageSize.PMD_MASK) == 0 && (to & ~PageSize.PMD_MASK) == 0 && len - off >= PageSize.PMD_SIZE;
            if (Pte.leaf(pmd) && !whole) {
                mm.sys.huge.splitPmd(from, src & PageSize.PMD_MASK);
                pmd = pt.pmd(src);
            }
            if (whole && pmd != 0) {
                movePmd(mm, src, to, pmd);
                off += PageSize.PMD_SIZE;
                continue;
            }
            if (Pte.table(pmd)) {
                // move_page_tables gives the destination a PTE table wherever the source has
                // one, even with no entry to move: no THP can be mapped there afterwards
                mm.lockPte(to).unlock(); // pte_alloc at the destination
            }
            // move_ptes: the old table's lock, then the new one's nested inside (the mmap write
            // lock keeps any other mover out); the new table exists, so no PMD lock is needed
            ReentrantLock oldPtl = mm.lockEntry(src);
            try {
                long e = pt.pte(src);
                if (e != 0) {
                    ReentrantLock newPtl = mm.lockPte(to);
                    try {
                        pt.setPte(src, 0);
                        pt.setPte(to, e);
                    } finally {
                        newPtl.unlock();
                    }
                }
            } finally {
                oldPtl.unlock();
            }
            off += PageSize.PAGE_SIZE;
        }
    }
}
