package jhmm.hmm.api2019;

import jhmm.base.PageSize;
import jhmm.mm.Vma;

/**
 * struct hmm_range as of 5.2: the range, the caller's entries, the driver's encoding tables
 * ({@code flags} indexed by {@link #FLAG_VALID}..., {@code values} by {@link #VALUE_ERROR}...),
 * request defaults, the slot granularity ({@code pageShift}), the pfn shift of the encoding
 * and the {@code valid} flag the invalidation path clears.
 */
public final class HmmRange {
    public static final int FLAG_VALID = 0;
    public static final int FLAG_WRITE = 1;
    public static final int FLAG_DEVICE_PRIVATE = 2;
    public static final int VALUE_ERROR = 0;
    public static final int VALUE_NONE = 1;
    public static final int VALUE_SPECIAL = 2;

    Hmm hmm;
    Vma vma;
    public long start;
    public long end;
    public final long[] pfns;
    public final long[] flags;
    public final long[] values;
    public long defaultFlags;
    public long pfnFlagsMask = -1L;
    public int pageShift = PageSize.PAGE_SHIFT;
    public int pfnShift;
    volatile boolean valid;

    public HmmRange(long[] pfns, long[] flags, long[] values, int pfnShift) {
        this.pfns = pfns;
        this.flags = flags;
        this.values = values;
        this.pfnShift = pfnShift;
    }

    /** hmm_device_entry_from_pfn: the driver's encoding of a frame number, VALID included. */
    public long encode(long pfn) {
        return (pfn << pfnShift) | flags[FLAG_VALID];
    }

    /** hmm_device_entry_to_pfn: -1 for a sentinel value or an entry without VALID. */
    public long decode(long entry) {
        if (entry == values[VALUE_NONE] || entry == values[VALUE_ERROR] || entry == values[VALUE_SPECIAL]) {
            return -1;
        }
        if ((entry & flags[FLAG_VALID]) == 0) {
            return -1;
        }
        return entry >>> pfnShift;
    }

    public boolean valid() {
        return valid;
    }

    public Hmm hmm() {
        return hmm;
    }

    public Vma vma() {
        return vma;
    }
}
