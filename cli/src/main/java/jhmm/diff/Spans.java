package jhmm.diff;

import jhmm.scenario.SizeWords;

/**
 * Ranges inside a mapping, and now and then past its end: both sides must then fail the same
 * way (ENOMEM, EFAULT...), which is as interesting as a success.
 */
final class Spans {
    static final long MAX_READ = 64 << 10;
    private static final double PAST_END = 0.1;

    private final Dice dice;

    Spans(Dice dice) {
        this.dice = dice;
    }

    /** Page-aligned, as mprotect, madvise and munmap need. */
    Span pages(MappingShape m) {
        long pages = m.pages();
        long first = dice.between(0, pages - 1);
        if (dice.chance(PAST_END)) {
            return new Span(first * SizeWords.PAGE, dice.pages(pages - first + 1, pages - first + 4));
        }
        return new Span(first * SizeWords.PAGE, dice.pages(1, pages - first));
    }

    /** Byte-granular, mostly page-aligned, no longer than {@code maxLen}, for read and write. */
    Span bytes(MappingShape m, long maxLen) {
        long off = dice.pages(0, m.pages() - 1);
        if (dice.chance(0.2)) {
            off += dice.chance(0.7) ? 4 * dice.between(1, 1023) : dice.between(1, 4095);
        }
        long room = Math.max(1, m.size() - off);
        long limit = dice.chance(PAST_END) ? maxLen : Math.min(room, maxLen);
        if (limit >= SizeWords.PAGE && dice.chance(0.5)) {
            return new Span(off, dice.pages(1, limit / SizeWords.PAGE));
        }
        return new Span(off, dice.between(1, dice.chance(0.5) ? Math.min(limit, SizeWords.PAGE) : limit));
    }
}
