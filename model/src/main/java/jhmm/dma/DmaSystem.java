package jhmm.dma;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import jhmm.phys.PhysicalMemory;

/**
 * The machine's DMA setup: with {@code iommu=on} every device gets its own IOMMU domain; with
 * it off, addresses are physical and one swiotlb pool serves every device.
 */
public final class DmaSystem {
    /** Frames in the swiotlb pool (the kernel's default is 64 MiB). */
    static final int SWIOTLB_SLOTS = 16384;
    private final PhysicalMemory phys;
    private final boolean iommu;
    private final Swiotlb swiotlb;
    /** Every device made here, so that a test can ask at its end what is still mapped. */
    private final List<DmaDevice> devices = new CopyOnWriteArrayList<>();

    public DmaSystem(PhysicalMemory phys, boolean iommu) {
        this.phys = phys;
        this.iommu = iommu;
        this.swiotlb = new Swiotlb(phys, SWIOTLB_SLOTS);
    }

    public boolean iommu() {
        return iommu;
    }

    /** A device with a DMA mask of {@code maskBits} bits. */
    public DmaDevice device(String name, int maskBits, boolean coherent) {
        long mask = maskBits >= 64 ? -1L >>> 1 : (1L << maskBits) - 1;
        DmaDevice dev = new DmaDevice(name, phys, mask, coherent, iommu ? new IommuDomain() : null, swiotlb);
        devices.add(dev);
        return dev;
    }

    /**
     * What a driver left behind, one line per problem: mappings still live on a device (a
     * driver unmaps before it lets go of the pages) and each device's misuse seen so far.
     */
    public List<String> leaks() {
        List<String> out = new ArrayList<>();
        for (DmaDevice dev : devices) {
            int live = dev.liveMappings();
            if (live > 0) {
                out.add(String.format("%s: %d DMA mappings still live", dev.name(), live));
            }
            out.addAll(dev.violations());
        }
        return out;
    }
}
