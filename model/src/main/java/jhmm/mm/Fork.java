package jhmm.mm;

import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;
import jhmm.phys.PhysicalMemory;

/**
 * dup_mmap / copy_page_range: the child gets a copy of every VMA; page tables are copied only
 * where the kernel copies them (VMAs with anonymous pages, hugetlb, raw PFNs), other file
 * pages are faulted in again by the child. Private writable mappings are write-protected in
 * the parent inside a CLEAR invalidation so COW can happen; an anonymous page that may be
 * DMA-pinned is copied for the child at once, so that the pin keeps meaning the parent's page.
 */
public final class Fork {
    private Fork() {}

    /** Copies {@code parent} into a new address space; returns it, or null on ENOMEM. */
    public static Mm fork(Mm parent) {
        MemorySystem sys = parent.sys;
        Mm child = sys.newMm();
        parent.mmapLock().writeLock().lock();
        try {
            for (Vma v : parent.allVmas()) {
                if (v.has(VmFlags.DONTCOPY)) {
                    continue;
                }
                Vma c = v.copyFor(child, v.start, v.end);
                c.pgoff = v.pgoff;
                if (c.anonVma != null) {
                    c.forkCopy = new Object();
                }
                child.insert(c);
                if (needsCopy(v) && copyRange(v, c) < 0) {
                    Exit.exitMmap(child);
                    return null;
                }
            }
            return child;
        } finally {
            parent.mmapLock().writeLock().unlock();
        }
    }

    private static boolean needsCopy(Vma v) {
        return v.anonVma != null || v.isHugetlb() || v.has(VmFlags.PFNMAP | VmFlags.MIXEDMAP);
    }

    /**
     * folio_needs_cow_for_dma: a private page that may be pinned is copied for the child, but
     * only in an mm that has used FOLL_PIN (MMF_HAS_PINNED); plain references never count.
     */
    private static boolean needsCowForDma(Vma src, int pfn) {
        return src.isCow() && src.mm.hasPinned() && src.mm.sys.phys.maybeDmaPinned(pfn);
    }

    private static int copyRange(Vma src, Vma dst) {
        Mm parent = src.mm;
        NotifierRange r = src.isCow() ? parent.invalidateStart(NotifierEvent.CLEAR, src.start, src.end) : null;
        if (r != null) {
            parent.bumpWriteProtectSeq(); // a GUP-fast pin meanwhile gives up and goes the slow way
        }
        int ret = 0;
        try {
            for (long a = src.start; a < src.end && ret == 0; ) {
                long pud = parent.pt.pud(a);
                if (Pte.leaf(pud)) {
                    ret = copyHuge(src, dst, a & PageSize.PUD_MASK, pud, true);
                    a = (a & PageSize.PUD_MASK) + PageSize.PUD_SIZE;
                    continue;
                }
                long pmd = parent.pt.pmd(a);
                long next = Math.min((a & PageSize.PMD_MASK) + PageSize.PMD_SIZE, src.end);
                if (Pte.leaf(pmd)) {
                    if (!src.isHugetlb() && Pte.present(pmd) && !Pte.special(pmd) && needsCowForDma(src, Pte.pfn(pmd))) {
                        // copy_huge_pmd refuses pinned THPs: split and copy per page
                        parent.sys.huge.splitPmd(src, a & PageSize.PMD_MASK);
                    } else {
                        ret = copyHuge(src, dst, a & PageSize.PMD_MASK, pmd, false);
                        a = next;
                        continue;
                    }
                }
                if (parent.pt.pmd(a) != 0) {
                    ret = copyPtes(src, dst, a, next);
                }
                a = next;
            }
        } finally {
            if (r != null) {
                parent.bumpWriteProtectSeq();
                parent.invalidateEnd(r);
            }
        }
        return ret;
    }

