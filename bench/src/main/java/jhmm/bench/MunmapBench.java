package jhmm.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/** munmap of a populated range: zap of every entry, the frames freed to the buddy allocator, the VMA gone. */
public class MunmapBench extends RangeState {
    @Setup(Level.Invocation)
    public void setUp() {
        fresh();
        range.mapPopulated();
    }

    @TearDown(Level.Invocation)
    public void tearDown() {
        long rss = range.process.mm().rss();
        if (rss != 0) {
            throw new IllegalStateException("munmap left " + rss + " pages resident");
        }
        release();
    }

    @Benchmark
    public int munmap(Pages counted) {
        counted.pages += pages();
        return check(range.process.munmap(range.addr, range.len), "munmap");
    }
}
