package jhmm.compare;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The reading under the comparison table says what the figures show, from the figures. */
class CompareReadingTest {
    private static PathResult path(String name, long pins, long compactBlocked, long migrateBlocked, long invalidations,
            long refaults, long stale, long dmaEntries) {
        return PathResult.of(name, 8, dmaEntries, dmaEntries, 0, pins, migrateBlocked, compactBlocked, invalidations, refaults, stale);
    }

    @Test
    void pinsAndMirrorsAreReadApartAndTheCheapestNamed() {
        List<String> reading = CompareReading.of(List.of(
                path("gup", 512, 1, 2, 0, 0, 128, 1),
                path("mirror", 0, 0, 0, 3, 512, 0, 2),
                path("other-mirror", 0, 0, 0, 3, 256, 0, 2)));
        assertThat(reading).containsExactly(
                "gup pin the buffer (512 pages), so compaction could not move 1 folio of it and migrations failed on 2 folios"
                        + " (compaction's attempts included); the device then reached 128 pages that the process no longer maps there (stale).",
                "mirror and other-mirror pin nothing: instead they received 3 invalidations and re-faulted 512 and 256 pages"
                        + " respectively; the device never reached a page the process no longer maps.",
                "Fewest DMA entries: gup (1); fewest IOMMU leaves: gup (1).");
    }

    @Test
    void aFigureNotMeasuredIsSaidSoNotCountedAsZero() {
        PathResult pinned = path("gup", 512, 0, 0, 0, 0, 0, 1).notMeasured(PathResult.AFTER_REMAP, "remap ENOMEM");
        assertThat(CompareReading.of(List.of(pinned, path("mirror", 0, 0, 0, 1, 512, 0, 4)))).containsExactly(
                "gup pin the buffer (512 pages); whether the device went stale was not measured (remap ENOMEM).",
                "mirror pin nothing: instead it received 1 invalidation and re-faulted 512 pages; the device never reached"
                        + " a page the process no longer maps.");
    }
}
