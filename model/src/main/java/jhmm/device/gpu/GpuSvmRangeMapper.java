package jhmm.device.gpu;

import jhmm.base.PageSize;
import jhmm.device.gpu.GpuStats.Counter;
import jhmm.dma.DmaDevice;
import jhmm.dmamap.DmaMapStats;
import jhmm.dmamap.DmaReach;
import jhmm.dmamap.RangeDmaMapper;
import jhmm.mm.Mm;

/**
 * The upstream answer to the 2019 review's call for one common core: a GPU driver's
 * drm_gpusvm get_pages path, through a GPU without VRAM (every page stays in system memory).
 * Ranges from the chunk list under interval notifiers, hmm_range_fault, one DMA mapping per CPU
 * page of the order it reports (a THP is one mapping), a bind that re-checks the pages under
 * the notifier lock; invalidations zap and DMA-unmap, and the device's next access faults
 * again.
 */
public final class GpuSvmRangeMapper implements RangeDmaMapper {
    private final DmaDevice dev;
    private final GpuVm vm;
    private final long leavesBefore;
    private final long flushesBefore;
    private long start;
    private long bytes;
    private GpuAccess kind = GpuAccess.READ;
    private long refaults;

    /** A GPU with the nvidia preset's chunks and batching and no VRAM, mirroring {@code mm} through {@code dev}. */
    public GpuSvmRangeMapper(Mm mm, DmaDevice dev) {
        this.dev = dev;
        this.leavesBefore = dev.iommuLeaves();
        this.flushesBefore = dev.iotlbFlushes();
        GpuDevice gpu = new GpuDevice(dev.name(), GpuConfig.of(GpuPolicy.NVIDIA).withVram(0), mm.system(), dev);
        this.vm = gpu.open(mm);
    }

    @Override
    public int map(long start, int npages, boolean write) {
        this.start = start;
        this.bytes = (long) npages << PageSize.PAGE_SHIFT;
        this.kind = write ? GpuAccess.WRITE : GpuAccess.READ;
        return vm.bindRange(start, bytes, kind);
    }

    @Override
    public long unmap(boolean dirty) {
        return vm.close();
    }

    /** The GPU touches every page: what an invalidation took is faulted and bound again. */
    @Override
    public long deviceAccess() {
        long before = vm.mappedPages();
        if (vm.bindRange(start, bytes, kind) == 0) {
            refaults += vm.mappedPages() - before;
        }
        return reach().mismatches();
    }

    /** A mirror holds nothing: every GPU entry the CPU no longer backs is a violation. */
    @Override
    public DmaReach reach() {
        return new DmaReach(0, vm.svm.staleEntries(Integer.MAX_VALUE));
    }

    @Override
    public DmaMapStats stats() {
        GpuStats s = vm.stats();
        return new DmaMapStats(vm.mappedPages(), s.get(Counter.DMA_MAPS), dev.iommuLeaves() - leavesBefore,
                dev.iotlbFlushes() - flushesBefore, 0, s.get(Counter.INVALIDATIONS), refaults);
    }
}
