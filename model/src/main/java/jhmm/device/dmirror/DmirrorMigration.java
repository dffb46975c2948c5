package jhmm.device.dmirror;

import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.mm.Fault;
import jhmm.mm.MemorySystem;
import jhmm.mm.MigrateDevice;
import jhmm.mm.MigrateVma;
import jhmm.mm.Mm;
import jhmm.mm.PageStates;
import jhmm.mm.Pte;
import jhmm.mm.Vma;
import jhmm.mm.VmFlags;
import jhmm.phys.ContentStore;
import jhmm.phys.DevPagemap;

/**
 * The test device's migrations (lib/test_hmm.c): MIGRATE_TO_DEV and MIGRATE_TO_SYS over
 * windows of 512 pages, the CPU-fault path (migrate_to_ram) and the eviction of all device
 * memory (RELEASE, and every close of a mirror file).
 */
final class DmirrorMigration {
    private static final int NR = PageSize.HPAGE_PMD_NR;
    private static final int P = (int) PageSize.PAGE_SIZE;
    /** PTRS_PER_PTE: pages per migration window. */
    private static final int WINDOW = 512;

    private DmirrorMigration() {}

    /** Splits [addr, end) into windows inside one readable VMA each; -EINVAL at a gap or unreadable VMA. */
    private interface WindowOp {
        int apply(Vma vma, long start, long end);
    }

    private static int forEachWindow(Mm mm, long addr, long end, WindowOp op) {
        for (long a = addr; a < end; ) {
            Vma vma = mm.findVma(a);
            if (vma == null || !vma.has(VmFlags.READ)) {
                return -Errno.EINVAL;
            }
            long next = Math.min(end, Math.min(a + ((long) WINDOW << PageSize.PAGE_SHIFT), vma.end()));
            int ret = op.apply(vma, a, next);
            if (ret != 0) {
                return ret;
            }
            a = next;
        }
        return 0;
    }

    /** HMM_DMIRROR_MIGRATE_TO_DEV, then the verification read that reports -ENOENT for what did not move. */
    static int toDevice(Dmirror mirror, long addr, long end) {
        Mm mm = mirror.mm;
        if (mirror.device.memory() == null) {
            return -Errno.ENOMEM;
        }
        mm.mmapLock().readLock().lock();
        try {
            return forEachWindow(mm, addr, end, (vma, start, stop) -> {
                MigrateVma m = new MigrateVma(vma, start, stop, mirror.device, MigrateVma.SELECT_SYSTEM | MigrateVma.SELECT_COMPOUND);
                int ret = MigrateDevice.setup(m);
                if (ret != 0) {
                    return ret;
                }
                allocAndCopyToDevice(mirror, m);
                MigrateDevice.pages(m);
                MigrateDevice.finalizeMigration(m);
                return mapMigrated(mirror, m) ? 0 : mirror.mapPresent(start, stop);
            });
        } finally {
            mm.mmapLock().readLock().unlock();
        }
    }

    /** dmirror_migrate_alloc_and_copy: a device page (or folio) for every collected entry. */
    private static void allocAndCopyToDevice(Dmirror mirror, MigrateVma m) {
        DmirrorMemory memory = mirror.device.memory();
        ContentStore data = m.vma.mm().system().phys().data();
        for (int i = 0; i < m.npages; i++) {
            long s = m.src[i];
            if ((s & MigrateVma.MIGRATE) == 0) {
                continue;
            }
            int spage = MigrateVma.valid(s) ? MigrateVma.pfn(s) : -1;
            if (spage >= 0 && m.vma.mm().system().phys().pgmap(spage) != null) {
                continue; // a device page: system selection never yields one
            }
            boolean large = (s & MigrateVma.COMPOUND) != 0;
            long write = s & MigrateVma.WRITE;
            int dpage = mirror.consumeFailAlloc() ? -1 : memory.alloc(large ? PageSize.PMD_ORDER : 0);
            if (dpage < 0 && !large) {
                continue; // left behind: the verification read reports it
            }
            if (dpage < 0) {
                for (int k = 0; k < NR && i + k < m.npages; k++) {
                    int dp = memory.alloc(0);
                    if (dp < 0) {
                        continue;
                    }
                    memory.setMigratedBy(dp, mirror);
                    m.dst[i + k] = MigrateVma.entry(dp) | write;
                    copyOrZero(data, spage < 0 ? -1 : spage + k, dp);
                }
                i += NR - 1;
                continue;
            }
            memory.setMigratedBy(dpage, mirror);
            m.dst[i] = MigrateVma.entry(dpage) | write | (large ? MigrateVma.COMPOUND : 0);
            for (int k = 0; k < (large ? NR : 1); k++) {
                copyOrZero(data, spage < 0 ? -1 : spage + k, dpage + k);
            }
            if (large) {
                i += NR - 1;
            }
        }
    }

