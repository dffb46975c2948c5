package jhmm.device.gpu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.device.gpu.GpuStats.Counter;
import jhmm.dma.DmaDevice;
import jhmm.dma.DmaDirection;
import jhmm.hmm.HmmDriverProtocol;
import jhmm.hmm.HmmPfn;
import jhmm.hmm.HmmRange;
import jhmm.hmm.HmmRangeFault;
import jhmm.mm.Mm;
import jhmm.mm.NotifierEvent;
import jhmm.mm.NotifierRange;
import jhmm.mm.PageStates;
import jhmm.mm.Pte;
import jhmm.mm.Vma;
import jhmm.notifier.MmuIntervalNotifier;
import jhmm.notifier.MmuNotifiers;
import jhmm.phys.DevPagemap;

/**
 * The GPU's shared-virtual-memory core for one address space, as Linux's drm_gpusvm
 * (drivers/gpu/drm/drm_gpusvm.c): interval notifiers over aligned windows, created on the
 * first fault in a window and removed with its last range; ranges chosen from the chunk list;
 * get_pages with hmm_range_fault and one DMA mapping per CPU page order; a bind that commits to
 * the GPU page table only while the pages are still valid under the notifier lock; an
 * invalidation callback that zaps, DMA-unmaps and queues unmapped ranges for the garbage
 * collector the next fault runs first.
 */
final class GpuSvm {
    private static final long PAGE = PageSize.PAGE_SIZE;
    /** get_pages restarts before a fault gives up with -EBUSY. */
    private static final int MAX_RETRIES = 1000;

    /** Bugs a test can plant to show the concurrency checks catch them. */
    enum Bug {
        NONE,
        /** bind programs the GPU page table without checking the pages are still valid. */
        BIND_WITHOUT_RECHECK,
        /** the invalidation callback DMA-unmaps after dropping the notifier lock. */
        DMA_UNMAP_OUTSIDE_LOCK
    }

    private final GpuDevice device;
    private final Mm mm;
    private final GpuConfig config;
    private final GpuStats stats;
    /** drm_gpusvm's notifier lock: the invalidation callback and every bind take it. */
    private final ReentrantLock notifierLock = new ReentrantLock();
    private final TreeMap<Long, GpuNotifier> notifiers = new TreeMap<>();
    private final TreeMap<Long, GpuRange> ranges = new TreeMap<>();
    private final ArrayDeque<GpuRange> garbage = new ArrayDeque<>();
    private final GpuPageTable pt = new GpuPageTable();
    private final Tlb tlb = new Tlb();
    Bug bug = Bug.NONE;

    GpuSvm(GpuDevice device, Mm mm, GpuStats stats) {
        this.device = device;
        this.mm = mm;
        this.config = device.config();
        this.stats = stats;
    }

    /** hmm_range_fault over the range, reading: brings its pages into system memory. 0 or -errno. */
    int faultToCpu(GpuRange r) {
        HmmRange hr = new HmmRange(r.notifier.sub, r.start, r.end, new long[r.npages()]);
        hr.defaultFlags = HmmPfn.REQ_FAULT;
        hr.devPrivateOwner = device;
        return HmmDriverProtocol.faultAndUpdate(hr, notifierLock, HmmDriverProtocol.DEFAULT_TIMEOUT_NANOS, () -> 0);
    }

    Object owner(int pfn) {
        DevPagemap pgmap = device.system().phys().pgmap(pfn);
        return pgmap == null ? null : pgmap.owner();
    }

    /**
     * drm_gpusvm_range_find_or_insert: the live range holding {@code addr}, or a new one of the
     * largest chunk that is aligned, lies inside the VMA and the notifier window and overlaps no
     * range; null when an unmapped range still covers {@code addr}, or one that no longer fits
     * its VMA (which this retires).
     */
    GpuRange findOrInsert(long addr, long vmaStart, long vmaEnd, boolean readOnly) {
        long window = addr & -config.notifierBytes();
        GpuNotifier n;
        notifierLock.lock();
        try {
            Map.Entry<Long, GpuRange> below = ranges.floorEntry(addr);
            if (below != null && below.getValue().contains(addr)) {
                GpuRange r = below.getValue();
                if (r.unmapped) {
                    return null;
                }
                if (r.start >= vmaStart && r.end <= vmaEnd && r.readOnly == readOnly) {
                    return r;
                }
                // the CPU mapping changed under the range (mprotect split its VMA or changed
                // its access): get_pages would fail on it, so it goes and a new one is chosen
                retire(r);
                return null;
            }
            n = notifiers.get(window);
        } finally {
            notifierLock.unlock();
        }
        if (n == null) {
            n = insertNotifier(window);
        }
        notifierLock.lock();
        try {
            for (long c : config.chunks()) {
                long s = addr & -c;
                long e = s + c;
                if (s >= vmaStart && e <= vmaEnd && s >= window && e <= window + config.notifierBytes() && !overlaps(s, e)) {
                    GpuRange r = new GpuRange(s, e, n, readOnly);
                    ranges.put(s, r);
                    n.ranges++;
                    stats.inc(Counter.RANGES);
                    return r;
                }
            }
            return null;
        } finally {
            notifierLock.unlock();
        }
    }

