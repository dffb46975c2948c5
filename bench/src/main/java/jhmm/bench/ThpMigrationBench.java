package jhmm.bench;

import java.util.concurrent.TimeUnit;
import jhmm.selftest.ThpMigrationRun;
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
 * The kernel selftest {@code benchmark_thp_migration} (hmm-tests.md T37) under JMH: the test
 * device's HMM_DMIRROR_MIGRATE_TO_DEV and HMM_DMIRROR_MIGRATE_TO_SYS of a whole buffer of
 * {@code size} bytes (T = 2 MiB), mapped anonymous read-write without alignment and advised
 * {@code MADV_HUGEPAGE} or {@code MADV_NOHUGEPAGE}, ints filled with {@code index & 0xFF},
 * one warm-up round trip ({@link ThpMigrationRun}). Each trial sets a buffer up once; before
 * every timed call an untimed call in the other direction puts the buffer where the timed one
 * expects it. Every call must return 0.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgs = {"-Xms4g", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ThpMigrationBench {
    /** A buffer of the kernel test, set up per trial. */
    @State(Scope.Thread)
    public abstract static class Buffer {
        /** The kernel test's sizes: T/4, T/2, T, 2T, 4T, 8T, 128T; also bytes with K/M/G. */
        @Param({"T/4", "T/2", "T", "2T", "4T", "8T", "128T"})
        public String size;

        /** The advice on the mapping: {@code HUGEPAGE} (THP) or {@code NOHUGEPAGE} (4 KiB pages). */
        @Param({"HUGEPAGE", "NOHUGEPAGE"})
        public String madvise;

        ThpMigrationRun run;
        boolean onDevice;

        @Setup(Level.Trial)
        public void setUp() {
            boolean thp = switch (madvise) {
                case "HUGEPAGE" -> true;
                case "NOHUGEPAGE" -> false;
                default -> throw new IllegalArgumentException("madvise must be HUGEPAGE or NOHUGEPAGE: " + madvise);
            };
            run = new ThpMigrationRun(ThpMigrationRun.kernelSize(size), thp);
            long want = thp ? run.size() / ThpMigrationRun.THP_SIZE : 0;
            if (run.thpsFaulted() != want) {
                throw new IllegalStateException(madvise + " buffer of " + size + " got " + run.thpsFaulted() + " THPs, expected " + want);
            }
            onDevice = false;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            run.close();
            run = null;
        }

        void place(boolean device) {
            if (onDevice != device) {
                if (device) {
                    run.toDevice();
                } else {
                    run.toSystem();
                }
                onDevice = device;
            }
        }
    }

    /** The buffer in system memory before each call. */
    public static class OnSystem extends Buffer {
        @Setup(Level.Invocation)
        public void toSystem() {
            place(false);
        }
    }

    /** The buffer in device memory before each call. */
    public static class OnDevice extends Buffer {
        @Setup(Level.Invocation)
        public void toDevice() {
            place(true);
        }
    }

    @Benchmark
    public void migrateToDev(OnSystem b, Pages counted) {
        counted.pages += b.run.pages();
        b.run.toDevice();
        b.onDevice = true;
    }

    @Benchmark
    public void migrateToSys(OnDevice b, Pages counted) {
        counted.pages += b.run.pages();
        b.run.toSystem();
        b.onDevice = false;
    }
}
