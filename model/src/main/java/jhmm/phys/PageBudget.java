package jhmm.phys;

import jhmm.base.ByteSize;
import jhmm.base.PageSize;

/**
 * How many 4 KiB pages (RAM frames, device-memory frames, swap slots and file pages together) one machine
 * of the model may have in a JVM whose maximum heap is {@code maxHeapBytes}, so that a size the
 * JVM cannot hold is refused before anything is allocated instead of ending in an
 * OutOfMemoryError. Two bounds, both exclusive: page frame numbers are ints with room to spare
 * ({@link #MAX_PAGES}, 4096G), and every page costs heap. {@code jhmm bench footprint} measures
 * about 62 bytes for a populated 4 KiB page (frame state, contents, page tables), so a machine
 * plans {@link #BYTES_PER_PAGE} for each of its pages in half of the heap; the other half is
 * left to the run (data read, device page tables, pages whose contents are stored byte by byte).
 */
public record PageBudget(long maxHeapBytes) {
    public static final long MAX_PAGES = 1L << 30;
    public static final int BYTES_PER_PAGE = 64;
    private static final long PAGES_PER_GIB = PageSize.PUD_SIZE / PageSize.PAGE_SIZE;
    private static final long PAGES_PER_MIB = (1L << 20) / PageSize.PAGE_SIZE;

    /** The budget of this JVM, from its maximum heap (-Xmx; the jhmm launcher's JHMM_HEAP). */
    public static PageBudget ofThisJvm() {
        return new PageBudget(Runtime.getRuntime().maxMemory());
    }

    /** The pages a machine must stay below: whole GiB (or MiB, for a tiny heap), so that the bound prints exactly. */
    public long pages() {
        long heapPages = maxHeapBytes / 2 / BYTES_PER_PAGE;
        long unit = heapPages >= PAGES_PER_GIB ? PAGES_PER_GIB : PAGES_PER_MIB;
        return Math.min(MAX_PAGES, heapPages / unit * unit);
    }

    public boolean fits(long pages) {
        return pages >= 0 && pages < pages();
    }

    /**
     * Why {@code what} ({@code ram=4095G}, say), which needs {@code pages} pages, cannot be
     * modelled here: the bound in the units users write, where it comes from, and how to raise
     * it when the heap is what binds.
     */
    public String refusal(String what, long pages) {
        String model = "below " + ByteSize.format(MAX_PAGES * PageSize.PAGE_SIZE) + " in any JVM (page frame numbers are ints)";
        if (pages >= MAX_PAGES || pages() == MAX_PAGES) {
            return what + " is too large: the pages of RAM, swap, device memory and files together must stay " + model;
        }
        long heapNeeded = Math.ceilDiv(pages * BYTES_PER_PAGE * 2, PageSize.PUD_SIZE) + 1;
        return what + " is too large for this JVM: the pages of RAM, swap, device memory and files together must stay below "
                + ByteSize.format(pages() * PageSize.PAGE_SIZE) + " here (the model plans " + BYTES_PER_PAGE
                + " bytes of heap per 4 KiB page, in half of this JVM's maximum heap of " + ByteSize.format(maxHeapBytes)
                + "; JHMM_HEAP=" + heapNeeded + "g would hold it), and " + model;
    }
}
