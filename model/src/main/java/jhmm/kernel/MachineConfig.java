package jhmm.kernel;

import jhmm.mm.MmTunables;
import jhmm.mm.ShmemThpMode;
import jhmm.mm.ThpDefrag;
import jhmm.mm.ThpMode;

/**
 * What the scenario's {@code machine} line sets: RAM size, THP policy, boot-time hugetlb pools,
 * swap size, whether devices sit behind an IOMMU, and the host kernel's other mm settings the
 * model follows (see {@link MmTunables}). Defaults are the latest kernel's.
 */
public record MachineConfig(long ramBytes, ThpMode thp, int hugetlb2m, int hugetlb1g, long swapBytes, boolean iommu,
        ThpDefrag thpDefrag, boolean thpZeroPage, int maxPtesNone, ShmemThpMode shmemThp, int faultAroundBytes,
        boolean thpSplitZero) {
    public static final long DEFAULT_RAM = 1L << 30;

    /** The first six settings; the others take the latest kernel's defaults. */
    public MachineConfig(long ramBytes, ThpMode thp, int hugetlb2m, int hugetlb1g, long swapBytes, boolean iommu) {
        this(ramBytes, thp, hugetlb2m, hugetlb1g, swapBytes, iommu, MmTunables.defaults());
    }

    private MachineConfig(long ramBytes, ThpMode thp, int hugetlb2m, int hugetlb1g, long swapBytes, boolean iommu, MmTunables t) {
        this(ramBytes, thp, hugetlb2m, hugetlb1g, swapBytes, iommu,
                t.thpDefrag(), t.thpZeroPage(), t.maxPtesNone(), t.shmemThp(), t.faultAroundBytes(), t.thpSplitZero());
    }

    public static MachineConfig defaults() {
        return new MachineConfig(DEFAULT_RAM, ThpMode.MADVISE, 0, 0, 0, true);
    }

    /** The settings the mm layer acts on; throws IllegalArgumentException for values the kernel refuses. */
    public MmTunables tunables() {
        return new MmTunables(thp, thpDefrag, thpZeroPage, maxPtesNone, shmemThp, faultAroundBytes, thpSplitZero);
    }

    public MachineConfig withRam(long bytes) {
        return new MachineConfig(bytes, thp, hugetlb2m, hugetlb1g, swapBytes, iommu, tunables());
    }

    public MachineConfig withThp(ThpMode mode) {
        return new MachineConfig(ramBytes, mode, hugetlb2m, hugetlb1g, swapBytes, iommu, tunables());
    }

    public MachineConfig withHugetlb(int pages2m, int pages1g) {
        return new MachineConfig(ramBytes, thp, pages2m, pages1g, swapBytes, iommu, tunables());
    }

    public MachineConfig withSwap(long bytes) {
        return new MachineConfig(ramBytes, thp, hugetlb2m, hugetlb1g, bytes, iommu, tunables());
    }

    public MachineConfig withIommu(boolean on) {
        return new MachineConfig(ramBytes, thp, hugetlb2m, hugetlb1g, swapBytes, on, tunables());
    }

    public MachineConfig withThpDefrag(ThpDefrag defrag) {
        return with(new MmTunables(thp, defrag, thpZeroPage, maxPtesNone, shmemThp, faultAroundBytes, thpSplitZero));
    }

    public MachineConfig withThpZeroPage(boolean on) {
        return with(new MmTunables(thp, thpDefrag, on, maxPtesNone, shmemThp, faultAroundBytes, thpSplitZero));
    }

    public MachineConfig withMaxPtesNone(int n) {
        return with(new MmTunables(thp, thpDefrag, thpZeroPage, n, shmemThp, faultAroundBytes, thpSplitZero));
    }

    public MachineConfig withShmemThp(ShmemThpMode mode) {
        return with(new MmTunables(thp, thpDefrag, thpZeroPage, maxPtesNone, mode, faultAroundBytes, thpSplitZero));
    }

    public MachineConfig withFaultAroundBytes(int bytes) {
        return with(new MmTunables(thp, thpDefrag, thpZeroPage, maxPtesNone, shmemThp, bytes, thpSplitZero));
    }

    public MachineConfig withThpSplitZero(boolean on) {
        return with(new MmTunables(thp, thpDefrag, thpZeroPage, maxPtesNone, shmemThp, faultAroundBytes, on));
    }

    private MachineConfig with(MmTunables t) {
        return new MachineConfig(ramBytes, t.thp(), hugetlb2m, hugetlb1g, swapBytes, iommu, t);
    }
}
