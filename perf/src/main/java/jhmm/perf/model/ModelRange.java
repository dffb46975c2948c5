package jhmm.perf.model;

import jhmm.base.PageSize;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import jhmm.mm.ThpMode;
import jhmm.perf.Kind;

/**
 * One process of a machine of its own with an anonymous private read-write range: backed by
 * 4 KiB pages ({@code thp=never}) or by PMD-sized THPs ({@code thp=always}, the mapping
 * 2 MiB-aligned). The machine has RAM for the range plus {@link #MARGIN}, so a range can be
 * mapped, populated and unmapped again and again on it.
 */
public final class ModelRange {
    /** RAM beyond the range: the zero pages and the allocator's slack; page tables live on the heap. */
    public static final long MARGIN = 64L << 20;

    public final Kind kind;
    public final long len;
    public final Machine machine;
    public final UserProcess process;
    public long addr = -1;
    private long thpsAtMap;

    public ModelRange(Kind kind, long len) {
        this.kind = kind;
        this.len = len;
        this.machine = new Machine(MachineConfig.defaults()
                .withRam(len + MARGIN)
                .withThp(kind.thp() ? ThpMode.ALWAYS : ThpMode.NEVER));
        this.process = machine.createProcess("perf");
    }

    /** 4 KiB pages in the range. */
    public long pages() {
        return len >>> PageSize.PAGE_SHIFT;
    }

    /** Maps the range (not populated). */
    public void map() {
        int prot = Mman.PROT_READ | Mman.PROT_WRITE;
        int flags = Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS;
        addr = kind.thp()
                ? process.mmapAligned(len, PageSize.PMD_SIZE, prot, flags, null, 0)
                : process.mmap(0, len, prot, flags, null, 0);
        check(addr < 0 ? (int) addr : 0, "mmap");
        thpsAtMap = machine.stats().thpFaultAlloc.get();
    }

    /** Write-faults the whole range in with MADV_POPULATE_WRITE. */
    public int populateWrite() {
        return process.madvise(addr, len, Mman.MADV_POPULATE_WRITE);
    }

    /** Walks the range for read with MADV_POPULATE_READ; faults only where nothing is mapped. */
    public int populateRead() {
        return process.madvise(addr, len, Mman.MADV_POPULATE_READ);
    }

    /** Maps the range and populates it for write, checked. */
    public void mapPopulated() {
        map();
        check(populateWrite(), "MADV_POPULATE_WRITE");
        checkBacking();
    }

    /** Checks that the range is resident and backed as {@link #kind} says: one THP per 2 MiB since it was mapped, or none. */
    public void checkBacking() {
        long rss = process.mm().rss();
        if (rss != pages()) {
            throw new IllegalStateException("model " + kind + " range: " + rss + " pages resident, not " + pages());
        }
        long thps = machine.stats().thpFaultAlloc.get() - thpsAtMap;
        long want = kind.thp() ? len / PageSize.PMD_SIZE : 0;
        if (thps != want) {
            throw new IllegalStateException("model " + kind + " range got " + thps + " THPs, expected " + want);
        }
    }

    /** Page faults taken on the machine so far. */
    public long faults() {
        return machine.stats().pageFaults.get();
    }

    /** Checks that {@code what} (a walk or a pin of the populated range) took no fault since {@link #faults} was {@code before}. */
    public void checkNoFaultSince(long before, String what) {
        if (faults() != before) {
            throw new IllegalStateException(what + " faulted " + (faults() - before) + " times");
        }
    }

    /** Checks that no pin or reference taken by {@code what} is left. */
    public void checkNoExternalRefs(String what) {
        long refs = machine.physicalMemory().externalRefs();
        if (refs != 0) {
            throw new IllegalStateException(what + " left " + refs + " external references");
        }
    }

    public void unmap() {
        check(process.munmap(addr, len), "munmap");
    }

    /** The process exits: every page freed. */
    public void release() {
        process.exit();
    }

    /** {@code ret} when 0, else an IllegalStateException naming {@code what}. */
    public static int check(int ret, String what) {
        if (ret != 0) {
            throw new IllegalStateException(what + " returned " + ret);
        }
        return ret;
    }
}