    /**
     * The window's notifier, inserting one; called without the notifier lock. The insertion runs
     * under the mmap write lock: the kernel's first mmu_interval_notifier_insert on an mm
     * registers with mmu_notifier_register, which takes it (and every rmap lock), so that no
     * invalidation is in flight when the mm starts having interval notifiers; the model's insert
     * leaves that to its caller, and without it an invalidation already started (a
     * MADV_DONTNEED, say) would miss the new notifier while the fault maps the page it zaps.
     */
    private GpuNotifier insertNotifier(long window) {
        GpuNotifier fresh = new GpuNotifier(window, window + config.notifierBytes());
        mm.mmapLock().writeLock().lock();
        try {
            fresh.sub = MmuNotifiers.insert(mm, window, config.notifierBytes(), (sub, range, seq) -> invalidate(fresh, sub, range, seq));
        } finally {
            mm.mmapLock().writeLock().unlock();
        }
        notifierLock.lock();
        try {
            GpuNotifier had = notifiers.putIfAbsent(window, fresh);
            if (had == null) {
                return fresh;
            }
        } finally {
            notifierLock.unlock();
        }
        MmuNotifiers.remove(fresh.sub); // another fault inserted one first
        return notifiers.get(window);
    }

    private boolean overlaps(long s, long e) {
        Map.Entry<Long, GpuRange> below = ranges.lowerEntry(e);
        return below != null && below.getValue().end > s;
    }

    /**
     * drm_gpusvm_range_get_pages: hmm_range_fault under the notifier's sequence, then under the
     * notifier lock, if the sequence held, the DMA mappings. 0, -EAGAIN (the range was
     * unmapped meanwhile), -EBUSY (gave up), or hmm_range_fault's error.
     */
    int getPages(GpuRange r) {
        long[] pfns = new long[r.npages()];
        HmmRange hr = new HmmRange(r.notifier.sub, r.start, r.end, pfns);
        hr.defaultFlags = HmmPfn.REQ_FAULT | (r.readOnly ? 0 : HmmPfn.REQ_WRITE);
        hr.devPrivateOwner = device;
        for (int tries = 0; tries < MAX_RETRIES; tries++) {
            notifierLock.lock();
            try {
                if (r.unmapped) {
                    return -Errno.EAGAIN;
                }
                if (r.pagesValid) {
                    return 0;
                }
            } finally {
                notifierLock.unlock();
            }
            java.util.Arrays.fill(pfns, 0);
            hr.notifierSeq = MmuNotifiers.readBegin(hr.notifier);
            int ret;
            mm.mmapLock().readLock().lock();
            try {
                ret = HmmRangeFault.fault(hr);
            } finally {
                mm.mmapLock().readLock().unlock();
            }
            if (ret == -Errno.EBUSY) {
                stats.inc(Counter.RETRIES);
                continue;
            }
            if (ret != 0) {
                return ret;
            }
            notifierLock.lock();
            try {
                if (MmuNotifiers.readRetry(hr.notifier, hr.notifierSeq)) {
                    stats.inc(Counter.RETRIES);
                    continue;
                }
                ret = dmaMap(r, pfns);
                if (ret == 0) {
                    r.pagesValid = true;
                }
                return ret;
            } finally {
                notifierLock.unlock();
            }
        }
        return -Errno.EBUSY;
    }