    private static int copyHuge(Vma src, Vma dst, long haddr, long e, boolean pud) {
        Mm parent = src.mm;
        MemorySystem sys = parent.sys;
        // copy_huge_pmd / copy_huge_pud: the child's lock, then the parent's nested inside
        ReentrantLock dstPtl = pud ? dst.mm.pudLock() : dst.mm.pmdLock(haddr);
        ReentrantLock srcPtl = pud ? parent.pudLock() : parent.pmdLock(haddr);
        try {
            long child = e;
            if (Pte.present(e) && !Pte.special(e)) {
                int pfn = Pte.pfn(e);
                PageFrames f = sys.phys.frames();
                if (src.isHugetlb() && !src.has(VmFlags.SHARED) && needsCowForDma(src, pfn)) {
                    return copyPinnedHugetlb(src, dst, haddr, e, pud);
                }
                if (src.isCow()) {
                    f.clear(f.head(pfn), PageFlags.ANON_EXCLUSIVE);
                    long ro = Pte.clear(e, Pte.WRITE);
                    setLeaf(parent, haddr, ro, pud);
                    child = ro;
                }
                sys.rmap.addEntire(pfn);
                dst.mm.rssAddFolio(dst, pfn, f.nrPages(pfn));
            } else if (Pte.isMigration(e)) {
                child = Pte.mkNonPresent(Pte.KIND_MIGRATION_READ, Pte.pfn(e), Pte.HUGE);
                dst.mm.rssAddFolio(dst, Pte.pfn(e), sys.phys.frames().nrPages(Pte.pfn(e))); // copy_nonpresent_pte counts it
            } else if (Pte.isDevicePrivate(e)) {
                child = shareDevicePrivate(src, e);
                setLeaf(parent, haddr, child, pud);
                sys.rmap.addEntire(Pte.pfn(e));
                dst.mm.rssAddFolio(dst, Pte.pfn(e), sys.phys.frames().nrPages(Pte.pfn(e)));
            }
            setLeaf(dst.mm, haddr, child, pud);
            return 0;
        } finally {
            srcPtl.unlock();
            dstPtl.unlock();
        }
    }

    private static int copyPinnedHugetlb(Vma src, Vma dst, long haddr, long e, boolean pud) {
        MemorySystem sys = src.mm.sys;
        int pfn = Pte.pfn(e);
        int order = sys.phys.frames().order(pfn);
        int copy = sys.phys.allocHugetlb(order);
        if (copy < 0) {
            return -Errno.ENOMEM;
        }
        for (int i = 0; i < (1 << order); i++) {
            sys.phys.data().copyTo(pfn + i, sys.phys.data(), copy + i);
        }
        sys.rmap.mapNewAnonEntire(copy, dst, haddr);
        setLeaf(dst.mm, haddr, Pte.mk(copy, e & (Pte.HUGE | Pte.WRITE | Pte.DIRTY | Pte.ACCESSED)), pud);
        sys.stats.forkPinnedCopies.incrementAndGet();
        return 0;
    }

    private static void setLeaf(Mm mm, long haddr, long e, boolean pud) {
        if (pud) {
            mm.pt.setPud(haddr, e);
        } else {
            mm.pt.setPmd(haddr, e);
        }
    }

