package jhmm.hmm;

import jhmm.base.PageSize;

/**
 * The entries of {@code hmm_range.hmm_pfns} (include/linux/hmm.h, 6.16+): a PFN in the low
 * bits, flag bits at the top, and a 5-bit map order. The request bits reuse the output bits'
 * positions. 0 means "not present, faultable".
 */
public final class HmmPfn {
    public static final long VALID = 1L << 63;
    public static final long WRITE = 1L << 62;
    public static final long ERROR = 1L << 61;
    /** Sticky: already DMA-mapped by the hmm-dma helpers. */
    public static final long DMA_MAPPED = 1L << 60;
    public static final long P2PDMA = 1L << 59;
    public static final long P2PDMA_BUS = 1L << 58;
    public static final int ORDER_SHIFT = 53;
    public static final long ORDER_MASK = 0x1FL;
    /** Input: the slot must end up VALID. */
    public static final long REQ_FAULT = VALID;
    /** Input: the slot must end up WRITE (with REQ_FAULT). */
    public static final long REQ_WRITE = WRITE;
    /** Bits every output keeps from its input. */
    public static final long INOUT_FLAGS = DMA_MAPPED | P2PDMA | P2PDMA_BUS;
    /** Every bit that is not the PFN. */
    public static final long FLAGS = -1L << ORDER_SHIFT;

    private HmmPfn() {}

    public static int pfn(long entry) {
        return (int) (entry & ~FLAGS);
    }

    public static int order(long entry) {
        return (int) ((entry >>> ORDER_SHIFT) & ORDER_MASK);
    }

    public static long orderBits(int order) {
        return ((long) order & ORDER_MASK) << ORDER_SHIFT;
    }

    public static boolean valid(long entry) {
        return (entry & VALID) != 0;
    }

    public static boolean writable(long entry) {
        return (entry & WRITE) != 0;
    }

    public static boolean error(long entry) {
        return (entry & ERROR) != 0;
    }

    /** PMD_SHIFT - PAGE_SHIFT. */
    public static final int PMD_ORDER = PageSize.PMD_ORDER;
    /** PUD_SHIFT - PAGE_SHIFT. */
    public static final int PUD_ORDER = PageSize.PUD_ORDER;
}
