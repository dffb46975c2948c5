package jhmm.mm;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.PageSize;
import jhmm.kernel.Machine;
import jhmm.kernel.UserProcess;
import jhmm.notifier.MmuNotifier;
import jhmm.notifier.MmuNotifiers;

/**
 * CPU page-table states that the kernel produces but no operation of the model does yet,
 * built the way the kernel builds them, for the HMM edge-case tests. Each method names the
 * kernel path it stands for; none invents a state the kernel cannot be in.
 */
public final class EdgeStates {
    private EdgeStates() {}

    /**
     * A driver's mmap handler (MAP_SHARED, PROT_READ|PROT_WRITE) setting {@code specialFlags}
     * on a new VMA of {@code pages} pages, with nothing mapped yet: VM_IO and/or VM_PFNMAP as
     * remap_pfn_range sets them, or VM_MIXEDMAP for vm_insert_page / vmf_insert_mixed.
     * Returns its address.
     */
    public static long driverMapping(Mm mm, int pages, int specialFlags) {
        long len = (long) pages << PageSize.PAGE_SHIFT;
        mm.mmapLock().writeLock().lock();
        try {
            long start = AddressSpaceOps.unmappedArea(mm, len, PageSize.PAGE_SIZE);
            if (start < 0) {
                throw new IllegalStateException("no room for " + pages + " pages");
            }
            int flags = VmFlags.READ | VmFlags.WRITE | VmFlags.SHARED | VmFlags.MAYREAD | VmFlags.MAYWRITE
                    | VmFlags.MAYSHARE | specialFlags;
            mm.insert(new Vma(mm, start, start + len, flags, start >>> PageSize.PAGE_SHIFT, null, null, null, PageSize.PAGE_SHIFT));
            return start;
        } finally {
            mm.mmapLock().writeLock().unlock();
        }
    }

    /**
     * A frame the driver allocated for itself (kept with its own reference) to hand out by
     * PFN: mapped through {@link #insertSpecialPfn} it has no normal page behind the PTE
     * (vm_normal_page() returns NULL for special PTEs of VM_PFNMAP / VM_MIXEDMAP VMAs).
     */
    public static int driverFrame(Mm mm) {
        int pfn = mm.sys.phys.allocFolio(0);
        if (pfn < 0) {
            throw new IllegalStateException("out of memory");
        }
        return pfn;
    }

    /**
     * vmf_insert_pfn / vmf_insert_mixed / remap_pfn_range (x86, which has pte_special): a special
     * PTE mapping {@code pfn} readable and writable.
     */
    public static void insertSpecialPfn(Mm mm, long addr, int pfn) {
        ReentrantLock ptl = mm.lockPte(addr);
        try {
            mm.pt.setPte(addr, Pte.mk(pfn, Pte.SPECIAL | Pte.WRITE | Pte.ACCESSED | Pte.DIRTY));
        } finally {
            ptl.unlock();
        }
    }

    /**
     * vm_insert_page: the driver allocates a page (keeping its own reference) and maps it with an
     * ordinary, non-special, read-only PTE (insert_page takes a folio reference and a mapcount).
     * Returns the frame.
     */
    public static int insertDriverPage(Mm mm, long addr) {
        int pfn = mm.sys.phys.allocFolio(0);
        if (pfn < 0) {
            throw new IllegalStateException("out of memory");
        }
        ReentrantLock ptl = mm.lockPte(addr);
        try {
            mm.sys.rmap.addPte(pfn);
            mm.pt.setPte(addr, Pte.mk(pfn, Pte.ACCESSED));
            mm.rssAdd(mm.findVma(addr), 1);
        } finally {
            ptl.unlock();
        }
        return pfn;
    }

    /**
     * change_prot_numa (NUMA balancing's task_numa_work): the present entry mapping {@code addr}
     * (a PTE, or the PMD leaf above it) becomes a PROT_NONE hinting entry while the VMA keeps
     * its access rights, inside a PROTECTION_VMA invalidation of that entry's span.
     */
    public static void numaHint(Mm mm, long addr) {
        mm.mmapLock().readLock().lock();
        try {
            long haddr = addr & PageSize.PMD_MASK;
            boolean huge = Pte.leaf(mm.pt.pmd(haddr));
            long start = huge ? haddr : addr & PageSize.PAGE_MASK;
            long end = start + (huge ? PageSize.PMD_SIZE : PageSize.PAGE_SIZE);
            NotifierRange r = mm.invalidateStart(NotifierEvent.PROTECTION_VMA, start, end);
            ReentrantLock ptl = mm.lockEntry(start);
            try {
                long e = huge ? mm.pt.pmd(haddr) : mm.pt.pte(start);
                if (!Pte.accessible(e)) {
                    throw new IllegalStateException("no present entry at " + Long.toHexString(addr));
                }
                long hint = (e & ~(Pte.PRESENT | Pte.WRITE)) | Pte.PROTNONE;
                if (huge) {
                    mm.pt.setPmd(haddr, hint);
                } else {
                    mm.pt.setPte(start, hint);
                }
            } finally {
                ptl.unlock();
            }
            mm.invalidateEnd(r);
        } finally {
            mm.mmapLock().readLock().unlock();
        }
    }

    /**
     * Migrates [addr, addr+len) of {@code p} (Machine.migrate) and runs {@code during} once on
     * the migrating thread while the entry at {@code addr} is a migration entry: from the
     * invalidate_range_end of a classic notifier registered now (after any registered before
     * it), once the entry has been replaced. Returns true when {@code during} ran.
     */
    public static boolean duringMigration(Machine machine, UserProcess p, long addr, long len, Runnable during) {
        Mm mm = p.mm();
        AtomicBoolean ran = new AtomicBoolean();
        MmuNotifier observer = new MmuNotifier() {
            @Override
            public void invalidateRangeEnd(NotifierRange range) {
                if (!ran.get() && PageStates.of(mm, addr) == PageState.MIGRATION) {
                    ran.set(true);
                    during.run();
                }
            }
        };
        if (MmuNotifiers.register(observer, mm) != 0 || machine.migrate(p, addr, len) != 0) {
            throw new IllegalStateException("migration of " + Long.toHexString(addr) + " failed");
        }
        MmuNotifiers.unregister(observer, mm);
        return ran.get();
    }
}