    private static void copyOrZero(ContentStore data, int from, int to) {
        if (from < 0) {
            data.clear(to);
        } else {
            data.copyTo(from, data, to);
        }
    }

    /**
     * dmirror_migrate_finalize_and_map, after migrate_vma_finalize rather than before it: the
     * migrated pages into the device's table, where they replace what it mirrored. Linux's test
     * driver stores them before finalize whatever happened meanwhile; then a MADV_DONTNEED or
     * munmap racing the migration (its zap clears the new mapping, and finalize frees the page)
     * leaves the table naming freed device memory, which the model's stress run found. Here the
     * table takes them under the retry protocol: read_begin once the migration is over (it
     * waits for an invalidation in progress), then under the lock only pages the CPU still maps
     * there. A page still in use is not enough: a CPU fault's migrate_to_ram or an eviction
     * that unmapped it before read_begin holds it locked until its own finalize, which leaves
     * this table alone; the CPU's entry changes only after an invalidation or the fault path's
     * erasure, both under the lock. False when an invalidation ran in between: the caller maps
     * what the CPU ended with.
     */
    private static boolean mapMigrated(Dmirror mirror, MigrateVma m) {
        long seq = mirror.notifierSeq();
        mirror.mutex.lock();
        try {
            if (mirror.notifierChanged(seq)) {
                return false;
            }
            for (int i = 0; i < m.npages; i++) {
                long d = m.dst[i];
                if ((m.src[i] & MigrateVma.MIGRATE) == 0 || !MigrateVma.valid(d)) {
                    continue;
                }
                int n = (d & MigrateVma.COMPOUND) != 0 ? NR : 1;
                int tag = (d & MigrateVma.WRITE) != 0 ? DevicePageTable.TAG_WRITE : DevicePageTable.TAG_READ;
                long addr = m.start + ((long) i << PageSize.PAGE_SHIFT);
                for (int k = 0; k < n; k++) {
                    long a = addr + ((long) k << PageSize.PAGE_SHIFT);
                    if (cpuMaps(m.vma.mm(), a, MigrateVma.pfn(d) + k)) {
                        mirror.pt.store(a >>> PageSize.PAGE_SHIFT, MigrateVma.pfn(d) + k, tag);
                    }
                }
            }
            return true;
        } finally {
            mirror.mutex.unlock();
        }
    }

    /** Whether the CPU maps device frame {@code pfn} at {@code addr}: device-private, or present for coherent memory. */
    private static boolean cpuMaps(Mm mm, long addr, int pfn) {
        long e = PageStates.entryAt(mm, addr);
        return (Pte.present(e) || Pte.isDevicePrivate(e)) && Pte.pfn(e) == pfn;
    }

    /**
     * HMM_DMIRROR_MIGRATE_TO_SYS: this device's pages in the range back to RAM; returns pages
     * moved or -errno. A failed system allocation is not an error: those pages stay where they are.
     */
    static long toSystem(Dmirror mirror, long addr, long end) {
        Mm mm = mirror.mm;
        long[] moved = new long[1];
        mm.mmapLock().readLock().lock();
        try {
            int ret = forEachWindow(mm, addr, end, (vma, start, stop) -> {
                MigrateVma m = new MigrateVma(vma, start, stop, mirror.device, selectDevice(mirror.device) | MigrateVma.SELECT_COMPOUND);
                int r = MigrateDevice.setup(m);
                if (r != 0) {
                    return r;
                }
                // lib/test_hmm.c ignores a failed allocation here: what got no system page stays on the device
                allocAndCopyToSystem(mirror, m.vma.mm().system(), m.src, m.dst, m.npages, m.start);
                MigrateDevice.pages(m);
                for (int i = 0; i < m.npages; i++) {
                    if (MigrateVma.valid(m.src[i]) && (m.src[i] & MigrateVma.MIGRATE) != 0) {
                        moved[0]++;
                    }
                }
                MigrateDevice.finalizeMigration(m);
                return 0;
            });
            return ret != 0 ? ret : moved[0];
        } finally {
            mm.mmapLock().readLock().unlock();
        }
    }

    private static int selectDevice(DmirrorDevice device) {
        return device.memoryType() == DmirrorDevice.MemoryType.COHERENT ? MigrateVma.SELECT_DEVICE_COHERENT
                : MigrateVma.SELECT_DEVICE_PRIVATE;
    }

