package jhmm.bench;

import jhmm.base.PageSize;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.Process;
import jhmm.mm.Mman;
import jhmm.mm.ThpMode;

/**
 * Heap bytes per resident simulated 4 KiB page: the heap a machine and one fully populated
 * anonymous range add, divided by the pages resident. The machine has RAM for the range plus
 * {@value #SPARE_RAM_MIB} MiB, so the frames it never hands out weigh little in the figure.
 *
 * <p>Run with {@code java -cp bench/target/benchmarks.jar jhmm.bench.HeapPerPage 4K|THP SIZE},
 * SIZE as the benchmarks take it ({@code 1G}, {@code 64G}); with {@code -Xmx2g} it shows
 * whether a machine of that size, all of it populated, fits in a 2 GiB heap.
 */
public final class HeapPerPage {
    private static final long SPARE_RAM_MIB = 64;

    private HeapPerPage() {}

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: HeapPerPage 4K|THP SIZE");
            System.exit(2);
        }
        boolean thp = switch (args[0]) {
            case "4K" -> false;
            case "THP" -> true;
            default -> throw new IllegalArgumentException("kind must be 4K or THP: " + args[0]);
        };
        long len = RangeState.parseSize(args[1]);
        long before = usedHeap();
        Machine machine = new Machine(MachineConfig.defaults()
                .withRam(len + (SPARE_RAM_MIB << 20))
                .withThp(thp ? ThpMode.ALWAYS : ThpMode.NEVER));
        Process process = machine.createProcess("heap");
        int prot = Mman.PROT_READ | Mman.PROT_WRITE;
        int flags = Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS;
        long addr = thp
                ? process.mmapAligned(len, PageSize.PMD_SIZE, prot, flags, null, 0)
                : process.mmap(0, len, prot, flags, null, 0);
        RangeState.check(addr < 0 ? (int) addr : 0, "mmap");
        RangeState.check(process.madvise(addr, len, Mman.MADV_POPULATE_WRITE), "MADV_POPULATE_WRITE");
        long resident = process.mm().rss();
        long after = usedHeap();
        System.out.printf("%s %s: %d pages resident, heap %d -> %d bytes, %.2f bytes per resident page%n",
                args[0], args[1], resident, before, after, (after - before) / (double) resident);
        java.lang.ref.Reference.reachabilityFence(machine);
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
