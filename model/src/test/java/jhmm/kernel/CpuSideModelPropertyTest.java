package jhmm.kernel;

import java.util.List;
import jhmm.mm.ThpMode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;

/**
 * Random sequences of CPU-side operations (mmap, stores, loads, munmap, mprotect, madvise,
 * mremap, fork, exit, swapout, migration, THP split, compaction, memory pressure from another
 * process, DMA pins) run on a machine
 * and on {@link RefMemory}, a page-contents model that knows nothing of frames, page tables,
 * THP or swap. Every load must return what the reference says, every call the errno Linux
 * returns, the machine's invariants must hold after every step, and a pinned page must stay
 * mapped where it was pinned (fork copies it for the child, migration and reclaim leave it).
 */
class CpuSideModelPropertyTest {
    enum Op { MMAP, WRITE, READ, MUNMAP, MPROTECT, MADVISE, MREMAP, FORK, EXIT, SWAPOUT, MIGRATE, SPLIT_THP, COMPACT, PRESSURE, PIN, UNPIN }

    /** One operation; its numbers pick the process, addresses, sizes and flags from the state at that point. */
    record Step(Op kind, int a, int b, int c, int d) {}

    record Setup(int ramMiB, ThpMode thp, int file0Pages, int file1Pages, int fileSeed) {}

    @Property(tries = 150, edgeCases = EdgeCasesMode.NONE)
    void cpuSideOperationsMatchTheReference(@ForAll("setups") Setup setup, @ForAll("scripts") List<Step> steps) {
        new CpuSideRun(setup).execute(steps);
    }

    @Provide
    Arbitrary<Setup> setups() {
        return Combinators.combine(
                        Arbitraries.of(64, 96, 128),
                        Arbitraries.frequency(Tuple.of(5, ThpMode.ALWAYS), Tuple.of(3, ThpMode.MADVISE), Tuple.of(2, ThpMode.NEVER)),
                        uniform(1, 700),
                        uniform(1, 700),
                        uniform(0, 1 << 20))
                .as(Setup::new);
    }

    @Provide
    Arbitrary<List<Step>> scripts() {
        Arbitrary<Op> op = Arbitraries.frequency(
                Tuple.of(10, Op.MMAP),
                Tuple.of(18, Op.WRITE),
                Tuple.of(18, Op.READ),
                Tuple.of(5, Op.MUNMAP),
                Tuple.of(6, Op.MPROTECT),
                Tuple.of(12, Op.MADVISE),
                Tuple.of(5, Op.MREMAP),
                Tuple.of(3, Op.FORK),
                Tuple.of(2, Op.EXIT),
                Tuple.of(4, Op.SWAPOUT),
                Tuple.of(4, Op.MIGRATE),
                Tuple.of(3, Op.SPLIT_THP),
                Tuple.of(1, Op.COMPACT),
                Tuple.of(1, Op.PRESSURE),
                Tuple.of(3, Op.PIN),
                Tuple.of(2, Op.UNPIN));
        Arbitrary<Integer> n = uniform(0, Integer.MAX_VALUE);
        return Combinators.combine(op, n, n, n, n).as(Step::new).list().ofMinSize(30).ofMaxSize(60);
    }

    /** Uniform, not biased to small values: the numbers pick among choices with {@code %}. */
    private static Arbitrary<Integer> uniform(int min, int max) {
        return Arbitraries.integers().between(min, max).withDistribution(RandomDistribution.uniform());
    }
}
