package jhmm.perf.host;

import jhmm.perf.Kind;

/**
 * An anonymous private read-write range of the host process. For THP the mapping is 2 MiB
 * longer and the range is its 2 MiB-aligned part, advised MADV_HUGEPAGE; for 4K the range is
 * advised MADV_NOHUGEPAGE. The host may still give fewer THPs than asked (fragmented memory,
 * defrag settings): {@link #thpShortfall} says so, and the rows carry it as a note.
 */
final class HostRange {
    private static final long PMD_SIZE = 2L << 20;

    final HostKernel kernel;
    final Kind kind;
    final long len;
    private long base = -1;
    private long mapLen;
    long addr;

    HostRange(HostKernel kernel, Kind kind, long len) {
        this.kernel = kernel;
        this.kind = kind;
        this.len = len;
    }

    long pages() {
        return len >>> 12;
    }

    /** Maps and advises the range (not populated). */
    void map() {
        mapLen = len + (kind.thp() ? PMD_SIZE : 0);
        base = check(kernel.mmap(mapLen, HostKernel.PROT_READ | HostKernel.PROT_WRITE,
                HostKernel.MAP_PRIVATE | HostKernel.MAP_ANONYMOUS | HostKernel.MAP_NORESERVE), "mmap");
        addr = kind.thp() ? (base + PMD_SIZE - 1) & -PMD_SIZE : base;
        check(kernel.madvise(addr, len, kind.thp() ? HostKernel.MADV_HUGEPAGE : HostKernel.MADV_NOHUGEPAGE), "madvise(hugepage advice)");
    }

    int populateWrite() {
        return kernel.madvise(addr, len, HostKernel.MADV_POPULATE_WRITE);
    }

    /** Maps the range and faults all of it in for write; checks it is resident. */
    void mapPopulated(Pagemap pagemap) {
        map();
        check(populateWrite(), "MADV_POPULATE_WRITE");
        checkResident(pagemap);
    }

    void checkResident(Pagemap pagemap) {
        long present = pagemap.presentIn(addr, pages());
        if (present != pages()) {
            throw new IllegalStateException("host " + kind + " range: " + present + " of " + pages() + " pages present");
        }
    }

    /** Null when a THP range is all THPs (or the kind is 4K), else what the host gave. */
    String thpShortfall() {
        if (!kind.thp()) {
            return null;
        }
        long huge = Smaps.anonHugeBytes(addr, addr + len);
        if (huge == len) {
            return null;
        }
        return huge < 0 ? "host THP backing unknown (smaps unreadable)"
                : String.format("host gave %d of %d THPs", huge / PMD_SIZE, len / PMD_SIZE);
    }

    /** Unmaps the whole mapping, padding included. */
    void unmap() {
        if (base >= 0) {
            check(kernel.munmap(base, mapLen), "munmap");
            base = -1;
        }
    }

    static long check(long ret, String what) {
        if (ret < 0) {
            throw new IllegalStateException("host " + what + " failed: errno " + -ret);
        }
        return ret;
    }
}
