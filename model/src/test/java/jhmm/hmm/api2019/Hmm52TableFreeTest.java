package jhmm.hmm.api2019;

import static jhmm.hmm.api2019.DriverEncoding.INPUT;
import static jhmm.hmm.api2019.DriverEncoding.NONE;
import static jhmm.hmm.api2019.DriverEncoding.PFN_SHIFT;
import static jhmm.hmm.api2019.DriverEncoding.VALID;
import static jhmm.hmm.api2019.DriverEncoding.WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mm;
import jhmm.mm.Mman;
import jhmm.mm.PageStates;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The 2019 walk (hmm_vma_walk_pmd, 5.2) reads PTEs from the table the PMD pointed to, as the
 * page walker hands it over: once MADV_DONTNEED emptied a PMD window and freed its table, a
 * snapshot reports every slot NONE; after the pages are faulted in again it reports the new
 * frames, read from the new table.
 */
class Hmm52TableFreeTest {
    private static final long P = PageSize.PAGE_SIZE;
    private static final long M2 = PageSize.PMD_SIZE;
    private static final int N = PageSize.HPAGE_PMD_NR;

    private final Machine machine = new Machine(MachineConfig.defaults().withRam(64L << 20).withThp(ThpMode.NEVER));
    private final UserProcess p = machine.createProcess("p");
    private final Mm mm = p.mm();

    /**
     * hmm_range_register of the whole window, then hmm_range_snapshot under the mmap read lock,
     * which must return {@code count}; the slots.
     */
    private long[] snapshotOf(long start, long count) {
        long[] pfns = new long[N];
        Arrays.fill(pfns, INPUT);
        HmmRange r = new HmmRange(pfns, new long[] {VALID, WRITE, DriverEncoding.DEVICE_PRIVATE},
                new long[] {DriverEncoding.ERROR, NONE, DriverEncoding.SPECIAL}, PFN_SHIFT);
        assertThat(Hmm52.rangeRegister(r, mm, start, start + M2, PageSize.PAGE_SHIFT)).isZero();
        mm.mmapLock().readLock().lock();
        try {
            assertThat(Hmm52.rangeSnapshot(r)).as("the walk's last cursor, in pages").isEqualTo(count);
        } finally {
            mm.mmapLock().readLock().unlock();
            Hmm52.rangeUnregister(r);
        }
        return pfns;
    }

    private void assertSnapshotMatchesCpu(long a) {
        long[] pfns = snapshotOf(a, N);
        for (int i = 0; i < N; i++) {
            long pfn = PageStates.frameAt(mm, a + i * P);
            assertThat(pfns[i]).as("slot %d", i).isEqualTo((pfn << PFN_SHIFT) | VALID | WRITE);
        }
    }

    @Test
    @DisplayName("2019 snapshot: NONE in every slot once MADV_DONTNEED freed the window's PTE table; the new frames after a refault")
    void snapshotAfterTableFreeThenRefault() {
        long a = p.mmapAligned(M2, M2, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(a).isPositive();
        assertThat(p.write(a, M2, Pattern.i32(0), a)).isZero();
        assertSnapshotMatchesCpu(a);

        assertThat(p.madvise(a, M2, Mman.MADV_DONTNEED)).isZero();
        assertThat(mm.pageTable().pmd(a)).as("the PTE table is freed").isZero();
        // 5.2's hmm_vma_walk_hole leaves the cursor at the hole's start: a range that is one hole counts 0
        assertThat(snapshotOf(a, 0)).containsOnly(NONE);

        assertThat(p.write(a, M2, Pattern.i32(1), a)).isZero();
        assertSnapshotMatchesCpu(a);
        assertThat(machine.checkInvariants()).isEmpty();
    }
}
