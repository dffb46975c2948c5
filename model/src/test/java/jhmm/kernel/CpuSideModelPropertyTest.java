package jhmm.kernel;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;
import java.util.stream.LongStream;
import jhmm.mm.ThpMode;
import jhmm.testing.Budget;
import jhmm.testing.Choices;
import jhmm.testing.FuzzChoices;
import jhmm.testing.RandomChoices;
import jhmm.testing.Shrinker;
import jhmm.testing.Step;
import jhmm.testing.Tries;
import jhmm.testing.Weighted;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random sequences of CPU-side operations (mmap, stores, loads, munmap, mprotect, madvise,
 * mremap, fork, exit, swapout, migration, THP split, compaction, memory pressure from another
 * process, DMA pins) run on a machine
 * and on {@link RefMemory}, a page-contents model that knows nothing of frames, page tables,
 * THP or swap. Every load must return what the reference says, every call the errno Linux
 * returns, the machine's invariants must hold after every step, and a pinned page must stay
 * mapped where it was pinned (fork copies it for the child, migration and reclaim leave it).
 *
 * <p>Checked two ways on one generator: fresh random tries in every build (shrunk when one
 * fails; {@link Budget#CPU_SIDE_TRIES} of them), and Jazzer on the committed inputs (fuzzing
 * with {@code JAZZER_FUZZ=1}, see docs/testing.md).
 */
class CpuSideModelPropertyTest {
    enum Op { MMAP, WRITE, READ, MUNMAP, MPROTECT, MADVISE, MREMAP, FORK, EXIT, SWAPOUT, MIGRATE, SPLIT_THP, COMPACT, PRESSURE, PIN, UNPIN }

    record Setup(int ramMiB, ThpMode thp, int file0Pages, int file1Pages, int fileSeed) {}

    private static final int TRIES = Budget.CPU_SIDE_TRIES.get();
    private static final int[] RAM_MIB = {64, 96, 128};
    private static final Weighted<ThpMode> THP = new Weighted<ThpMode>()
            .with(5, ThpMode.ALWAYS)
            .with(3, ThpMode.MADVISE)
            .with(2, ThpMode.NEVER);
    private static final Weighted<Op> OPS = new Weighted<Op>()
            .with(10, Op.MMAP)
            .with(18, Op.WRITE)
            .with(18, Op.READ)
            .with(5, Op.MUNMAP)
            .with(6, Op.MPROTECT)
            .with(12, Op.MADVISE)
            .with(5, Op.MREMAP)
            .with(3, Op.FORK)
            .with(2, Op.EXIT)
            .with(4, Op.SWAPOUT)
            .with(4, Op.MIGRATE)
            .with(3, Op.SPLIT_THP)
            .with(1, Op.COMPACT)
            .with(1, Op.PRESSURE)
            .with(3, Op.PIN)
            .with(2, Op.UNPIN);

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void cpuSideOperationsMatchTheReferenceOnRandomScripts(long seed) {
        Choices choices = new RandomChoices(seed);
        Shrinker.check(seed, setup(choices), script(choices), CpuSideModelPropertyTest::run, Step::simpler);
    }

    @FuzzTest
    void cpuSideOperationsMatchTheReference(FuzzedDataProvider data) {
        Choices choices = new FuzzChoices(data);
        run(setup(choices), script(choices));
    }

    static LongStream seeds() {
        return Tries.seeds(TRIES);
    }

    private static void run(Setup setup, List<Step<Op>> steps) {
        new CpuSideRun(setup).execute(steps);
    }

    static Setup setup(Choices c) {
        return new Setup(RAM_MIB[c.between(0, RAM_MIB.length - 1)], THP.pick(c), c.between(1, 700), c.between(1, 700), c.between(0, 1 << 20));
    }

    static List<Step<Op>> script(Choices c) {
        return Step.script(c, OPS, 30, 60);
    }
}
