package jhmm.mm;

import java.util.ArrayList;
import java.util.List;
import jhmm.base.PageSize;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;
import jhmm.phys.PhysicalMemory;

/**
 * The coherence checker for the CPU side: recounts every mapping by walking all page tables
 * and compares with what the frames, the page cache and swap record. Violations come back as
 * sentences; an empty list means everything adds up. It runs while nothing else changes the
 * machine (between a scenario's commands, at a stress run's quiescent points), so a migration
 * entry found is one no migration will ever restore.
 */
public final class MmInvariants {
    private static final int MAX_REPORTS = 20;
    private final MemorySystem sys;
    private final List<String> out = new ArrayList<>();

    public MmInvariants(MemorySystem sys) {
        this.sys = sys;
    }

    public List<String> check() {
        PhysicalMemory phys = sys.phys;
        PageFrames f = phys.frames();
        int n = phys.totalFrames();
        int[] pteMaps = new int[n];
        int[] entireMaps = new int[n];
        int[] swapRefs = new int[Math.max(sys.swap.slots(), 1)];
        for (Mm mm : sys.mms()) {
            // no lock: the counts compared change under many locks, so the check is for a quiet machine
            mm.pt.forEachLeaf((addr, level, e) -> countEntry(mm, addr, level, e, pteMaps, entireMaps, swapRefs));
            int wrong = mm.pt.miscountedTable();
            if (wrong >= 0) {
                report("%s: table %d counts %d entries, holds another number", mm, wrong, mm.pt.used(wrong));
            }
        }
        int[] cacheRefs = new int[n];
        for (FileInode file : sys.files()) {
            for (int i = 0; i < file.cache.length; i++) {
                int pfn = file.cache[i];
                if (pfn < 0 || f.head(pfn) != pfn) {
                    continue;
                }
                cacheRefs[pfn]++;
                if (!f.test(pfn, PageFlags.PAGECACHE) || f.mapping(pfn) != file.id) {
                    report("frame %d caches page %d of %s but does not say so", pfn, i, describe(file));
                }
            }
        }
        long excess = 0;
        for (int pfn = 0; pfn < n; pfn++) {
            if (!f.exists(pfn)) {
                continue; // the gap between RAM and device memory, which starts at a section boundary
            }
            int flags = f.flags(pfn);
            boolean mapped = pteMaps[pfn] > 0 || entireMaps[pfn] > 0;
            if ((flags & PageFlags.FREE) != 0) {
                if (mapped) {
                    report("frame %d is free and mapped", pfn);
                }
                continue;
            }
            if ((flags & PageFlags.ZERO) != 0) {
                continue;
            }
            if (f.pteMapcount(pfn) != pteMaps[pfn]) {
                report("frame %d: mapcount %d but %d PTEs map it", pfn, f.pteMapcount(pfn), pteMaps[pfn]);
            }
            if ((flags & PageFlags.TAIL) != 0 || ((flags & PageFlags.HUGETLB_FREE) != 0)) {
                continue;
            }
            int head = pfn;
            int pages = f.nrPages(head);
            int expected = entireMaps[head] + cacheRefs[head];
            for (int i = 0; i < pages; i++) {
                expected += pteMaps[head + i];
            }
            if (f.entireMapcount(head) != entireMaps[head]) {
                report("folio %d: entire mapcount %d but %d PMD/PUD entries map it", head, f.entireMapcount(head), entireMaps[head]);
            }
            checkDeferredSplit(head, pteMaps, entireMaps);
            int ref = f.refcount(head);
            if (ref < expected || (ref == 0 && (flags & PageFlags.FREE) == 0 && pages == 1)) {
                report("folio %d: refcount %d but %d mappings and cache references", head, ref, expected);
            }
            excess += ref - expected;
        }
        if (excess != phys.externalRefs()) {
            report("references beyond mappings and caches add up to %d, but holders account for %d (a leaked or lost reference)",
                    excess, phys.externalRefs());
        }
        for (int s = 1; s < sys.swap.slots(); s++) {
            if (sys.swap.count(s) != swapRefs[s]) {
                report("swap slot %d: count %d but %d entries refer to it", s, sys.swap.count(s), swapRefs[s]);
            }
        }
        return out;
    }

    /**
     * A large anonymous folio is on the deferred split queue exactly when the recount finds it
     * mapped in part (or the queue has not yet seen that it no longer is: leaving is lazy).
     */
    private void checkDeferredSplit(int head, int[] pteMaps, int[] entireMaps) {
        PageFrames f = sys.phys.frames();
        boolean queued = sys.phys.deferredSplit().contains(head);
        if (queued != f.test(head, PageFlags.PARTIALLY_MAPPED)) {
            report("folio %d: the deferred split queue and its partly-mapped flag disagree", head);
        }
        int kind = f.flags(head) & (PageFlags.HEAD | PageFlags.ANON | PageFlags.HUGETLB | PageFlags.ZONE_DEVICE);
        if (kind != (PageFlags.HEAD | PageFlags.ANON)) {
            if (queued) {
                report("frame %d is on the deferred split queue but heads no large anonymous folio", head);
            }
            return;
        }
        int mapped = 0;
        int pages = f.nrPages(head);
        for (int i = 0; i < pages; i++) {
            mapped += pteMaps[head + i] > 0 ? 1 : 0;
        }
        if (entireMaps[head] == 0 && mapped > 0 && mapped < pages && !queued) {
            report("folio %d: %d of its %d pages mapped, but it waits for no deferred split", head, mapped, pages);
        }
    }

    private void countEntry(Mm mm, long addr, int level, long e, int[] pteMaps, int[] entireMaps, int[] swapRefs) {
        Vma v = mm.findVma(addr);
        if (v == null) {
            report("%s: entry at %x outside every VMA", mm, addr);
        }
        if (Pte.isSwap(e)) {
            int slot = Pte.pfn(e);
            if (slot >= swapRefs.length) {
                report("%s: swap entry at %x names slot %d beyond the swap device", mm, addr, slot);
            } else {
                swapRefs[slot]++;
            }
            return;
        }
        if (Pte.isMigration(e)) {
            // only a migration in progress holds one: at a quiescent point it is a migration that never ended
            report("%s: migration entry at %x for frame %d, but no migration is running", mm, addr, Pte.pfn(e));
            return;
        }
        if (!(Pte.present(e) || Pte.isDeviceExclusive(e) || Pte.isDevicePrivate(e)) || Pte.special(e)) {
            return;
        }
        int pfn = Pte.pfn(e);
        if (pfn >= pteMaps.length) {
            report("%s: entry at %x names frame %d beyond RAM", mm, addr, pfn);
            return;
        }
        if (level == 1) {
            pteMaps[pfn]++;
        } else {
            PageFrames f = sys.phys.frames();
            if (f.head(pfn) != pfn || f.nrPages(pfn) != (level == 2 ? PageSize.HPAGE_PMD_NR : 1 << PageSize.PUD_ORDER)) {
                report("%s: huge entry at %x maps frame %d which is not a folio of that size", mm, addr, pfn);
            }
            entireMaps[pfn]++;
        }
    }

    private static String describe(FileInode file) {
        return file.isShmem() ? "a shmem object" : "file " + file.name();
    }

    private void report(String fmt, Object... args) {
        if (out.size() < MAX_REPORTS) {
            out.add(String.format(fmt, args));
        } else if (out.size() == MAX_REPORTS) {
            out.add("(more violations not listed)");
        }
    }
}
