package jhmm.phys;

/**
 * Memory sections, as SPARSEMEM keeps struct pages (x86-64: 128 MiB a section): per-frame state
 * lives in one array per section, and memory added later (memremap_pages of device memory)
 * comes as new sections, starting at a section boundary, while the existing sections stay where
 * they are. So a thread updating a frame while a device adds memory never writes into a copy
 * that is then thrown away: only the short array of section pointers is replaced, and a reader
 * still holding the old one finds the very same sections in it.
 */
final class Sections {
    static final int SHIFT = 15;
    static final int SIZE = 1 << SHIFT;
    static final int MASK = SIZE - 1;

    private Sections() {}

    /** Sections that frames [0, frames) span. */
    static int count(int frames) {
        return (int) (((long) frames + MASK) >>> SHIFT);
    }

    /** Frames of {@code section} that exist when the frames end at {@code end}. */
    static int length(int section, int end) {
        return Math.min(SIZE, end - (section << SHIFT));
    }

    /** The first frame of the section after the one {@code end - 1} is in: where added memory starts. */
    static int boundaryAfter(int end) {
        long next = ((long) end + MASK) & ~(long) MASK;
        if (next > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("no room for more frames after " + end);
        }
        return (int) next;
    }
}
