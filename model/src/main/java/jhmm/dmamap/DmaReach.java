package jhmm.dmamap;

import java.util.List;

/**
 * Where a range's DMA addresses lead now, next to what the process maps. {@code stale}: pages
 * the device reaches though the process no longer maps them at that address, but which the
 * mapper holds (pinned or referenced): the device reads or writes a page the process cannot
 * see, which is safe (the frame cannot be freed or reused) and is what pinning means.
 * {@code violations}: pages the device reaches that the process does not map there and the
 * mapper does not hold: a frame that may have been freed or reused, so DMA after free.
 */
public record DmaReach(long stale, List<String> violations) {
    /** Every page the device would reach other than the one the process maps there. */
    public long mismatches() {
        return stale + violations.size();
    }
}
