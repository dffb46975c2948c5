package jhmm.device.rnic;

import static jhmm.device.rnic.RnicFixture.P;
import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.device.rnic.RnicStats.Counter;
import jhmm.mm.Mman;
import org.junit.jupiter.api.Test;

/** mlx5's implicit ODP: one key over the address space, a child region per 1 GiB made on first touch. */
class ImplicitOdpTest {
    private static final long G = PageSize.PUD_SIZE;

    /** Four pages, two either side of a 1 GiB boundary. */
    private static long straddle(RnicFixture f) {
        long at = 64 * G - 2 * P;
        long a = f.p.mmap(at, 4 * P, RnicFixture.RW, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0);
        assertThat(a).isEqualTo(at);
        return a;
    }

    @Test
    void implicitOdpCreatesAChildPerGibOnFirstTouch() {
        RnicFixture f = new RnicFixture();
        long a = straddle(f);
        RnicOp reg = f.ctx.register(MrType.IMPLICIT, 0, 0, true);
        assertThat(reg.get(Counter.CHILDREN)).as("nothing made at registration").isZero();
        MemoryRegion mr = reg.mr();
        RnicOp w = f.ctx.rdmaWrite(mr, a, 4 * P, Pattern.i32(0), a);
        assertThat(w.errno()).isZero();
        assertThat(w.get(Counter.CHILDREN)).isEqualTo(2);
        assertThat(w.get(Counter.FAULTS)).as("one fault maps both children's pages").isEqualTo(1);
        assertThat(w.get(Counter.MAPPED)).isEqualTo(4);
        assertThat(((ImplicitOdpMr) mr).childCount()).isEqualTo(2);
        RnicOp again = f.ctx.rdmaRead(mr, a, 4 * P, null);
        assertThat(again.get(Counter.CHILDREN)).isZero();
        assertThat(again.get(Counter.FAULTS)).isZero();
        assertThat(f.holds(f.p, a, (int) (4 * P), Pattern.i32(0), a)).isTrue();
        f.assertCoherent();
    }

    @Test
    void aChildAnInvalidationEmptiesIsDestroyedBeforeTheNextOperation() {
        RnicFixture f = new RnicFixture();
        long a = straddle(f);
        MemoryRegion mr = f.register(MrType.IMPLICIT, 0, 0);
        assertThat(f.ctx.rdmaWrite(mr, a, 4 * P, Pattern.i32(0), a).errno()).isZero();
        assertThat(f.p.madvise(a, 2 * P, Mman.MADV_DONTNEED)).isZero();
        assertThat(((ImplicitOdpMr) mr).childCount()).isEqualTo(1);
        f.assertCoherent();
        RnicOp next = f.ctx.rdmaRead(mr, a + 2 * P, 2 * P, null);
        assertThat(next.get(Counter.COLLECTED)).isEqualTo(1);
        assertThat(next.get(Counter.FAULTS)).isZero();
        RnicOp back = f.ctx.rdmaRead(mr, a, 2 * P, null);
        assertThat(back.get(Counter.CHILDREN)).isEqualTo(1);
        f.assertCoherent();
        assertThat(f.ctx.deregister(mr).errno()).isZero();
        assertThat(f.nic.dma().liveMappings()).isZero();
        f.assertCoherent();
    }

    @Test
    void anImplicitRegionReachesAMappingWhereverMremapMovesIt() {
        RnicFixture f = new RnicFixture();
        long a = f.anon(4 * P, true);
        MemoryRegion mr = f.register(MrType.IMPLICIT, 0, 0);
        assertThat(f.ctx.rdmaRead(mr, a, 4 * P, null).errno()).isZero();
        long to = f.p.mremap(a, 4 * P, 4 * P, Mman.MREMAP_MAYMOVE | Mman.MREMAP_FIXED, a + 64 * P);
        assertThat(to).isEqualTo(a + 64 * P);
        f.assertCoherent();
        byte[] got = new byte[(int) (4 * P)];
        RnicOp r = f.ctx.rdmaRead(mr, to, 4 * P, got);
        assertThat(r.get(Counter.FAULTS)).isEqualTo(1);
        byte[] want = new byte[got.length];
        Pattern.i32(0).fill(0, want, 0, want.length);
        assertThat(got).isEqualTo(want);
        f.assertCoherent();
    }
}
