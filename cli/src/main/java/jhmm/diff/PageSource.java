package jhmm.diff;

/**
 * Where one side of a diff shows its pages, in the kernel's own formats: the model through
 * {@link jhmm.mm.ProcPagemap}, the host through its /proc files. Addresses are the model's.
 */
public interface PageSource {
    /** pagemap entries of {@code pages} pages from {@code addr} in {@code process}. */
    long[] pagemap(String process, long addr, int pages);

    /** PAGEMAP_SCAN categories of the same pages. */
    int[] categories(String process, long addr, int pages);

    /** The kpageflags word of a frame this side showed in a pagemap entry. */
    long kpageflags(long pfn);

    /** False when this side cannot show frame numbers (the host without root): sharing and THP go unseen. */
    boolean framesVisible();
}
