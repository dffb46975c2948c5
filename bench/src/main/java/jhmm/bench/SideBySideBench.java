package jhmm.bench;

import java.util.concurrent.TimeUnit;
import jhmm.perf.Kind;
import jhmm.perf.Operation;
import jhmm.perf.RangeOp;
import jhmm.perf.RangeSize;
import jhmm.perf.host.HostSupport;
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
 * The five operations of {@code jhmm bench} under JMH, model side and host side: each
 * {@code op} × {@code kind} × {@code side} is a {@link RangeOp} of the perf module, set up per
 * trial, with its {@code prepare} before and {@code finish} (its checks) after every timed
 * call, outside the measured time. The host side needs a host that {@link HostSupport}
 * accepts; elsewhere its trials fail with the reason and the others go on.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgs = {"-Xms4g", "-Xmx4g", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SideBySideBench {
    /** The operation, as {@code jhmm bench --ops} names it. */
    @Param({"snapshot", "fault-in", "pin", "populate-read", "mprotect", "munmap"})
    public String op;

    /** {@code model} or {@code host}. */
    @Param({"model", "host"})
    public String side;

    /** Page size kind: {@code 4K} or {@code THP}. */
    @Param({"4K", "THP"})
    public String kind;

    /** Range size with a K, M or G suffix; a multiple of 2 MiB. */
    @Param({"1G"})
    public String size;

    private RangeOp range;

    @Setup(Level.Trial)
    public void open() {
        Operation operation = Operation.parse(op);
        Kind k = Kind.parse(kind);
        long len = RangeSize.parse(size);
        range = switch (side) {
            case "model" -> operation.model(k, len);
            case "host" -> {
                String why = operation.hostMissing(HostSupport.probe(), k, len);
                if (why != null) {
                    throw new IllegalStateException("host side unavailable: " + why);
                }
                yield operation.host(k, len);
            }
            default -> throw new IllegalArgumentException("side must be model or host: " + side);
        };
    }

    @Setup(Level.Invocation)
    public void prepare() {
        range.prepare();
    }

    @TearDown(Level.Invocation)
    public void finish() {
        range.finish();
    }

    @TearDown(Level.Trial)
    public void close() {
        range.close();
        range = null;
    }

    @Benchmark
    public void operation(Pages counted) {
        counted.pages += range.pages();
        range.run();
    }
}