    private static int copyPtes(Vma src, Vma dst, long start, long end) {
        Mm parent = src.mm;
        MemorySystem sys = parent.sys;
        PhysicalMemory phys = sys.phys;
        PageFrames f = phys.frames();
        // copy_pte_range allocates the child's table whether or not anything is copied into it:
        // an empty one too keeps a later read fault from mapping the huge zero page there; it
        // holds the child's table lock, then the parent's nested inside
        ReentrantLock dstPtl = dst.mm.lockPte(start);
        ReentrantLock srcPtl = parent.lockEntry(start);
        try {
            for (long a = start; a < end; a += PageSize.PAGE_SIZE) {
                long e = parent.pt.pte(a);
                if (e == 0) {
                    continue;
                }
                if (Pte.isDeviceExclusive(e)) {
                    e = DeviceExclusive.restored(src, e); // fork ends device exclusivity first
                    parent.pt.setPte(a, e);
                }
                long child = e;
                if (Pte.isSwap(e)) {
                    sys.swap.dup(Pte.pfn(e));
                    if ((e & Pte.EXCLUSIVE) != 0) {
                        child = Pte.clear(e, Pte.EXCLUSIVE);
                        parent.pt.setPte(a, child);
                    }
                } else if (Pte.isDevicePrivate(e)) {
                    child = shareDevicePrivate(src, e);
                    parent.pt.setPte(a, child);
                    sys.rmap.addPte(Pte.pfn(e));
                    dst.mm.rssAddFolio(dst, Pte.pfn(e), 1);
                } else if (Pte.isMigration(e)) {
                    child = Pte.mkNonPresent(Pte.KIND_MIGRATION_READ, Pte.pfn(e), 0);
                    dst.mm.rssAddFolio(dst, Pte.pfn(e), 1); // copy_nonpresent_pte counts it
                    if (src.isCow() && Pte.kind(e) == Pte.KIND_MIGRATION_WRITE) {
                        parent.pt.setPte(a, Pte.mkNonPresent(Pte.KIND_MIGRATION_READ, Pte.pfn(e), 0));
                    }
                } else if (Pte.present(e) && !Pte.special(e)) {
                    int pfn = Pte.pfn(e);
                    boolean anon = f.test(f.head(pfn), PageFlags.ANON);
                    if (anon && f.test(f.head(pfn), PageFlags.ANON_EXCLUSIVE) && needsCowForDma(src, pfn)) {
                        int copy = copyPinnedPage(src, dst, a, pfn);
                        if (copy < 0) {
                            return copy;
                        }
                        child = Pte.mk(copy, Pte.ACCESSED | Pte.DIRTY | (Pte.writable(e) ? Pte.WRITE : 0));
                        if (Pte.protnone(e)) {
                            child = Mprotect.adjust(dst, child);
                        }
                        dst.mm.pt.setPte(a, child);
                        dst.mm.rssAddFolio(dst, copy, 1);
                        continue;
                    }
                    if (src.isCow()) {
                        if (anon) {
                            f.clear(f.head(pfn), PageFlags.ANON_EXCLUSIVE);
                        }
                        child = Pte.clear(e, Pte.WRITE);
                        parent.pt.setPte(a, child);
                    }
                    sys.rmap.addPte(pfn);
                    dst.mm.rssAddFolio(dst, pfn, 1);
                }
                dst.mm.pt.setPte(a, child);
            }
            return 0;
        } finally {
            srcPtl.unlock();
            dstPtl.unlock();
        }
    }

    /**
     * copy_nonpresent_pte for device memory: both processes map the device page, read-only in
     * a COW mapping, so the first write faults it back to RAM and copies it.
     */
    private static long shareDevicePrivate(Vma src, long e) {
        if (!src.isCow()) {
            return e;
        }
        // folio_try_dup_anon_rmap_pte, which cannot fail for device memory: the page is no
        // longer exclusive, writable entry or not (a read-only one may still be exclusive)
        PageFrames f = src.mm.sys.phys.frames();
        f.clear(f.head(Pte.pfn(e)), PageFlags.ANON_EXCLUSIVE);
        return Pte.kindWritable(e) ? Pte.mkNonPresent(Pte.KIND_DEVICE_PRIVATE_READ, Pte.pfn(e), e & Pte.HUGE) : e;
    }

    private static int copyPinnedPage(Vma src, Vma dst, long addr, int pfn) {
        MemorySystem sys = src.mm.sys;
        int copy = sys.allocFolio(0);
        if (copy < 0) {
            return -Errno.ENOMEM;
        }
        sys.phys.data().copyTo(pfn, sys.phys.data(), copy);
        sys.rmap.mapNewAnonPte(copy, dst, addr, true);
        sys.stats.forkPinnedCopies.incrementAndGet();
        return copy;
    }
}
