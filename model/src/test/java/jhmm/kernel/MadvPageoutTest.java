package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Pattern;
import jhmm.mm.FileInode;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import org.junit.jupiter.api.Test;

/** MADV_PAGEOUT (mm/madvise.c, reclaim_pages) as Linux 6.18 does it with no swap. */
class MadvPageoutTest {
    private static final long P = MachineFixture.P;
    private static final int RW = MachineFixture.RW;

    private final MachineFixture t = new MachineFixture(MachineConfig.defaults().withRam(64L << 20));

    @Test
    void pageoutUnmapsShmemButKeepsItCached() {
        long a = t.p.mmap(0, 4 * P, RW, Mman.MAP_SHARED | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(t.p.write(a, 4 * P, Pattern.i32(0), a)).isZero();
        int frame = t.p.frameAt(a + P);
        assertThat(t.p.madvise(a + P, 2 * P, Mman.MADV_PAGEOUT)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.PRESENT_RW);
        assertThat(t.p.pageState(a + P)).isEqualTo(PageState.NONE);
        assertThat(t.p.pageState(a + 2 * P)).isEqualTo(PageState.NONE);
        MachineFixture.assertReads(t.p, a, 4 * P, Pattern.i32(0), a);
        assertThat(t.p.frameAt(a + P)).as("the same shmem page maps back").isEqualTo(frame);
        t.assertCoherent();
    }

    @Test
    void pageoutUnmapsDirtyFilePagesButKeepsThemCached() {
        FileInode f = t.machine.createFile("f", 4 * P, Pattern.i32(0));
        long a = t.p.mmap(0, 4 * P, RW, Mman.MAP_SHARED, f, 0);
        MachineFixture.assertReads(t.p, a, 4 * P, Pattern.i32(0), a);
        assertThat(t.p.write(a + P, P, Pattern.fillByte(7), a)).isZero();
        assertThat(t.p.madvise(a, 4 * P, Mman.MADV_PAGEOUT)).isZero();
        for (int i = 0; i < 4; i++) {
            assertThat(t.p.pageState(a + i * P)).isEqualTo(PageState.NONE);
        }
        assertThat(f.cachedPfn(0)).as("clean: dropped").isNegative();
        assertThat(f.cachedPfn(1)).as("dirty: not written back, still cached").isNotNegative();
        MachineFixture.assertReads(t.p, a + P, P, Pattern.fillByte(7), a);
        t.assertCoherent();
    }
}
