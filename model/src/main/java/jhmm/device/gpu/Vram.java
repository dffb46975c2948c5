package jhmm.device.gpu;

import java.util.ArrayList;
import java.util.List;
import jhmm.base.ErrnoException;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.mm.MemorySystem;
import jhmm.mm.MigrateDevice;
import jhmm.phys.DevPagemap;

/**
 * The GPU's memory as nvidia-uvm's PMM keeps it: device-private frames from memremap_pages,
 * handed out in 2 MiB root chunks, each chunk backing one 2 MiB VA block of one address space
 * (the page at offset k of the block lives in frame k of the chunk). A chunk whose pages have
 * all been freed stays with its block ("unused") until another block needs it. Victims, when
 * VRAM is full: a free chunk, else an unused one, else the one allocated or migrated into
 * longest ago (PMM's order; its LRU follows migrations, not accesses).
 */
final class Vram {
    private static final int NR = PageSize.HPAGE_PMD_NR;

    private final GpuDevice device;
    private final MemorySystem sys;
    private final int first;
    private final int nChunks;
    /** Per chunk: the address space and block it backs (null, 0 when free). */
    private final GpuVm[] owner;
    private final long[] blockVa;
    /** Per chunk: when it was last allocated or migrated into (a counter, not time). */
    private final long[] stamp;
    /** Per chunk: device pages allocated and not yet freed. */
    private final int[] used;
    private long clock;

    Vram(GpuDevice device, MemorySystem sys, int nChunks) {
        this.device = device;
        this.sys = sys;
        this.nChunks = nChunks;
        DevPagemap pgmap = new DevPagemap(DevPagemap.Type.PRIVATE, device, this::folioFree);
        this.first = sys.memremapPages(pgmap, nChunks * NR, (vma, addr, pfn) -> GpuMigration.migrateToRam(device, vma, addr, pfn));
        if (first < 0) {
            throw new ErrnoException(Errno.ENOMEM, "no room for " + nChunks * NR + " frames of VRAM");
        }
        owner = new GpuVm[nChunks];
        blockVa = new long[nChunks];
        stamp = new long[nChunks];
        used = new int[nChunks];
    }

    private synchronized void folioFree(int head, int order) {
        used[(head - first) / NR] -= 1 << order;
    }

    /** The frame that holds page {@code va} of the block chunk {@code c} backs. */
    int pfn(int c, long va) {
        return first + c * NR + (int) ((va >>> PageSize.PAGE_SHIFT) & (NR - 1));
    }

    /** The address space whose block holds device frame {@code pfn}, or null. */
    synchronized GpuVm ownerOf(int pfn) {
        return owner[(pfn - first) / NR];
    }

    /** Takes frame {@code pfn} as a new device page with one reference; false when it is still in use. */
    synchronized boolean allocPage(int pfn) {
        if (sys.phys().frames().refcount(pfn) != 0) {
            return false; // still mapped somewhere (a forked copy of the block): the page stays in RAM
        }
        sys.phys().initDeviceFolio(pfn, 0);
        used[(pfn - first) / NR]++;
        return true;
    }

    synchronized void touch(int c) {
        stamp[c] = ++clock;
    }

    /**
     * The chunk backing {@code vm}'s block at {@code va}, allocating one (and evicting a victim
     * when VRAM is full and {@code evict} allows) if it has none; -1 when none can be had. The
     * caller holds no lock the eviction's invalidations take.
     */
    int claim(GpuVm vm, long va, boolean evict, GpuStats st) {
        long block = va & PageSize.PMD_MASK;
        for (int attempt = 0; attempt < 3; attempt++) {
            int victim;
            synchronized (this) {
                int c = pick(vm, block, evict);
                if (c < 0 || (owner[c] == vm && blockVa[c] == block)) {
                    return c;
                }
                if (owner[c] == null || used[c] == 0) {
                    owner[c] = vm; // a free chunk, or an unused one: nothing to move out
                    blockVa[c] = block;
                    stamp[c] = ++clock;
                    return c;
                }
                victim = c;
            }
            st.inc(GpuStats.Counter.EVICTIONS);
            st.add(GpuStats.Counter.TO_RAM, evict(victim));
        }
        return -1;
    }

    /** The chunk for the block if it has one, else a free, unused or oldest one (-1 without eviction). */
    private int pick(GpuVm vm, long block, boolean evict) {
        int unused = -1;
        int oldest = -1;
        for (int c = 0; c < nChunks; c++) {
            if (owner[c] == vm && blockVa[c] == block) {
                return c;
            }
        }
        for (int c = 0; c < nChunks; c++) {
            if (owner[c] == null) {
                return c;
            }
            if (used[c] == 0 && unused < 0) {
                unused = c;
            }
            if (oldest < 0 || stamp[c] < stamp[oldest]) {
                oldest = c;
            }
        }
        if (!evict) {
            return -1;
        }
        return unused >= 0 ? unused : oldest;
    }

    /** Moves every page of chunk {@code c} back to RAM (migrate_device_range); returns the pages moved. */
    private long evict(int c) {
        int start = first + c * NR;
        long[] src = new long[NR];
        long[] dst = new long[NR];
        MigrateDevice.deviceRange(sys, src, start, NR);
        long moved = GpuMigration.allocAndCopyToRam(sys, src, dst, NR);
        MigrateDevice.devicePages(sys, src, dst, NR);
        MigrateDevice.deviceFinalize(sys, src, dst, NR);
        return moved;
    }

    synchronized int chunksUsed() {
        int n = 0;
        for (GpuVm o : owner) {
            n += o == null ? 0 : 1;
        }
        return n;
    }

    /** Every chunk's count of pages in use must be the frames of it that hold a reference. */
    synchronized List<String> accountingErrors() {
        List<String> out = new ArrayList<>();
        for (int c = 0; c < nChunks; c++) {
            int live = 0;
            for (int k = 0; k < NR; k++) {
                live += sys.phys().frames().refcount(first + c * NR + k) > 0 ? 1 : 0;
            }
            if (live != used[c] || (owner[c] == null && used[c] != 0)) {
                out.add(String.format("%s: VRAM chunk %d counts %d pages in use, %d frames are referenced%s", device, c,
                        used[c], live, owner[c] == null ? " (chunk free)" : ""));
            }
        }
        return out;
    }
}
