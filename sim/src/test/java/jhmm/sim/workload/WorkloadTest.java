package jhmm.sim.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

class WorkloadTest {
    private static final long MB = 1L << 20;

    static WorkloadSpec spec(long footprint, int warps) {
        return new WorkloadSpec(footprint, 1, warps, 1, 64 * 1024, 1.1, 1.0, 0.5);
    }

    /** Every access of every warp of one kernel, as (line, is-write) counts. */
    static long[] accesses(Workload w, WorkloadSpec s, int kernel, BitSet read, BitSet written) {
        long reads = 0;
        long writes = 0;
        Run r = new Run();
        for (int warp = 0; warp < s.warps(); warp++) {
            WarpStream ws = w.stream(s, kernel, warp);
            while (ws.next(r)) {
                for (long k = 0, off = r.offset; k < r.count; k++, off += r.stride) {
                    assertThat(off).isBetween(0L, s.footprint() - Run.LINE);
                    int line = (int) (off / Run.LINE);
                    if (r.access != Access.WRITE) {
                        read.set(line);
                        reads++;
                    }
                    if (r.access != Access.READ) {
                        written.set(line);
                        writes++;
                    }
                }
            }
        }
        return new long[] {reads, writes};
    }

    @Test
    void aStreamTouchesEveryLineExactlyOncePerKernel() {
        WorkloadSpec s = spec(2 * MB, 7);
        BitSet read = new BitSet();
        BitSet written = new BitSet();
        long[] n = accesses(Workload.STREAM_READ, s, 0, read, written);
        assertThat(n).containsExactly(2 * MB / 128, 0);
        assertThat(read.cardinality()).isEqualTo((int) (2 * MB / 128));
        n = accesses(Workload.STREAM_RMW, s, 0, new BitSet(), written);
        assertThat(n).containsExactly(2 * MB / 128, 2 * MB / 128);
    }

    @Test
    void stridedTouchesOneLineOfEachStride() {
        BitSet read = new BitSet();
        long[] n = accesses(Workload.STRIDED, spec(4 * MB, 3), 0, read, new BitSet());
        assertThat(n[0]).isEqualTo(4 * MB / (64 * 1024));
        assertThat(read.nextSetBit(1)).isEqualTo(64 * 1024 / 128);
    }

    /** The stencil reads its source half (every row up to three times) and writes every row of the other, swapping each kernel. */
    @Test
    void theStencilReadsOneGridAndWritesTheOtherSwappingEachKernel() {
        WorkloadSpec s = spec(4 * MB, 5);
        BitSet read = new BitSet();
        BitSet written = new BitSet();
        long[] n = accesses(Workload.STENCIL, s, 0, read, written);
        int half = (int) (2 * MB / 128);
        assertThat(read.previousSetBit(Integer.MAX_VALUE - 1)).isLessThan(half);
        assertThat(written.nextSetBit(0)).isGreaterThanOrEqualTo(half);
        assertThat(n[0]).isLessThan(3L * written.cardinality()).isGreaterThan(3L * written.cardinality() * 9 / 10);
        BitSet read1 = new BitSet();
        accesses(Workload.STENCIL, s, 1, read1, new BitSet());
        assertThat(read1.nextSetBit(0)).isGreaterThanOrEqualTo(half);
    }

    /** Tiled C = A x B reads every A and B tile once per tile of the result, and writes C once. */
    @Test
    void matmulReadsEachInputTileOncePerOutputTile() {
        WorkloadSpec s = spec(6 * MB, 4);
        BitSet written = new BitSet();
        long[] n = accesses(Workload.MATMUL, s, 0, new BitSet(), written);
        long side = (long) Math.sqrt(2 * MB / 4.0) / 32 * 32;
        long tiles = side / 32;
        assertThat(n[1]).isEqualTo(tiles * tiles * 32);
        assertThat(n[0]).isEqualTo(tiles * tiles * tiles * 2 * 32);
        assertThat(written.cardinality()).isEqualTo((int) (tiles * tiles * 32));
    }

    @Test
    void randomIsTheSameForTheSameSeedAndDiffersAcrossSeeds() {
        BitSet a = new BitSet();
        BitSet b = new BitSet();
        BitSet c = new BitSet();
        accesses(Workload.RANDOM, spec(2 * MB, 4), 0, a, new BitSet());
        accesses(Workload.RANDOM, spec(2 * MB, 4), 0, b, new BitSet());
        accesses(Workload.RANDOM, new WorkloadSpec(2 * MB, 1, 4, 2, 64 * 1024, 1.1, 1.0, 0.5), 0, c, new BitSet());
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }

    /** Zipf(1.1) over 4096 pages: the first page alone takes several percent of the accesses, the last half little. */
    @Test
    void hotColdConcentratesAccessesOnTheFirstPages() {
        WorkloadSpec s = spec(16 * MB, 4);
        long[] perPage = new long[(int) (16 * MB / 4096)];
        Run r = new Run();
        long total = 0;
        for (int warp = 0; warp < 4; warp++) {
            WarpStream ws = Workload.HOT_COLD.stream(s, 0, warp);
            while (ws.next(r)) {
                perPage[(int) (r.offset / 4096)]++;
                total++;
            }
        }
        long lastHalf = 0;
        for (int p = perPage.length / 2; p < perPage.length; p++) {
            lastHalf += perPage[p];
        }
        assertThat(perPage[0]).isGreaterThan(total / 20);
        assertThat(perPage[0]).isGreaterThan(perPage[1]).isGreaterThan(perPage[10]);
        assertThat(lastHalf).isLessThan(total / 10);
    }
}
