package jhmm.mm;

import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.phys.PageFlags;

/**
 * mprotect: new VM_READ/WRITE/EXEC for whole VMAs (split at the range's edges) and the
 * matching change to every present entry, inside a PROTECTION_VMA invalidation (writable
 * migration and device-private entries become read-only whatever the new protection). Entries only
 * gain write permission where no COW is pending (exclusive anonymous pages, shared mappings
 * whose pages are dirty or shmem).
 */
public final class Mprotect {
    private Mprotect() {}

    public static int mprotect(Mm mm, long addr, long len, int prot) {
        if (!PageSize.isPageAligned(addr)) {
            return -Errno.EINVAL;
        }
        long end = PageSize.userRangeEnd(addr, len);
        if (end < 0) {
            return -Errno.ENOMEM; // mprotect reports a range past the address space as unmapped
        }
        mm.mmapLock().writeLock().lock();
        try {
            long cursor = addr;
            for (Vma v : mm.vmasIn(addr, end)) {
                if (v.start > cursor) {
                    break; // a hole: do_mprotect_pkey still changes the VMAs before it, then fails
                }
                if ((prot & Mman.PROT_WRITE) != 0 && v.has(VmFlags.SHARED) && !v.has(VmFlags.MAYWRITE)) {
                    return -Errno.EACCES;
                }
                cursor = v.end;
            }
            long stop = Math.min(cursor, end);
            int ret = AddressSpaceOps.updateFlags(mm, addr, stop, v -> newFlags(v, addr, stop, prot), Mprotect::changeProtection);
            return ret == 0 && stop < end ? -Errno.ENOMEM : ret;
        } finally {
            mm.mmapLock().writeLock().unlock();
        }
    }

    /**
     * The flags {@code v} gets for its part of [start, end), or -EINVAL when that part would
     * split a hugetlb VMA off a huge-page boundary.
     */
    private static int newFlags(Vma v, long start, long end, int prot) {
        int flags = withAccount(v, (v.flags & ~VmFlags.ACCESS) | VmFlags.fromProt(prot));
        long hugeMask = (1L << v.pageShift) - 1;
        if (flags != v.flags && v.isHugetlb() && ((Math.max(start, v.start) | Math.min(end, v.end)) & hugeMask) != 0) {
            return -Errno.EINVAL;
        }
        return flags;
    }

    /**
     * VM_ACCOUNT follows write permission one way: a private mapping is charged when it first
     * becomes writable, and gives the charge back on losing write only while it is anonymous
     * memory that never had a page (no anon_vma).
     */
    private static int withAccount(Vma v, int flags) {
        if ((flags & VmFlags.WRITE) != 0) {
            return v.has(VmFlags.ACCOUNT | VmFlags.WRITE | VmFlags.HUGETLB | VmFlags.SHARED) ? flags : flags | VmFlags.ACCOUNT;
        }
        return v.isAnonPrivate() && v.anonVma == null ? flags & ~VmFlags.ACCOUNT : flags;
    }

    private static void changeProtection(Vma v) {
        Mm mm = v.mm;
        if (!hasEntries(mm, v.start, v.end)) {
            return;
        }
        NotifierRange r = mm.invalidateStart(NotifierEvent.PROTECTION_VMA, v.start, v.end);
        for (long a = v.start; a < v.end; ) {
            long pudNext = Math.min((a & PageSize.PUD_MASK) + PageSize.PUD_SIZE, v.end);
            if (Pte.leaf(mm.pt.pud(a))) {
                ReentrantLock ptl = mm.pudLock();
                try {
                    mm.pt.setPud(a, adjust(v, mm.pt.pud(a)));
                } finally {
                    ptl.unlock();
                }
            } else {
                changePmds(v, a, pudNext);
            }
            a = pudNext;
        }
        mm.invalidateEnd(r);
    }

