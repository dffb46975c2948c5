package jhmm.device.gpu;

import java.util.ArrayList;
import java.util.List;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.device.gpu.GpuStats.Counter;
import jhmm.mm.Mm;
import jhmm.mm.PageStates;
import jhmm.mm.Pte;
import jhmm.mm.Vma;
import jhmm.mm.VmFlags;

/**
 * One address space mirrored by a GPU: the driver's public face (GPU kernels, prefetch,
 * advice), its fault handler as xe_svm_handle_pagefault runs it over drm_gpusvm ({@link GpuSvm}):
 * the garbage collector first, the range, the policy's migration to VRAM, get_pages and bind,
 * retried while the bind finds the pages invalidated, and what it counts.
 */
public final class GpuVm {
    private static final long PAGE = PageSize.PAGE_SIZE;
    /** Binds refused (-EAGAIN) in a row before a fault gives up. */
    private static final int MAX_EAGAIN = 64;

    private final GpuDevice device;
    private final Mm mm;
    private final GpuConfig config;
    private final GpuStats stats = new GpuStats();
    /** The drm_gpusvm side: notifiers, ranges, the GPU page table. */
    final GpuSvm svm;
    private final List<long[]> advice = new ArrayList<>();
    private final Thrashing thrashing;
    private final FaultService faultService;

    GpuVm(GpuDevice device, Mm mm) {
        this.device = device;
        this.mm = mm;
        this.config = device.config();
        this.svm = new GpuSvm(device, mm, stats);
        this.thrashing = config.thrashing() ? new Thrashing(config.thrashThreshold(), config.pinThreshold()) : null;
        this.faultService = new FaultService(this);
    }

    /** Where a fault puts the pages: as the policy and advice say, or forced. */
    enum Placement { POLICY, VRAM, SYS }

    public GpuDevice device() {
        return device;
    }

    public Mm mm() {
        return mm;
    }

    /** Everything this address space's GPU work has done so far. */
    public GpuStats stats() {
        return stats;
    }

    /**
     * A GPU kernel whose {@code warps} warps access [addr, addr+len) in a grid-stride loop;
     * returns 0, or -errno when a fault could not be serviced (the GPU cancels the kernel).
     */
    public int access(long addr, long len, GpuAccess kind, int warps) {
        return new WarpRun(this, addr, len, kind, warps).run();
    }

    /** cudaMemPrefetchAsync / amdkfd prefetch_loc to this GPU: [addr, addr+len) is moved to VRAM and mapped. */
    public int prefetch(long addr, long len) {
        return populate(addr, len, GpuAccess.READ, Placement.VRAM);
    }

    /**
     * Faults every page of [addr, addr+len) in for {@code kind} and binds it where the policy
     * puts it, as a driver that maps a range up front instead of waiting for the GPU to fault
     * (xe's VM_BIND of a CPU-address-mirror range): 0, or the first fault's -errno.
     */
    public int bindRange(long addr, long len, GpuAccess kind) {
        return populate(addr, len, kind, Placement.POLICY);
    }

    /**
     * drm_gpusvm_fini: the GPU stops mirroring the address space. Every range leaves (its GPU
     * entries zapped, its DMA mappings undone) and every interval notifier is removed; pages
     * in VRAM stay there, reachable by the CPU through migrate_to_ram. Returns the GPU page-table
     * slots zapped.
     */
    public long close() {
        svm.collectGarbage();
        long zapped = svm.fini();
        device.closed(this);
        return zapped;
    }

    /** The driver's bottom half servicing this address space's faults. */
    public FaultService faultService() {
        return faultService;
    }

    /** Where the GPU's {@code kind} access to page {@code vpn} goes now, through its TLB. */
    public GpuTranslation translate(long vpn, GpuAccess kind) {
        long e = svm.translate(vpn);
        if (e == 0 || (kind.writes() && !GpuPageTable.writable(e))) {
            return GpuTranslation.MISS;
        }
        return GpuPageTable.vram(e) ? GpuTranslation.VRAM : GpuTranslation.SYSTEM;
    }

