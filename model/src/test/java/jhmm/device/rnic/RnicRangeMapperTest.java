package jhmm.device.rnic;

import static jhmm.device.rnic.RnicFixture.P;
import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Pattern;
import jhmm.dma.DmaDevice;
import jhmm.dmamap.DmaMapStats;
import jhmm.mm.Mman;
import org.junit.jupiter.api.Test;

/** A memory registration as a range DMA mapper: what a comparison of the DMA paths runs for the NIC. */
class RnicRangeMapperTest {
    private static final int N = 64;
    private final RnicFixture f = new RnicFixture();
    private final DmaDevice dev = f.dma.device("cmp", 64, true);

    @Test
    void aPinnedRegistrationPinsEveryPageBlocksMigrationAndGoesStaleAfterARemap() {
        long a = f.anon(N * P, true);
        RnicRangeMapper pinned = new RnicRangeMapper(f.p.mm(), dev, MrType.PINNED);
        assertThat(pinned.map(a, N, true)).isZero();
        assertThat(pinned.stats()).extracting(DmaMapStats::mapped, DmaMapStats::pinned).containsExactly((long) N, (long) N);
        assertThat(f.machine.migrate(f.p, a, N * P)).isNegative();
        assertThat(f.p.munmap(a, N * P)).isZero();
        assertThat(f.p.mmap(a, N * P, RnicFixture.RW, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0)).isEqualTo(a);
        assertThat(f.p.write(a, N * P, Pattern.i32(1), a)).isZero();
        assertThat(pinned.deviceAccess()).isEqualTo(N);
        assertThat(pinned.reach().violations()).isEmpty();
        assertThat(pinned.unmap(true)).isEqualTo(N);
        assertThat(dev.liveMappings()).isZero();
        f.assertCoherent();
    }

    @Test
    void anOdpRegistrationPinsNothingFollowsMigrationAndReFaultsOnTheNextAccess() {
        long a = f.anon(N * P, true);
        RnicRangeMapper odp = new RnicRangeMapper(f.p.mm(), dev, MrType.ODP);
        assertThat(odp.map(a, N, true)).isZero();
        assertThat(odp.stats()).extracting(DmaMapStats::mapped, DmaMapStats::pinned).containsExactly((long) N, 0L);
        assertThat(f.machine.migrate(f.p, a, N * P)).isZero();
        assertThat(odp.stats().invalidations()).isPositive();
        assertThat(odp.stats().mapped()).isZero();
        assertThat(odp.deviceAccess()).isZero();
        assertThat(odp.stats().refaults()).isEqualTo(N);
        assertThat(odp.reach().mismatches()).isZero();
        odp.unmap(true);
        assertThat(dev.liveMappings()).isZero();
        f.assertCoherent();
    }
}