    /**
     * dmirror_devmem_fault_alloc_and_copy: system memory for every collected device page.
     * {@code mirror} is the one the driver passes: the ioctl's file for MIGRATE_TO_SYS, the
     * file that migrated the faulting page for a CPU fault; its FAIL_ALLOC flag is consumed and
     * its entries erased ({@code base} is the virtual address of slot 0). Eviction passes null
     * and -1: it allocates without looking at any flag and leaves the tables to the
     * invalidations of the unmap. Returns 0, or -ENOMEM when a base page cannot be had.
     */
    private static int allocAndCopyToSystem(Dmirror mirror, MemorySystem sys, long[] src, long[] dst, int n, long base) {
        ContentStore data = sys.phys().data();
        for (int i = 0; i < n; i++) {
            long s = src[i];
            if ((s & MigrateVma.MIGRATE) == 0 || !MigrateVma.valid(s)) {
                continue;
            }
            int spage = MigrateVma.pfn(s);
            int order = sys.phys().frames().order(spage);
            long write = s & MigrateVma.WRITE;
            boolean failLarge = mirror != null && mirror.consumeFailAlloc();
            int dpage = failLarge ? -1 : sys.allocSystemFolio(order);
            if (dpage < 0 && order == 0) {
                return -Errno.ENOMEM;
            }
            int pages = 1 << order;
            if (dpage >= 0) {
                dst[i] = MigrateVma.entry(dpage) | write | (order > 0 ? MigrateVma.COMPOUND : 0);
            }
            for (int k = 0; k < pages; k++) {
                int to = dpage >= 0 ? dpage + k : sys.allocSystemFolio(0);
                if (to < 0) {
                    dropDestinations(sys, dst, i, k); // the block's pages got so far are freed, none of it moves
                    return -Errno.ENOMEM;
                }
                if (dpage < 0) {
                    dst[i + k] = MigrateVma.entry(to) | write;
                }
                if (mirror != null) {
                    mirror.forget(base + ((long) (i + k) << PageSize.PAGE_SHIFT));
                }
                data.copyTo(spage + k, data, to);
            }
            i += pages - 1;
        }
        return 0;
    }

    private static void dropDestinations(MemorySystem sys, long[] dst, int from, int n) {
        for (int k = 0; k < n; k++) {
            sys.phys().put(MigrateVma.pfn(dst[from + k]));
            dst[from + k] = 0;
        }
    }

    /** dmirror_devmem_fault: a CPU touched a device-private page; bring its block back to RAM. */
    static int migrateToRam(DmirrorDevice device, Vma vma, long addr, int pfn) {
        MemorySystem sys = vma.mm().system();
        int order = sys.phys().frames().order(pfn);
        long pmd = vma.mm().pageTable().pmd(addr);
        if (!(Pte.leaf(pmd) && Pte.isDevicePrivate(pmd))) {
            order = 0; // reached through a PTE: the folio is (being) split
        }
        long size = PageSize.PAGE_SIZE << order;
        long start = addr & -size;
        if (start < vma.start() || start + size > vma.end()) {
            start = addr & PageSize.PAGE_MASK;
            size = PageSize.PAGE_SIZE;
        }
        MigrateVma m = new MigrateVma(vma, start, start + size, device,
                selectDevice(device) | (size > PageSize.PAGE_SIZE ? MigrateVma.SELECT_COMPOUND : 0));
        m.faultPage = pfn;
        if (MigrateDevice.setup(m) != 0) {
            return Fault.SIGBUS;
        }
        // the faulting page's backing page names the file that migrated it
        Dmirror owner = device.memory() == null ? null : device.memory().migratedBy(pfn);
        if (allocAndCopyToSystem(owner, sys, m.src, m.dst, m.npages, m.start) != 0) {
            MigrateDevice.finalizeMigration(m);
            return Fault.OOM;
        }
        MigrateDevice.pages(m);
        MigrateDevice.finalizeMigration(m);
        return Fault.OK;
    }

    /** dmirror_device_evict_chunk for every chunk: all device memory goes back to RAM. */
    static void evictAll(DmirrorDevice device) {
        DmirrorMemory memory = device.memory();
        if (memory == null) {
            return;
        }
        for (DevPagemap chunk : memory.chunks()) {
            evict(memory.system(), chunk.firstPfn(), chunk.nrPages());
        }
    }

    /** Moves every allocated frame of [firstPfn, firstPfn + n) of device memory back to RAM. */
    static void evict(MemorySystem sys, int firstPfn, int n) {
        long[] src = new long[n];
        long[] dst = new long[n];
        MigrateDevice.deviceRange(sys, src, firstPfn, n);
        allocAndCopyToSystem(null, sys, src, dst, n, -1); // out of RAM: the rest stays on the device
        MigrateDevice.devicePages(sys, src, dst, n);
        MigrateDevice.deviceFinalize(sys, src, dst, n);
    }
}
