package jhmm.phys;

import java.util.List;
import jhmm.testing.Budget;
import jhmm.testing.Races;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Two CPUs store bytes into two different pages at once (neither store a whole-page pattern, so
 * each page's bytes are materialized in the store's bank). Each page must keep its own bytes:
 * in the kernel two pages are two frames, and nothing one CPU writes to one shows up in the
 * other.
 */
class ContentStoreRaceTest {
    public static final class TwoPages {
        private final ContentStore store = new ContentStore(4);

        @Operation
        public void store0() {
            store.write(0, 1, new byte[] {11}, 0, 1);
        }

        @Operation
        public void store1() {
            store.write(1, 1, new byte[] {22}, 0, 1);
        }

        /** Page 1 had bytes before: clearing it gives its bank slot back while page 0 takes one. */
        @Operation
        public void clear1() {
            store.clear(1);
        }

        @Operation
        public int load0() {
            return store.byteAt(0, 1);
        }

        @Operation
        public int load1() {
            return store.byteAt(1, 1);
        }
    }

    @Test
    void storesToTwoPagesAtOnceKeepEachPagesBytes() {
        Races.check(TwoPages.class, Budget.RACE,
                Races.race(TwoPages.class, List.of("store0"), List.of("store1"), List.of("load0", "load1")),
                Races.race(TwoPages.class, List.of("store1", "store0"), List.of("clear1", "store1"), List.of("load0", "load1")));
    }
}
