package jhmm.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/** Fault-in for write: MADV_POPULATE_WRITE over a freshly mapped, untouched anonymous range. */
public class FaultInBench extends RangeState {
    @Setup(Level.Invocation)
    public void setUp() {
        fresh();
        range.map();
    }

    @TearDown(Level.Invocation)
    public void tearDown() {
        range.checkBacking();
        release();
    }

    @Benchmark
    public int populateWrite(Pages counted) {
        counted.pages += pages();
        return check(range.populateWrite(), "MADV_POPULATE_WRITE");
    }
}
