package jhmm.compare;

/**
 * The comparison workload's knobs: buffer size, THP or hugetlb backing, whether devices sit
 * behind an IOMMU, and which kernel activity runs while the buffer is mapped.
 */
public record CompareOptions(long sizeBytes, boolean thp, boolean hugetlb, boolean iommu, boolean compact,
        boolean migrate, boolean remapQuarter) {
    public static final long DEFAULT_SIZE = 1L << 30;

    public static CompareOptions defaults() {
        return new CompareOptions(DEFAULT_SIZE, true, false, true, true, true, true);
    }
}
