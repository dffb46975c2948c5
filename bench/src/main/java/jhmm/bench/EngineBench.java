package jhmm.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jhmm.sim.engine.Actor;
import jhmm.sim.engine.Engine;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * jhmm sim's event engine in the hold model the design notes measured other engines with: a
 * fixed number of actors pending, each wakeup scheduling its actor again at a random delay.
 * Throughput is wakeups per second; run with {@code -prof gc} to see the bytes per wakeup (the
 * engine allocates none).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EngineBench {
    private static final int EVENTS = 1 << 20;

    @Param({"256", "4096"})
    public int pending;

    /** An actor that schedules itself again until the run's budget of wakeups is spent. */
    static final class Hold implements Actor {
        final SplittableRandom rnd;
        final long[] budget;
        int id;

        Hold(SplittableRandom rnd, long[] budget) {
            this.rnd = rnd;
            this.budget = budget;
        }

        @Override
        public void wake(Engine e) {
            if (--budget[0] > 0) {
                e.schedule(id, e.now() + 1 + rnd.nextInt(1_000_000), 0);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long hold() {
        Engine engine = new Engine();
        SplittableRandom rnd = new SplittableRandom(42);
        long[] budget = {EVENTS};
        for (int i = 0; i < pending; i++) {
            Hold h = new Hold(rnd, budget);
            h.id = engine.register(h);
            engine.schedule(h.id, rnd.nextInt(1_000_000), 0);
        }
        return engine.run();
    }
}
