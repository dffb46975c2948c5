package jhmm.mm;

/**
 * The readahead state of one open file (struct file's f_ra, a file_ra_state). A mapping's
 * file is opened for its mmap, as a program does (and as {@code jhmm diff} does on the host),
 * so each mmap of a file gets its own; the VMAs that come from that mapping (split, moved,
 * copied by fork) share it. Its identity stands for the open file's: VMAs of two opens of
 * one file never merge.
 */
final class FileRa {
    /** The window readahead last read or set up: its first page and size, in pages. */
    long start;
    int size;
    /** The last pages of the window, whose first carries the PG_readahead mark. */
    int asyncSize;
    /** The folio order the last readahead used (page_cache_async_ra raises it by 2 each time). */
    int order;
    /** Cache misses of mmap faults minus hits (mmap_miss): many more misses turn read-around off. */
    int mmapMiss;
}
