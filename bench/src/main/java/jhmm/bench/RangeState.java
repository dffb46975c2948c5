package jhmm.bench;

import java.util.concurrent.TimeUnit;
import jhmm.perf.Kind;
import jhmm.perf.RangeSize;
import jhmm.perf.model.ModelRange;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the model's madvise and munmap benchmarks work on: a {@link ModelRange} of
 * {@link #size} bytes, backed by 4 KiB pages ({@code thp=never}) or by PMD-sized THPs
 * ({@code thp=always}, the range 2 MiB-aligned).
 *
 * <p>The settings below are inherited by the benchmarks: the primary score is the time of one
 * operation over the whole range, the {@code ·pages} score (see {@link Pages}) the time per
 * 4 KiB page. A 1 GiB range needs a machine of about 1 GiB, which costs a few tens of MB of
 * heap; the fork gets 4 GiB so that the machines made per invocation never crowd it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgs = {"-Xms4g", "-Xmx4g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public abstract class RangeState {
    /** Page size kind: {@code 4K} or {@code THP}. */
    @Param({"4K", "THP"})
    public String kind;

    /** Range size with an optional K, M or G suffix; a multiple of 2 MiB. */
    @Param({"1G"})
    public String size;

    protected ModelRange range;

    /** 4 KiB pages in the range: what each result is divided by. */
    public long pages() {
        return range.pages();
    }

    /** A fresh machine for the range, nothing mapped yet. */
    protected void fresh() {
        range = new ModelRange(Kind.parse(kind), RangeSize.parse(size));
    }

    protected void release() {
        if (range != null) {
            range.release();
        }
        range = null;
    }

    static int check(int ret, String what) {
        return ModelRange.check(ret, what);
    }
}
