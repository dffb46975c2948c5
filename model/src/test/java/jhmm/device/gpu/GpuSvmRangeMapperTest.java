package jhmm.device.gpu;

import static jhmm.device.gpu.GpuFixture.M2;
import static jhmm.device.gpu.GpuFixture.P;
import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Pattern;
import jhmm.dma.DmaDevice;
import jhmm.dma.DmaSystem;
import jhmm.dmamap.DmaMapStats;
import jhmm.mm.Mman;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.Test;

/** drm_gpusvm's get_pages as a range DMA mapper: what `jhmm compare` runs for the GPU column. */
class GpuSvmRangeMapperTest {
    private final GpuFixture t = new GpuFixture(ThpMode.ALWAYS);
    private final DmaDevice dev = new DmaSystem(t.machine.physicalMemory(), true).device("gpu", 64, true);

    @Test
    void eachThpIsOneDmaMappingAndEachBasePageItsOwn() {
        long thp = t.anon(2 * M2, true);
        GpuSvmRangeMapper mapper = new GpuSvmRangeMapper(t.p.mm(), dev);
        assertThat(mapper.map(thp, (int) (2 * M2 / P), true)).isZero();
        assertThat(mapper.stats()).extracting(DmaMapStats::mapped, DmaMapStats::dmaEntries, DmaMapStats::pinned)
                .containsExactly(2 * M2 / P, 2L, 0L);
        assertThat(dev.liveMappings()).isEqualTo(2);
        assertThat(mapper.unmap(true)).isEqualTo(2 * M2 / P);

        // mprotect of one page maps the THP with PTEs: the rest of it is 510 base pages, each its own mapping
        assertThat(t.p.mprotect(thp + P, P, Mman.PROT_READ)).isZero();
        GpuSvmRangeMapper split = new GpuSvmRangeMapper(t.p.mm(), dev);
        assertThat(split.map(thp + 2 * P, (int) (M2 / P) - 2, true)).isZero();
        assertThat(split.stats().dmaEntries()).isEqualTo(M2 / P - 2);
        split.unmap(true);
        assertThat(dev.liveMappings()).isZero();
    }

    /** The mirror follows munmap and a new mapping in place: the next device access re-faults, nothing stale. */
    @Test
    void anInvalidationIsFollowedByARefaultOnTheNextDeviceAccess() {
        long a = t.anon(2 * M2, true);
        GpuSvmRangeMapper mapper = new GpuSvmRangeMapper(t.p.mm(), dev);
        assertThat(mapper.map(a, (int) (2 * M2 / P), true)).isZero();
        assertThat(t.p.munmap(a, M2)).isZero();
        assertThat(mapper.stats().invalidations()).isPositive();
        assertThat(mapper.stats().mapped()).isEqualTo(M2 / P);
        assertThat(t.p.mmap(a, M2, GpuFixture.RW, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0)).isEqualTo(a);
        assertThat(t.p.write(a, M2, Pattern.i32(7), a)).isZero();
        assertThat(mapper.deviceAccess()).isZero();
        assertThat(mapper.stats().refaults()).isEqualTo(M2 / P);
        assertThat(mapper.stats().dmaEntries()).isEqualTo(3);
        t.assertCoherent();
        mapper.unmap(true);
    }

    /** drm_gpusvm_fini: every DMA mapping undone and every notifier gone, so later changes reach no callback. */
    @Test
    void unmapReleasesEveryDmaMappingAndNotifier() {
        long a = t.anon(2 * M2, true);
        GpuSvmRangeMapper mapper = new GpuSvmRangeMapper(t.p.mm(), dev);
        assertThat(mapper.map(a, (int) (2 * M2 / P), true)).isZero();
        long invalidations = mapper.stats().invalidations();
        mapper.unmap(true);
        assertThat(dev.liveMappings()).isZero();
        assertThat(t.p.munmap(a, 2 * M2)).isZero();
        assertThat(mapper.stats().invalidations()).isEqualTo(invalidations);
        assertThat(mapper.stats().mapped()).isZero();
        t.assertCoherent();
    }
}
