package jhmm.device.gpu;

import static jhmm.device.gpu.GpuFixture.M2;
import static jhmm.device.gpu.GpuFixture.P;
import static org.assertj.core.api.Assertions.assertThat;

import jhmm.mm.PageState;
import org.junit.jupiter.api.Test;

/** VRAM as nvidia-uvm's PMM hands it out: 2 MiB chunks, victims free, then unused, then oldest. */
class VramTest {
    @Test
    void anUnusedChunkIsTakenBeforeTheOldestIsEvicted() {
        GpuFixture t = new GpuFixture();
        long a = t.anon(3 * M2, true);
        GpuDevice g = t.gpu("g", GpuConfig.of(GpuPolicy.NVIDIA).withVram(2 * M2));
        GpuVm vm = g.open(t.p.mm());
        assertThat(vm.access(a, 2 * M2, GpuAccess.READ, 1)).isZero();
        assertThat(g.vramChunksUsed()).isEqualTo(2);
        // the CPU pulls block 1 back: its chunk is left unused
        byte[] b = new byte[1];
        assertThat(t.p.read(a + M2, b, 0, 1)).isZero();
        assertThat(vm.access(a + 2 * M2, M2, GpuAccess.READ, 1)).isZero();
        assertThat(GpuFixture.count(vm, GpuStats.Counter.EVICTIONS)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.DEVICE_PRIVATE); // the oldest stayed
        assertThat(t.p.pageState(a + 2 * M2)).isEqualTo(PageState.DEVICE_PRIVATE);
        t.assertCoherent();
    }

    @Test
    void withoutEvictionAFullVramLeavesTheBlockInRam() {
        GpuFixture t = new GpuFixture();
        long a = t.anon(2 * M2, true);
        GpuConfig d = GpuConfig.of(GpuPolicy.NOUVEAU);
        GpuDevice g = t.gpu("g", d.withVram(M2));
        GpuVm vm = g.open(t.p.mm());
        assertThat(vm.prefetch(a, 2 * M2)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.DEVICE_PRIVATE);
        assertThat(t.p.pageState(a + M2)).isNotEqualTo(PageState.DEVICE_PRIVATE);
        assertThat(GpuFixture.count(vm, GpuStats.Counter.EVICTIONS)).isZero();
        t.assertCoherent();
    }

    @Test
    void theAccountingCheckSeesAPageTheChunkDoesNotCount() {
        GpuFixture t = new GpuFixture();
        long a = t.anon(M2, true);
        GpuDevice g = t.gpu("g", GpuConfig.of(GpuPolicy.NVIDIA));
        GpuVm vm = g.open(t.p.mm());
        assertThat(vm.access(a, P, GpuAccess.READ, 1)).isZero();
        assertThat(g.violations()).isEmpty();
        // a device frame taken behind the driver's back
        assertThat(g.vram().allocPage(g.vram().pfn(1, 0))).isTrue();
        assertThat(g.violations()).anySatisfy(v -> assertThat(v).contains("VRAM chunk 1 counts 1 pages in use").contains("chunk free"));
    }
}
