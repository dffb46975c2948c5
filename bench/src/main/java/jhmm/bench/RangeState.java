package jhmm.bench;

import jhmm.base.PageSize;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.Process;
import jhmm.mm.Mman;
import jhmm.mm.ThpMode;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * What every benchmark here works on: one process of a fresh machine with an anonymous private
 * read-write range of {@link #size} bytes, backed by 4 KiB pages ({@code thp=never}) or by
 * PMD-sized THPs ({@code thp=always}, the range 2 MiB-aligned).
 *
 * <p>The settings below are inherited by the benchmarks: the primary score is the time of one
 * operation over the whole range, the {@code ·pages} score (see {@link Pages}) the time per
 * 4 KiB page. A 1 GiB range needs a machine of 2 GiB, which costs a few tens of MB of heap;
 * the fork gets 4 GiB so that the machines made per invocation never crowd it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgs = {"-Xms4g", "-Xmx4g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public abstract class RangeState {
    /** Page size kind: {@code 4K} or {@code THP}. */
    @Param({"4K", "THP"})
    public String kind;

    /** Range size with an optional K, M or G suffix; a multiple of 2 MiB. */
    @Param({"1G"})
    public String size;

    protected Machine machine;
    protected Process process;
    protected long addr;
    protected long len;

    /** 4 KiB pages in the range: what each result is divided by. */
    public long pages() {
        return len >>> PageSize.PAGE_SHIFT;
    }

    /** A fresh machine with RAM for the range plus 1 GiB, and a process with the range mapped (not populated). */
    protected void mapFresh() {
        len = parseSize(size);
        boolean thp = switch (kind) {
            case "4K" -> false;
            case "THP" -> true;
            default -> throw new IllegalArgumentException("kind must be 4K or THP: " + kind);
        };
        machine = new Machine(MachineConfig.defaults()
                .withRam(len + (1L << 30))
                .withThp(thp ? ThpMode.ALWAYS : ThpMode.NEVER));
        process = machine.createProcess("bench");
        int prot = Mman.PROT_READ | Mman.PROT_WRITE;
        int flags = Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS;
        addr = thp
                ? process.mmapAligned(len, PageSize.PMD_SIZE, prot, flags, null, 0)
                : process.mmap(0, len, prot, flags, null, 0);
        check(addr < 0 ? (int) addr : 0, "mmap");
    }

    /** Write-faults the whole range in. */
    protected int populateWrite() {
        return process.madvise(addr, len, Mman.MADV_POPULATE_WRITE);
    }

    /** Walks the range for read; faults only where nothing is mapped. */
    protected int populateRead() {
        return process.madvise(addr, len, Mman.MADV_POPULATE_READ);
    }

    /** Checks that the range is resident and backed as {@link #kind} says: one THP per 2 MiB, or none. */
    protected void checkBacking() {
        if (process.mm().rss() != pages()) {
            throw new IllegalStateException(kind + " range of " + size + " has " + process.mm().rss() + " pages resident, not " + pages());
        }
        long thps = machine.stats().thpFaultAlloc.get();
        long want = kind.equals("THP") ? len / PageSize.PMD_SIZE : 0;
        if (thps != want) {
            throw new IllegalStateException(kind + " range of " + size + " got " + thps + " THPs, expected " + want);
        }
    }

    protected void release() {
        if (process != null) {
            process.exit();
        }
        machine = null;
        process = null;
    }

    static int check(int ret, String what) {
        if (ret != 0) {
            throw new IllegalStateException(what + " returned " + ret);
        }
        return ret;
    }

    static long parseSize(String s) {
        String t = s.trim().toUpperCase(java.util.Locale.ROOT);
        int shift = switch (t.charAt(t.length() - 1)) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            default -> 0;
        };
        long n = Long.parseLong(shift == 0 ? t : t.substring(0, t.length() - 1)) << shift;
        if (n <= 0 || n % PageSize.PMD_SIZE != 0) {
            throw new IllegalArgumentException("size must be a positive multiple of 2M: " + s);
        }
        return n;
    }
}
