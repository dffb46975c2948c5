package jhmm.dma;

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
        return new DmaDevice(name, phys, mask, coherent, iommu ? new IommuDomain() : null, swiotlb);
    }
}
