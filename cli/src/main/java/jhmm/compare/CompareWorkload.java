package jhmm.compare;

import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.dma.DmaDevice;
import jhmm.dma.DmaSystem;
import jhmm.dmamap.DmaMapStats;
import jhmm.dmamap.RangeDmaMapper;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.Process;
import jhmm.mm.Mman;
import jhmm.mm.MmStats;
import jhmm.mm.ThpMode;

/**
 * The workload users compare the paths on: a buffer (THP-backed by default) is written by the
 * process and mapped for a device's DMA; then the kernel compacts memory and the process
 * unmaps a quarter of the buffer and touches it again; then the device reads the whole buffer.
 * Each path runs on a fresh machine.
 */
public final class CompareWorkload {
    private final CompareOptions options;

    public CompareWorkload(CompareOptions options) {
        this.options = options;
    }

    public PathResult run(ComparePath path) {
        long size = options.sizeBytes();
        long ram = Math.max(1L << 30, 2 * size + (512L << 20));
        int hugePages = options.hugetlb() ? (int) (size >>> PageSize.PMD_SHIFT) : 0;
        Machine machine = new Machine(MachineConfig.defaults().withRam(ram)
                .withThp(options.thp() ? ThpMode.ALWAYS : ThpMode.NEVER).withHugetlb(hugePages, 0).withIommu(options.iommu()));
        int flags = Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | (options.hugetlb() ? Mman.MAP_HUGETLB : 0);
        int rw = Mman.PROT_READ | Mman.PROT_WRITE;
        // Another program holds the top of RAM while the buffer is allocated, then exits: the
        // buffer sits low with free memory above it, where compaction wants to move it.
        Process filler = machine.createProcess("filler");
        long fill = ram - size - (256L << 20);
        long f = filler.mmapAligned(fill, PageSize.PMD_SIZE, rw, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        filler.write(f, fill, Pattern.fillByte(1), f);
        Process p = machine.createProcess("app");
        long buf = p.mmapAligned(size, PageSize.PMD_SIZE, rw, flags, null, 0);
        if (buf < 0) {
            throw new IllegalStateException("mmap of the buffer failed: " + jhmm.base.Errno.name(buf));
        }
        p.write(buf, size, Pattern.i32(0), buf);
        filler.exit();
        MmStats stats = machine.stats();
        long faultsBefore = stats.pageFaults.get();
        long blockedBefore = stats.migrateBlockedByRefs.get();
        long compactBlockedBefore = stats.compactBlocked.get();
        DmaDevice dev = new DmaSystem(machine.physicalMemory(), options.iommu()).device("dev", 64, true);
        RangeDmaMapper mapper = path.mapper(p.mm(), dev);
        int npages = (int) (size >>> PageSize.PAGE_SHIFT);
        int ret = mapper.map(buf, npages, true);
        if (ret < 0) {
            throw new IllegalStateException(path.label() + ": mapping the buffer failed: " + jhmm.base.Errno.name(ret));
        }
        long pinsHeld = mapper.stats().pinned();
        if (options.compact()) {
            machine.compact();
        }
        if (options.migrate()) {
            machine.migrate(p, buf, size); // what NUMA balancing or memory offlining would do to the buffer
        }
        if (options.remapQuarter()) {
            long quarter = size / 4;
            p.munmap(buf, quarter);
            p.mmap(buf, quarter, rw, flags | Mman.MAP_FIXED, null, 0);
            p.write(buf, quarter, Pattern.i32(1), buf);
        }
        long stale = mapper.deviceAccess();
        DmaMapStats s = mapper.stats();
        mapper.unmap(true);
        return PathResult.of(path.label(), stats.pageFaults.get() - faultsBefore, s.dmaEntries(), s.iommuEntries(),
                s.iotlbFlushes(), pinsHeld, stats.migrateBlockedByRefs.get() - blockedBefore,
                stats.compactBlocked.get() - compactBlockedBefore,
                s.invalidations(), s.refaults(), stale);
    }
}