    /**
     * change_pmd_range over [start, end) inside one PUD window: the PMD table is read once, not
     * per entry; each window is changed under its own lock, a leaf's PMD lock or the PTE table's.
     */
    private static void changePmds(Vma v, long start, long end) {
        PageTable pt = v.mm.pt;
        int pmdTable = pt.pmdTableId(start);
        if (pmdTable < 0) {
            return;
        }
        long[] pmds = pt.entries(pmdTable);
        for (long a = start; a < end; ) {
            long next = Math.min((a & PageSize.PMD_MASK) + PageSize.PMD_SIZE, end);
            int i = PageTable.pmdIndex(a);
            if (PageTable.entryAt(pmds, i) != 0) {
                ReentrantLock ptl = v.mm.lockEntry(a);
                try {
                    long pmd = pmds[i];
                    if (Pte.leaf(pmd)) {
                        pt.setEntryAt(pmdTable, i, adjust(v, pmd));
                    } else if (Pte.table(pmd)) {
                        changePtes(v, Pte.pfn(pmd), a, next);
                    }
                } finally {
                    ptl.unlock();
                }
            }
            a = next;
        }
    }

    private static void changePtes(Vma v, int table, long start, long end) {
        PageTable pt = v.mm.pt;
        long[] ptes = pt.entries(table);
        for (long p = start; p < end; p += PageSize.PAGE_SIZE) {
            int i = PageTable.index(p);
            long e = ptes[i];
            if (Pte.present(e) || Pte.isDeviceExclusive(e) || Pte.isDevicePrivate(e) || Pte.isMigration(e)) {
                pt.setEntryAt(table, i, adjust(v, e));
            }
        }
    }

    private static boolean hasEntries(Mm mm, long start, long end) {
        for (long a = start & PageSize.PMD_MASK; a < end; a += PageSize.PMD_SIZE) {
            if (mm.pt.pmd(a) != 0 || Pte.leaf(mm.pt.pud(a))) {
                return true;
            }
        }
        return false;
    }

    /** The entry {@code e} under the VMA's new protection. */
    static long adjust(Vma v, long e) {
        if (Pte.isDeviceExclusive(e) && !v.has(VmFlags.WRITE)) {
            return Pte.mkNonPresent(Pte.KIND_DEVICE_EXCLUSIVE_READ, Pte.pfn(e), 0);
        }
        // change_pte_range does not work out whether a write would still be allowed: any
        // mprotect makes a writable migration or device-private entry read-only, so a page
        // migrating meanwhile comes back mapped read-only, never writable in a read-only VMA
        if (Pte.kind(e) == Pte.KIND_MIGRATION_WRITE) {
            return Pte.mkNonPresent(Pte.KIND_MIGRATION_READ, Pte.pfn(e), e);
        }
        if (Pte.kind(e) == Pte.KIND_DEVICE_PRIVATE_WRITE) {
            return Pte.mkNonPresent(Pte.KIND_DEVICE_PRIVATE_READ, Pte.pfn(e), e);
        }
        if (!Pte.present(e)) {
            return e;
        }
        long base = e & ~(Pte.PRESENT | Pte.PROTNONE | Pte.WRITE);
        if (!v.has(VmFlags.READ | VmFlags.WRITE | VmFlags.EXEC)) {
            return base | Pte.PROTNONE;
        }
        boolean write = false;
        if (v.has(VmFlags.WRITE) && !Pte.special(e)) {
            int pfn = Pte.pfn(e);
            jhmm.phys.PageFrames f = v.mm.sys.phys.frames();
            if (v.has(VmFlags.SHARED)) {
                write = Pte.dirty(e) || (v.file != null && v.file.shmem);
            } else {
                int exclusiveAnon = PageFlags.ANON | PageFlags.ANON_EXCLUSIVE;
                write = (f.flags(f.head(pfn)) & exclusiveAnon) == exclusiveAnon;
            }
        }
        return base | Pte.PRESENT | (write ? Pte.WRITE : 0);
    }
}