    /** One DMA mapping per CPU page of the order hmm_range_fault reported; VRAM pages need none. */
    private int dmaMap(GpuRange r, long[] pfns) {
        DmaDevice dma = device.dma();
        int n = r.npages();
        for (int i = 0; i < n; ) {
            long e = pfns[i];
            int pfn = HmmPfn.pfn(e);
            byte write = HmmPfn.writable(e) ? GpuRange.WRITE : 0;
            if (owner(pfn) == device) {
                r.target[i] = pfn;
                r.flags[i] = (byte) (write | GpuRange.VRAM);
                r.mapping[i] = -1;
                i++;
                continue;
            }
            int span = Math.min(1 << HmmPfn.order(e), n - i);
            if ((((r.start >>> PageSize.PAGE_SHIFT) + i) & (span - 1)) != 0) {
                span = 1; // the CPU page starts before the range: map page by page
            }
            long addr = dma.mapPage(pfn, 0, span * PAGE, DmaDirection.BIDIRECTIONAL);
            if (addr == DmaDevice.MAPPING_ERROR) {
                dmaUnmap(r);
                return -Errno.EFAULT;
            }
            r.addDma(addr, span * PAGE);
            stats.inc(Counter.DMA_MAPS);
            for (int k = 0; k < span; k++) {
                r.target[i + k] = (addr >>> PageSize.PAGE_SHIFT) + k;
                r.flags[i + k] = write;
                r.mapping[i + k] = r.nDma - 1;
            }
            i += span;
        }
        return 0;
    }

    private void dmaUnmap(GpuRange r) {
        for (int k = 0; k < r.nDma; k++) {
            device.dma().unmapPage(r.dmaAddr[k], r.dmaBytes[k], DmaDirection.BIDIRECTIONAL);
        }
        stats.add(Counter.DMA_UNMAPS, r.nDma);
        r.nDma = 0;
    }

    /**
     * Binds the range as xe does: the page-table update is prepared from what get_pages found
     * without the notifier lock, then committed under it only if the pages are still valid:
     * 0, or -EAGAIN when an invalidation came in between.
     */
    int bind(GpuRange r) {
        long[] job = prepareBind(r);
        notifierLock.lock();
        try {
            if (r.unmapped || (!r.pagesValid && bug != Bug.BIND_WITHOUT_RECHECK)) {
                return -Errno.EAGAIN;
            }
            long vpn = r.start >>> PageSize.PAGE_SHIFT;
            for (int i = 0; i < job.length; i++) {
                pt.store(vpn + i, job[i]);
            }
            return 0;
        } finally {
            notifierLock.unlock();
        }
    }

    /** The GPU entry word of each page of the range, counting the entries by size. */
    private long[] prepareBind(GpuRange r) {
        int n = r.npages();
        long[] job = new long[n];
        for (int i = 0; i < n; ) {
            int cls = entrySize(r, i);
            int pages = GpuPageTable.PAGES[cls];
            for (int k = 0; k < pages; k++) {
                boolean w = (r.flags[i + k] & GpuRange.WRITE) != 0;
                boolean v = (r.flags[i + k] & GpuRange.VRAM) != 0;
                job[i + k] = GpuPageTable.entry(r.target[i + k], w, v, cls);
            }
            stats.inc(cls == GpuPageTable.SIZE_2M ? Counter.PTES_2M : cls == GpuPageTable.SIZE_64K ? Counter.PTES_64K : Counter.PTES_4K);
            i += pages;
        }
        return job;
    }

    /**
     * The largest GPU page that fits at page {@code i}: aligned both sides, contiguous, one
     * kind, and in system memory inside one DMA mapping (so the CPU's page order bounds it,
     * whatever addresses the IOMMU handed out).
     */
    private static int entrySize(GpuRange r, int i) {
        for (int cls = GpuPageTable.SIZE_2M; cls > GpuPageTable.SIZE_4K; cls--) {
            int pages = GpuPageTable.PAGES[cls];
            long vpn = (r.start >>> PageSize.PAGE_SHIFT) + i;
            if (i + pages > r.npages() || (vpn & (pages - 1)) != 0 || (r.target[i] & (pages - 1)) != 0) {
                continue;
            }
            boolean same = true;
            for (int k = 1; k < pages && same; k++) {
                same = r.target[i + k] == r.target[i] + k && r.flags[i + k] == r.flags[i] && r.mapping[i + k] == r.mapping[i];
            }
            if (same) {
                return cls;
            }
        }
        return GpuPageTable.SIZE_4K;
    }

    // ---- invalidation and garbage collection -----------------------------------------