    /**
     * A warp's access to page {@code vpn} missed: the GPU writes a fault into the replayable
     * buffer. False when the buffer was full (the warp faults again after the next replay).
     */
    public boolean raiseFault(long vpn, GpuAccess kind) {
        boolean taken = device.faultBuffer.push(vpn, (byte) kind.ordinal());
        stats.inc(taken ? Counter.FAULTS : Counter.DROPPED);
        return taken;
    }

    /** The GPU replays its stalled accesses (counted; the warps' retry is the caller's). */
    public void replayed() {
        stats.inc(Counter.REPLAYS);
    }

    /** What {@link #drainChangedBlocks} hands over: one bit per page of a 2 MiB block, in 8 words each. */
    public interface BlockView {
        void visit(long firstVpn, long[] mapped, long[] vram, long[] writable);
    }

    private final long[][] blockBits = new long[3][PageSize.HPAGE_PMD_NR / Long.SIZE];

    /**
     * Hands {@code v} each 2 MiB block whose GPU page-table entries changed since the last call:
     * which of its pages the GPU maps, which of those are in VRAM and which writable. A timing
     * layer keeps its own view of what the GPU maps this way, refreshing only what changed.
     */
    public void drainChangedBlocks(BlockView v) {
        long[] mapped = blockBits[0];
        long[] vram = blockBits[1];
        long[] writable = blockBits[2];
        svm.drainChanged((firstVpn, entries, from) -> {
            java.util.Arrays.fill(mapped, 0);
            java.util.Arrays.fill(vram, 0);
            java.util.Arrays.fill(writable, 0);
            for (int i = 0; i < PageSize.HPAGE_PMD_NR; i++) {
                long e = entries[from + i];
                if (e != 0) {
                    long bit = 1L << i;
                    mapped[i >>> 6] |= bit;
                    vram[i >>> 6] |= GpuPageTable.vram(e) ? bit : 0;
                    writable[i >>> 6] |= GpuPageTable.writable(e) ? bit : 0;
                }
            }
            v.visit(firstVpn, mapped, vram, writable);
        });
    }

    /** What {@link #forEachMappedRun} hands over: a run of pages the GPU maps alike. */
    public interface MappedRun {
        void visit(long firstVpn, long pages, boolean vram, boolean writable, long entryBytes);
    }

    /** The GPU's page table in address order, a run of pages with the same kind of entry at a time (for show). */
    public void forEachMappedRun(MappedRun v) {
        svm.forEachRun(v);
    }

    /** 4 KiB slots of the GPU page table that translate now. */
    public long mappedPages() {
        return svm.mappedPages();
    }

    private int populate(long addr, long len, GpuAccess kind, Placement where) {
        for (long a = addr & PageSize.PAGE_MASK; a < addr + len; ) {
            int ret = fault(a, kind, where);
            if (ret != 0) {
                return ret;
            }
            long[] span = svm.rangeSpan(a);
            a = span == null ? a + PAGE : span[1];
        }
        return 0;
    }

    /** Sets the preferred location of [addr, addr+len); later advice over the same pages wins. */
    public void advise(long addr, long len, Preferred where) {
        synchronized (advice) {
            advice.add(new long[] {addr, addr + len, where.ordinal()});
        }
    }

    private Preferred preferred(long addr) {
        synchronized (advice) {
            for (int i = advice.size() - 1; i >= 0; i--) {
                long[] a = advice.get(i);
                if (addr >= a[0] && addr < a[1]) {
                    return Preferred.values()[(int) a[2]];
                }
            }
        }
        return null;
    }

    // ---- the fault handler ---------------------------------------------------------------

