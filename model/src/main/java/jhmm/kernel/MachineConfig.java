package jhmm.kernel;

import jhmm.mm.ThpMode;

/**
 * What the scenario's {@code machine} line sets: RAM size, THP policy, boot-time hugetlb pools,
 * swap size and whether devices sit behind an IOMMU.
 */
public record MachineConfig(long ramBytes, ThpMode thp, int hugetlb2m, int hugetlb1g, long swapBytes, boolean iommu) {
    public static final long DEFAULT_RAM = 1L << 30;

    public static MachineConfig defaults() {
        return new MachineConfig(DEFAULT_RAM, ThpMode.MADVISE, 0, 0, 0, true);
    }

    public MachineConfig withRam(long bytes) {
        return new MachineConfig(bytes, thp, hugetlb2m, hugetlb1g, swapBytes, iommu);
    }

    public MachineConfig withThp(ThpMode mode) {
        return new MachineConfig(ramBytes, mode, hugetlb2m, hugetlb1g, swapBytes, iommu);
    }

    public MachineConfig withHugetlb(int pages2m, int pages1g) {
        return new MachineConfig(ramBytes, thp, pages2m, pages1g, swapBytes, iommu);
    }

    public MachineConfig withSwap(long bytes) {
        return new MachineConfig(ramBytes, thp, hugetlb2m, hugetlb1g, bytes, iommu);
    }

    public MachineConfig withIommu(boolean on) {
        return new MachineConfig(ramBytes, thp, hugetlb2m, hugetlb1g, swapBytes, on);
    }
}