    /**
     * drm_gpusvm_notifier_invalidate: under the notifier lock, the sequence is set, and each
     * range the event touches has its GPU entries zapped and its DMA mappings undone; an UNMAP
     * marks it for the garbage collector (the whole range, even when only part went).
     */
    private boolean invalidate(GpuNotifier n, MmuIntervalNotifier sub, NotifierRange range, long curSeq) {
        if (range.blockable()) {
            notifierLock.lock();
        } else if (!notifierLock.tryLock()) {
            return false;
        }
        List<GpuRange> late = new ArrayList<>();
        try {
            sub.setSeq(curSeq);
            stats.inc(Counter.INVALIDATIONS);
            long end = Long.compareUnsigned(range.end(), n.end) > 0 ? n.end : range.end();
            long start = Math.max(range.start(), n.start);
            Long from = ranges.floorKey(start);
            for (GpuRange r : ranges.subMap(from == null ? start : from, true, end, false).values()) {
                if (r.notifier != n || r.end <= start) {
                    continue;
                }
                if (pt.zap(r.start >>> PageSize.PAGE_SHIFT, r.end >>> PageSize.PAGE_SHIFT) > 0) {
                    tlb.flush();
                }
                if (bug == Bug.DMA_UNMAP_OUTSIDE_LOCK) {
                    late.add(r);
                } else {
                    dmaUnmap(r);
                }
                r.pagesValid = false;
                if (range.event() == NotifierEvent.UNMAP && !r.unmapped) {
                    retireLocked(r, range.start() > r.start || Long.compareUnsigned(range.end(), r.end) < 0);
                }
            }
        } finally {
            notifierLock.unlock();
        }
        for (GpuRange r : late) {
            dmaUnmap(r);
        }
        return true;
    }

    /** Takes a live range out of service (zap, DMA unmap) and queues it for the garbage collector. */
    private void retire(GpuRange r) {
        pt.zap(r.start >>> PageSize.PAGE_SHIFT, r.end >>> PageSize.PAGE_SHIFT);
        tlb.flush();
        dmaUnmap(r);
        r.pagesValid = false;
        retireLocked(r, false);
    }

    private void retireLocked(GpuRange r, boolean partial) {
        r.unmapped = true;
        r.partial = partial;
        garbage.add(r);
    }

    /**
     * The garbage collector: each unmapped range leaves the tree (its notifier too when it was
     * the last); after a partial unmap the device pages still mapped in it go back to RAM.
     */
    void collectGarbage() {
        while (true) {
            GpuRange r;
            notifierLock.lock();
            try {
                r = garbage.poll();
            } finally {
                notifierLock.unlock();
            }
            if (r == null) {
                return;
            }
            if (r.partial) {
                toRam(r);
            }
            GpuNotifier emptied = null;
            notifierLock.lock();
            try {
                ranges.remove(r.start, r);
                if (--r.notifier.ranges == 0) {
                    notifiers.remove(r.notifier.start, r.notifier);
                    emptied = r.notifier;
                }
            } finally {
                notifierLock.unlock();
            }
            if (emptied != null) {
                MmuNotifiers.remove(emptied.sub);
            }
            stats.inc(Counter.COLLECTED);
        }
    }

    /** drm_gpusvm_fini: every range and notifier goes; returns the GPU page-table slots zapped. */
    long fini() {
        List<MmuIntervalNotifier> subs = new ArrayList<>();
        long zapped = 0;
        notifierLock.lock();
        try {
            for (GpuRange r : ranges.values()) {
                zapped += pt.zap(r.start >>> PageSize.PAGE_SHIFT, r.end >>> PageSize.PAGE_SHIFT);
                dmaUnmap(r);
                r.pagesValid = false;
                r.unmapped = true;
            }
            tlb.flush();
            ranges.clear();
            garbage.clear();
            for (GpuNotifier n : notifiers.values()) {
                subs.add(n.sub);
            }
            notifiers.clear();
        } finally {
            notifierLock.unlock();
        }
        // outside the lock: a removal waits for callbacks in flight, and they take the lock
        for (MmuIntervalNotifier sub : subs) {
            MmuNotifiers.remove(sub);
        }
        return zapped;
    }

    void drainChanged(GpuPageTable.BlockVisitor v) {
        notifierLock.lock();
        try {
            pt.drainChanged(v);
        } finally {
            notifierLock.unlock();
        }
    }

    /** Hands {@code v} the GPU page table's entries in address order, runs of equal kind together. */
    void forEachRun(GpuVm.MappedRun v) {
        java.util.TreeMap<Long, Long> sorted = new java.util.TreeMap<>();
        notifierLock.lock();
        try {
            pt.forEach(sorted::put);
        } finally {
            notifierLock.unlock();
        }
        long start = -1;
        long next = -1;
        long kind = -1;
        for (Map.Entry<Long, Long> e : sorted.entrySet()) {
            long k = e.getValue() & GpuPageTable.KIND;
            if (e.getKey() != next || k != kind) {
                if (start >= 0) {
                    emit(v, start, next, kind);
                }
                start = e.getKey();
                kind = k;
            }
            next = e.getKey() + 1;
        }
        if (start >= 0) {
            emit(v, start, next, kind);
        }
    }

