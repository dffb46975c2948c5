package jhmm.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The GUP-style walk of a populated range: MADV_POPULATE_READ finds every page present and
 * faults nothing, so it measures the per-page lookup through the page table. The range is
 * populated once per trial; the walk changes no state that a later walk would see.
 */
public class WalkBench extends RangeState {
    private long faultsAfterPopulate;

    @Setup(Level.Trial)
    public void setUp() {
        fresh();
        range.mapPopulated();
        faultsAfterPopulate = range.faults();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        long faults = range.faults() - faultsAfterPopulate;
        if (faults != 0) {
            throw new IllegalStateException("the walks took " + faults + " faults");
        }
        release();
    }

    @Benchmark
    public int populateRead(Pages counted) {
        counted.pages += pages();
        return check(range.populateRead(), "MADV_POPULATE_READ");
    }
}
