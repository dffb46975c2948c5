package jhmm.device.gpu;

import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.mm.Fault;
import jhmm.mm.MemorySystem;
import jhmm.mm.MigrateDevice;
import jhmm.mm.MigrateVma;
import jhmm.mm.Vma;
import jhmm.mm.VmFlags;
import jhmm.phys.ContentStore;

/**
 * The GPU's migrations with migrate_vma_*: system pages of a range into VRAM (a policy's choice
 * on a fault, or an explicit prefetch), and device pages back to RAM (a CPU fault, a partial
 * unmap's garbage collection, an eviction).
 */
final class GpuMigration {
    private static final long PAGE = PageSize.PAGE_SIZE;

    private GpuMigration() {}

    /**
     * Moves the system pages of [start, end) (inside one VMA and one 2 MiB block) into the
     * block's VRAM chunk; returns the pages moved (0 when no chunk can be had).
     */
    static long toVram(GpuVm vm, Vma vma, long start, long end, GpuStats st) {
        GpuDevice dev = vm.device();
        Vram vram = dev.vram();
        int chunk = vram.claim(vm, start, dev.config().evict(), st);
        if (chunk < 0) {
            return 0;
        }
        MemorySystem sys = dev.system();
        ContentStore data = sys.phys().data();
        vma.mm().mmapLock().readLock().lock();
        try {
            MigrateVma m = new MigrateVma(vma, start, end, dev, MigrateVma.SELECT_SYSTEM);
            if (MigrateDevice.setup(m) != 0) {
                return 0;
            }
            for (int i = 0; i < m.npages; i++) {
                long s = m.src[i];
                int dpfn = vram.pfn(chunk, start + i * PAGE);
                if ((s & MigrateVma.MIGRATE) == 0 || !vram.allocPage(dpfn)) {
                    continue;
                }
                if (MigrateVma.valid(s)) {
                    data.copyTo(MigrateVma.pfn(s), data, dpfn);
                } else {
                    data.clear(dpfn); // a hole: the device page starts zeroed
                }
                // a hole in a writable VMA, or a page the CPU mapped writable, stays writable
                boolean write = (s & MigrateVma.WRITE) != 0 || (!MigrateVma.valid(s) && vma.has(VmFlags.WRITE));
                m.dst[i] = MigrateVma.entry(dpfn) | (write ? MigrateVma.WRITE : 0);
            }
            MigrateDevice.pages(m);
            long moved = 0;
            for (int i = 0; i < m.npages; i++) {
                moved += (m.src[i] & MigrateVma.MIGRATE) != 0 && MigrateVma.valid(m.dst[i]) ? 1 : 0;
            }
            MigrateDevice.finalizeMigration(m);
            vram.touch(chunk);
            st.add(GpuStats.Counter.TO_VRAM, moved);
            return moved;
        } finally {
            vma.mm().mmapLock().readLock().unlock();
        }
    }

    /**
     * A system page for each collected device page, with its data copied: the destinations
     * migrate_vma_pages will install. Returns the pages given one, or -ENOMEM at the first
     * that cannot have one (those left keep their device page).
     */
    static long allocAndCopyToRam(MemorySystem sys, long[] src, long[] dst, int n) {
        ContentStore data = sys.phys().data();
        long moved = 0;
        for (int i = 0; i < n; i++) {
            long s = src[i];
            if ((s & MigrateVma.MIGRATE) == 0 || !MigrateVma.valid(s)) {
                continue;
            }
            int to = sys.allocSystemFolio(0);
            if (to < 0) {
                return -Errno.ENOMEM;
            }
            data.copyTo(MigrateVma.pfn(s), data, to);
            dst[i] = MigrateVma.entry(to) | (s & MigrateVma.WRITE);
            moved++;
        }
        return moved;
    }

    /**
     * Moves this GPU's device pages of [start, end) of {@code vma} back to RAM; {@code faultPage}
     * is the page a CPU fault is on, or -1. Returns the pages moved or -errno.
     */
    static long toRam(GpuDevice dev, Vma vma, long start, long end, int faultPage) {
        MigrateVma m = new MigrateVma(vma, start, end, dev, MigrateVma.SELECT_DEVICE_PRIVATE);
        m.faultPage = faultPage;
        if (MigrateDevice.setup(m) != 0) {
            return -Errno.EINVAL;
        }
        long moved = allocAndCopyToRam(dev.system(), m.src, m.dst, m.npages);
        if (moved >= 0) {
            MigrateDevice.pages(m);
        }
        MigrateDevice.finalizeMigration(m);
        return moved;
    }

    /**
     * dev_pagemap_ops.migrate_to_ram: a CPU touched a VRAM page. As drm_gpusvm's migrate_to_ram
     * the whole GPU range holding it comes back (clipped to the VMA); a page no range covers
     * comes back alone.
     */
    static int migrateToRam(GpuDevice dev, Vma vma, long addr, int pfn) {
        GpuVm vm = dev.vram().ownerOf(pfn);
        long[] span = vm == null || vm.mm() != vma.mm() ? null : vm.svm.rangeSpan(addr);
        long start = span == null ? addr & PageSize.PAGE_MASK : Math.max(span[0], vma.start());
        long end = span == null ? start + PAGE : Math.min(span[1], vma.end());
        long moved = toRam(dev, vma, start, end, pfn);
        if (moved == -Errno.ENOMEM) {
            return Fault.OOM;
        }
        if (moved < 0) {
            return Fault.SIGBUS;
        }
        if (vm != null && moved > 0) {
            vm.cpuPulledBack(start, end);
        }
        return Fault.OK;
    }
}
