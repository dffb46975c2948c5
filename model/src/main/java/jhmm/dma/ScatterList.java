package jhmm.dma;

import java.util.ArrayList;
import java.util.List;
import jhmm.base.PageSize;

/**
 * A scatter-gather table (struct sg_table): entries of physically contiguous frames, built
 * from a page array the way sg_alloc_table_from_pages merges neighbours; after dma_map_sg each
 * DMA segment has an address and a length.
 */
public final class ScatterList {
    /** One entry: {@code pages} frames from {@code pfn}. */
    public record Entry(int pfn, int pages) {}

    /** One DMA segment after mapping. */
    public record Segment(long dmaAddress, long length) {}

    private final List<Entry> entries = new ArrayList<>();
    final List<Segment> segments = new ArrayList<>();
    /** Where each entry went (bounce frame, or the IOVA of the whole list), for unmapping. */
    final List<Long> entryDma = new ArrayList<>();
    long iova = -1;
    long iovaSize;

    /** sg_alloc_table_from_pages: contiguous frames become one entry. */
    public static ScatterList fromPages(int[] pages, int n) {
        ScatterList sg = new ScatterList();
        for (int i = 0; i < n; ) {
            int j = i + 1;
            while (j < n && pages[j] == pages[j - 1] + 1) {
                j++;
            }
            sg.entries.add(new Entry(pages[i], j - i));
            i = j;
        }
        return sg;
    }

    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    public List<Segment> segments() {
        return List.copyOf(segments);
    }

    long totalBytes() {
        long total = 0;
        for (Entry e : entries) {
            total += (long) e.pages() << PageSize.PAGE_SHIFT;
        }
        return total;
    }
}