    private static void emit(GpuVm.MappedRun v, long start, long end, long kind) {
        long e = kind | GpuPageTable.VALID;
        v.visit(start, end - start, GpuPageTable.vram(e), GpuPageTable.writable(e),
                (long) GpuPageTable.PAGES[GpuPageTable.sizeClass(e)] << PageSize.PAGE_SHIFT);
    }

    long mappedPages() {
        long[] n = {0};
        notifierLock.lock();
        try {
            pt.forEach((vpn, e) -> n[0]++);
        } finally {
            notifierLock.unlock();
        }
        return n[0];
    }

    /** Migrates this GPU's pages of the range, wherever the VMAs still map them, back to RAM. */
    void toRam(GpuRange r) {
        if (device.vram() == null) {
            return;
        }
        mm.mmapLock().readLock().lock();
        try {
            for (Vma vma : mm.vmasIn(r.start, r.end)) {
                long moved = GpuMigration.toRam(device, vma, Math.max(r.start, vma.start()), Math.min(r.end, vma.end()), -1);
                stats.add(Counter.TO_RAM, Math.max(moved, 0));
            }
        } finally {
            mm.mmapLock().readLock().unlock();
        }
    }

    /** The GPU page-table entry translating page {@code vpn} through the TLB, or 0. */
    long translate(long vpn) {
        notifierLock.lock();
        try {
            long e = tlb.lookup(vpn);
            if (e == 0) {
                stats.inc(Counter.TLB_MISSES);
                e = pt.load(vpn);
                if (e != 0) {
                    tlb.fill(vpn, e);
                }
            }
            return e;
        } finally {
            notifierLock.unlock();
        }
    }

    /** Whether the GPU page table maps page {@code vpn} for {@code kind} (the driver's look, not the TLB's). */
    boolean grants(long vpn, GpuAccess kind) {
        notifierLock.lock();
        try {
            long e = pt.load(vpn);
            return e != 0 && (!kind.writes() || GpuPageTable.writable(e));
        } finally {
            notifierLock.unlock();
        }
    }

    /** [start, end) of the live range holding {@code addr}, or null. */
    long[] rangeSpan(long addr) {
        notifierLock.lock();
        try {
            Map.Entry<Long, GpuRange> below = ranges.floorEntry(addr);
            GpuRange r = below == null ? null : below.getValue();
            return r == null || !r.contains(addr) || r.unmapped ? null : new long[] {r.start, r.end};
        } finally {
            notifierLock.unlock();
        }
    }

    /** Interval notifiers this address space holds now (one per window with a range). */
    int notifierCount() {
        notifierLock.lock();
        try {
            return notifiers.size();
        } finally {
            notifierLock.unlock();
        }
    }

    int dmaMappingsHeld() {
        notifierLock.lock();
        try {
            int n = 0;
            for (GpuRange r : ranges.values()) {
                n += r.nDma;
            }
            return n;
        } finally {
            notifierLock.unlock();
        }
    }

    /**
     * GPU page-table entries the CPU no longer backs, the first {@code keep} described: the
     * frame the entry reaches (through its DMA mapping, or in VRAM) is not the one the CPU maps
     * at that address, or the GPU may write a page the CPU maps read-only.
     */
    List<String> staleEntries(int keep) {
        List<String> out = new ArrayList<>();
        notifierLock.lock();
        try {
            pt.forEach((vpn, e) -> {
                String why = mismatch(vpn << PageSize.PAGE_SHIFT, e);
                if (why != null && out.size() < keep) {
                    out.add(String.format("%s mirror of %s: GPU page %x %s", device, mm, vpn << PageSize.PAGE_SHIFT, why));
                }
            });
        } finally {
            notifierLock.unlock();
        }
        return out;
    }

    private String mismatch(long addr, long e) {
        if (mm.isDead()) {
            return "outlives its address space";
        }
        long frame = GpuPageTable.vram(e) ? GpuPageTable.target(e)
                : device.dma().translate(GpuPageTable.target(e) << PageSize.PAGE_SHIFT);
        long cpu = PageStates.entryAt(mm, addr);
        boolean mapsIt = (Pte.present(cpu) || Pte.isDevicePrivate(cpu)) && Pte.pfn(cpu) == frame;
        if (!mapsIt) {
            return "reaches frame " + frame + " which the CPU does not map there";
        }
        boolean cpuWritable = Pte.accessible(cpu) ? Pte.writable(cpu) : Pte.kindWritable(cpu);
        if (GpuPageTable.writable(e) && !cpuWritable) {
            return "is writable but the CPU maps the page read-only";
        }
        return null;
    }
}
