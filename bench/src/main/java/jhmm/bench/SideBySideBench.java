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
 * The five operations of {@code jhmm bench} under JMH, model side and host side, each a
 * {@link RangeOp} of the perf module: {@code prepare} before and {@code finish} (its checks)
 * after every timed call, outside the measured time. The host side needs a Linux host that
 * {@link HostSupport} accepts; elsewhere its trial fails with the reason.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgs = {"-Xms4g", "-Xmx4g", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SideBySideBench {
    /** One side of one operation over one range, set up per trial. */
    @State(Scope.Thread)
    public abstract static class Side {
        /** {@code model} or {@code host}. */
        @Param({"model", "host"})
        public String side;

        /** Page size kind: {@code 4K} or {@code THP}. */
        @Param({"4K", "THP"})
        public String kind;

        /** Range size with a K, M or G suffix; a multiple of 2 MiB. */
        @Param({"1G"})
        public String size;

        RangeOp op;

        abstract Operation operation();

        @Setup(Level.Trial)
        public void open() {
            Kind k = Kind.parse(kind);
            long len = RangeSize.parse(size);
            op = switch (side) {
                case "model" -> operation().model(k, len);
                case "host" -> {
                    String why = HostSupport.probe().reason(k);
                    if (why != null) {
                        throw new IllegalStateException("host side unavailable: " + why);
                    }
                    yield operation().host(k, len);
                }
                default -> throw new IllegalArgumentException("side must be model or host: " + side);
            };
        }

        @Setup(Level.Invocation)
        public void prepare() {
            op.prepare();
        }

        @TearDown(Level.Invocation)
        public void finish() {
            op.finish();
        }

        @TearDown(Level.Trial)
        public void close() {
            op.close();
            op = null;
        }

        /** The timed call, its pages counted for the {@code :pages} line. */
        void run(Pages counted) {
            counted.pages += op.pages();
            op.run();
        }
    }

    public static class Snapshot extends Side {
        @Override
        Operation operation() {
            return Operation.SNAPSHOT;
        }
    }

    public static class FaultIn extends Side {
        @Override
        Operation operation() {
            return Operation.FAULT_IN;
        }
    }

    public static class PresentWalk extends Side {
        @Override
        Operation operation() {
            return Operation.PRESENT_WALK;
        }
    }

    public static class Mprotect extends Side {
        @Override
        Operation operation() {
            return Operation.MPROTECT;
        }
    }

    public static class Munmap extends Side {
        @Override
        Operation operation() {
            return Operation.MUNMAP;
        }
    }

    @Benchmark
    public void snapshot(Snapshot s, Pages counted) {
        s.run(counted);
    }

    @Benchmark
    public void faultIn(FaultIn s, Pages counted) {
        s.run(counted);
    }

    @Benchmark
    public void presentWalk(PresentWalk s, Pages counted) {
        s.run(counted);
    }

    @Benchmark
    public void mprotect(Mprotect s, Pages counted) {
        s.run(counted);
    }

    @Benchmark
    public void munmap(Munmap s, Pages counted) {
        s.run(counted);
    }
}