    /**
     * Services a GPU fault at {@code addr} (xe_svm_handle_pagefault over drm_gpusvm): the
     * garbage collector first, then the range, the policy's migration, get_pages and bind,
     * retried while the bind finds the pages invalidated.
     */
    int fault(long addr, GpuAccess kind, Placement where) {
        boolean stayInRam = false;
        for (int attempt = 0; attempt < MAX_EAGAIN; attempt++) {
            svm.collectGarbage();
            Vma vma;
            long vmaStart;
            long vmaEnd;
            boolean writable;
            mm.mmapLock().readLock().lock();
            try {
                vma = mm.isDead() ? null : mm.findVma(addr);
                if (vma == null || addr < vma.start() || !vma.has(VmFlags.READ)) {
                    return -Errno.EFAULT;
                }
                writable = vma.has(VmFlags.WRITE);
                if (kind.writes() && !writable) {
                    return -Errno.EPERM;
                }
                vmaStart = vma.start();
                vmaEnd = vma.end();
            } finally {
                mm.mmapLock().readLock().unlock();
            }
            GpuRange r = svm.findOrInsert(addr, vmaStart, vmaEnd, !writable);
            if (r == null) {
                continue; // an unmapped range still covers addr: collect it first
            }
            if (!stayInRam && wantVram(addr, vma, where) && !allInVram(r)) {
                long s = Math.max(r.start, vmaStart);
                long e = Math.min(r.end, vmaEnd);
                GpuMigration.toVram(this, vma, s, e, stats);
                // as nvidia-uvm: what migrate_vma_setup could not take (swapped out, another
                // device's memory) is faulted onto the CPU with hmm_range_fault, then tried again
                if (!allInVram(r) && svm.faultToCpu(r) == 0) {
                    GpuMigration.toVram(this, vma, s, e, stats);
                }
            }
            int ret = svm.getPages(r);
            if (ret == -Errno.EAGAIN) {
                stats.inc(Counter.EAGAIN);
                continue;
            }
            if (ret != 0) {
                return ret;
            }
            ret = svm.bind(r);
            if (ret == 0 && kind.writes() && !svm.grants(addr >>> PageSize.PAGE_SHIFT, kind)) {
                // hmm_range_fault hands back this GPU's own pages as they are, read-only after a
                // fork: bring them to RAM, where the write fault breaks the COW, and map them there
                svm.toRam(r);
                stayInRam = true;
                continue;
            }
            if (ret != -Errno.EAGAIN) {
                return ret;
            }
            stats.inc(Counter.EAGAIN);
        }
        return -Errno.EAGAIN;
    }

    private boolean wantVram(long addr, Vma vma, Placement where) {
        if (device.vram() == null || !vma.isAnonPrivate() || where == Placement.SYS) {
            return false; // as uvm_hmm_must_use_sysmem: only anonymous private memory migrates
        }
        if (where == Placement.VRAM) {
            return true;
        }
        Preferred p = preferred(addr);
        return p == null ? config.migrateOnFault() : p == Preferred.VRAM;
    }

    private boolean allInVram(GpuRange r) {
        for (long a = r.start; a < r.end; a += PAGE) {
            long e = PageStates.entryAt(mm, a);
            if (!Pte.isDevicePrivate(e) || svm.owner(Pte.pfn(e)) != device) {
                return false;
            }
        }
        return true;
    }

    /** The thrashing module's hint for a GPU fault on page {@code vpn}. */
    Thrashing.Hint thrashHint(long vpn) {
        return thrashing == null ? Thrashing.Hint.NONE : thrashing.onGpuFault(vpn, stats);
    }

    /** The CPU pulled [start, end) back from VRAM (a thrashing event for each page). */
    void cpuPulledBack(long start, long end) {
        stats.add(Counter.TO_RAM, (end - start) >>> PageSize.PAGE_SHIFT);
        if (thrashing != null) {
            thrashing.cpuPulledBack(start, end);
        }
    }

    /** The VMA holding {@code addr}, or null. */
    Vma vmaAt(long addr) {
        mm.mmapLock().readLock().lock();
        try {
            Vma vma = mm.isDead() ? null : mm.findVma(addr);
            return vma == null || addr < vma.start() ? null : vma;
        } finally {
            mm.mmapLock().readLock().unlock();
        }
    }
}
