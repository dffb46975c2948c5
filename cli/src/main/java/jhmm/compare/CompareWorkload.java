package jhmm.compare;

import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.device.rnic.RnicRangeMapper;
import jhmm.dma.DmaDevice;
import jhmm.dma.DmaSystem;
import jhmm.dmamap.DmaMapStats;
import jhmm.dmamap.RangeDmaMapper;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
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

    /** The machine the workload runs on: RAM for the buffer twice over, a pool of exactly the buffer's huge pages. */
    public static MachineConfig machineFor(CompareOptions options) {
        long size = options.sizeBytes();
        long ram = Math.max(1L << 30, 2 * size + (512L << 20));
        int hugePages = options.hugetlb() ? (int) (size >>> PageSize.PMD_SHIFT) : 0;
        return MachineConfig.defaults().withRam(ram)
                .withThp(options.thp() ? ThpMode.ALWAYS : ThpMode.NEVER).withHugetlb(hugePages, 0).withIommu(options.iommu());
    }

    /**
     * Runs the workload through {@code path}. Every call's return is checked: a step the path
     * cannot do (the pinned paths cannot re-map the quarter of a hugetlb buffer, for the
     * pinned huge pages stay allocated and the pool is empty) is recorded, and the figures that
     * step would have changed are reported as not measured, with the reason. What the path
     * pinned is released and checked to be gone before the machine is dropped.
     */
    public PathResult run(ComparePath path) {
        long size = options.sizeBytes();
        Machine machine = new Machine(machineFor(options));
        long ram = machine.config().ramBytes();
        int flags = Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | (options.hugetlb() ? Mman.MAP_HUGETLB : 0);
        int rw = Mman.PROT_READ | Mman.PROT_WRITE;
        // Another program holds the top of RAM while the buffer is allocated, then exits: the
        // buffer sits low with free memory above it, where compaction wants to move it.
        UserProcess filler = machine.createProcess("filler");
        long fill = ram - size - (256L << 20);
        long f = required(filler.mmapAligned(fill, PageSize.PMD_SIZE, rw, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0),
                "mmap of the filler");
        required(filler.write(f, fill, Pattern.fillByte(1), f), "the filler's write");
        UserProcess p = machine.createProcess("app");
        long buf = required(p.mmapAligned(size, PageSize.PMD_SIZE, rw, flags, null, 0), "mmap of the buffer");
        required(p.write(buf, size, Pattern.i32(0), buf), "the write of the buffer");
        filler.exit();
        MmStats stats = machine.stats();
        long faultsBefore = stats.pageFaults.get();
        long blockedBefore = stats.migrateBlockedByRefs.get();
        long compactBlockedBefore = stats.compactBlocked.get();
        DmaDevice dev = new DmaSystem(machine.physicalMemory(), options.iommu()).device("dev", 64, true);
        RangeDmaMapper mapper = path.mapper(p.mm(), dev);
        NicClock clock = mapper instanceof RnicRangeMapper nic ? new NicClock(nic, stats) : null;
        int npages = (int) (size >>> PageSize.PAGE_SHIFT);
        required(mapper.map(buf, npages, true), path.label() + ": mapping the buffer");
        long registrationUs = clock == null ? 0 : clock.registrationUs();
        long pinsHeld = mapper.stats().pinned();
        if (options.compact()) {
            machine.compact(); // returns the pages moved; what pins kept in place is counted in the stats
        }
        if (options.migrate()) {
            // what NUMA balancing or memory offlining would do to the buffer: -EAGAIN for the
            // pages pins keep in place, which the stats count as blocked migrations
            machine.migrate(p, buf, size);
        }
        String remapFailed = options.remapQuarter() ? remapQuarter(p, buf, size / 4, rw, flags) : null;
        if (clock != null) {
            clock.start();
        }
        long stale = remapFailed == null ? mapper.deviceAccess() : 0;
        long readUs = clock == null ? 0 : clock.readUs(size);
        DmaMapStats s = mapper.stats();
        mapper.unmap(true);
        p.exit();
        if (machine.physicalMemory().externalRefs() != 0) {
            throw new IllegalStateException(path.label() + ": " + machine.physicalMemory().externalRefs()
                    + " page references still held after the DMA unmap and the exit");
        }
        PathResult r = PathResult.of(path.label(), stats.pageFaults.get() - faultsBefore, s.dmaEntries(), s.iommuEntries(),
                s.iotlbFlushes(), pinsHeld, stats.migrateBlockedByRefs.get() - blockedBefore,
                stats.compactBlocked.get() - compactBlockedBefore,
                s.invalidations(), s.refaults(), stale);
        if (clock != null) {
            r = r.withNicTimes(registrationUs, readUs);
        }
        return remapFailed == null ? r : r.notMeasured(PathResult.AFTER_REMAP, remapFailed);
    }

    /** Unmaps the buffer's first quarter, maps it again in place and writes it: null, or the step that failed and its errno. */
    private static String remapQuarter(UserProcess p, long buf, long quarter, int rw, int flags) {
        long ret = p.munmap(buf, quarter);
        if (ret == 0) {
            ret = p.mmap(buf, quarter, rw, flags | Mman.MAP_FIXED, null, 0);
            if (ret < 0) {
                return "remap " + Errno.name(ret);
            }
            ret = p.write(buf, quarter, Pattern.i32(1), buf);
            return ret < 0 ? "re-touch " + Errno.name(ret) : null;
        }
        return "munmap " + Errno.name(ret);
    }

    /** {@code ret} when it is no -errno; otherwise the run stops: the workload itself is broken. */
    private static long required(long ret, String what) {
        if (ret < 0) {
            throw new IllegalStateException(what + " failed: " + Errno.name(ret));
        }
        return ret;
    }
}
