package jhmm.device.dmirror;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The test device's page table erases exactly the invalidated range, whichever way it goes about it. */
class DevicePageTableTest {
    private static DevicePageTable filled(long from, int n) {
        DevicePageTable pt = new DevicePageTable();
        for (int i = 0; i < n; i++) {
            pt.store(from + i, 1000 + i, DevicePageTable.TAG_WRITE);
        }
        return pt;
    }

    @Test
    @DisplayName("invalidation of a few pages (probe per page) erases those and keeps the rest")
    void smallRangeErasesOnlyIt() {
        DevicePageTable pt = filled(100, 4096);
        pt.eraseRange(200, 202);
        assertThat(pt.size()).isEqualTo(4093);
        assertThat(pt.load(199)).isEqualTo(DevicePageTable.entry(1099, DevicePageTable.TAG_WRITE));
        assertThat(pt.load(200)).isEqualTo(-1);
        assertThat(pt.load(202)).isEqualTo(-1);
        assertThat(pt.load(203)).isEqualTo(DevicePageTable.entry(1103, DevicePageTable.TAG_WRITE));
    }

    @Test
    @DisplayName("invalidation of a large part (one pass over the slots) erases that part only")
    void largeRangeErasesOnlyIt() {
        DevicePageTable pt = filled(100, 4096);
        pt.eraseRange(100, 100 + 2047);
        assertThat(pt.size()).isEqualTo(2048);
        assertThat(pt.load(100 + 2047)).isEqualTo(-1);
        assertThat(pt.load(100 + 2048)).isEqualTo(DevicePageTable.entry(1000 + 2048, DevicePageTable.TAG_WRITE));
    }

    @Test
    @DisplayName("invalidation covering everything mirrored (munmap of it all) empties the table, which then fills again")
    void coveringRangeEmptiesTheTable() {
        DevicePageTable pt = filled(100, 4096);
        pt.eraseRange(0, 1L << 40);
        assertThat(pt.size()).isZero();
        assertThat(pt.load(100)).isEqualTo(-1);
        pt.store(5, 7, DevicePageTable.TAG_READ);
        assertThat(pt.load(5)).isEqualTo(DevicePageTable.entry(7, DevicePageTable.TAG_READ));
        pt.eraseRange(6, 1L << 40); // past the only entry: it stays
        assertThat(pt.size()).isEqualTo(1);
    }

    @Test
    @DisplayName("a range that covers the entries left after earlier erasures, not the first ones stored, is still exact")
    void boundsAreConservative() {
        DevicePageTable pt = filled(100, 64);
        pt.eraseRange(100, 131);
        pt.eraseRange(132, 163);
        assertThat(pt.size()).isZero();
        pt.store(10, 1, DevicePageTable.TAG_READ);
        pt.store(500, 2, DevicePageTable.TAG_READ);
        pt.eraseRange(10, 499);
        assertThat(pt.load(500)).isEqualTo(DevicePageTable.entry(2, DevicePageTable.TAG_READ));
        assertThat(pt.size()).isEqualTo(1);
    }
}
