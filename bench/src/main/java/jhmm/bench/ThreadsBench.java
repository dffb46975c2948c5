package jhmm.bench;

import java.util.concurrent.TimeUnit;
import jhmm.perf.Halves;
import jhmm.perf.RangeSize;
import jhmm.perf.ThreadScaling;
import jhmm.perf.model.ModelHalves;
import jhmm.perf.model.ModelMachinePerHalf;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The model side of {@code jhmm bench threads}: MADV_POPULATE_WRITE + munmap of a range of
 * 4 KiB pages in two halves, from one thread or from two (a half each) of one process. The
 * scaling is the {@code threads=1} score over the {@code threads=2} one; the time includes
 * mapping the range (one VMA), starting the threads and, with {@code unmapTimed=false}, the
 * munmaps the clock of {@code jhmm bench threads} leaves out.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgs = {"-Xms4g", "-Xmx4g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ThreadsBench {
    @Param({"1", "2"})
    public int threads;

    /** {@code shared}: one process; {@code apart}: a machine per half, the control that shares nothing. */
    @Param({"shared", "apart"})
    public String layout = "shared";

    /** {@code false}: only the faults are timed, the munmaps done after the clock stops. */
    @Param({"true", "false"})
    public boolean unmapTimed = true;

    /** Range size with an optional K, M or G suffix; a multiple of 2 MiB. */
    @Param({"1G"})
    public String size;

    private Halves halves;

    @Setup(Level.Trial)
    public void setUp() {
        long len = RangeSize.parse(size);
        halves = layout.equals("apart") ? new ModelMachinePerHalf(len) : new ModelHalves(len);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        halves.close();
    }

    @Benchmark
    public long populateAndUnmapHalves() {
        return ThreadScaling.round(halves, threads, unmapTimed);
    }
}
