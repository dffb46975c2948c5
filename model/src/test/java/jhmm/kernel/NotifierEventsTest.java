package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import jhmm.base.Pattern;
import jhmm.mm.Mm;
import jhmm.mm.Mman;
import jhmm.mm.MmuNotifierHook;
import jhmm.mm.NotifierEvent;
import jhmm.mm.NotifierRange;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Page-table changes are reported through the notifier hook with the event kinds Linux uses
 * at the same places (mm/memory.c, mm/mprotect.c, mm/mmap.c, mm/huge_memory.c, mm/rmap.c).
 */
class NotifierEventsTest {
    private static final long P = MachineFixture.P;

    /** Records every start/end pair and checks they nest. */
    static final class Recorder implements MmuNotifierHook {
        final List<NotifierRange> starts = new ArrayList<>();
        final List<Mm> released = new ArrayList<>();
        int open;

        @Override
        public int invalidateRangeStart(NotifierRange range) {
            starts.add(range);
            open++;
            return 0;
        }

        @Override
        public void invalidateRangeEnd(NotifierRange range) {
            open--;
            assertThat(open).isNotNegative();
        }

        @Override
        public void release(Mm mm) {
            released.add(mm);
        }

        List<NotifierEvent> events() {
            return starts.stream().map(NotifierRange::event).toList();
        }
    }

    private MachineFixture t;
    private Recorder rec;

    @BeforeEach
    void attach() {
        t = MachineFixture.withThp(ThpMode.ALWAYS);
        rec = new Recorder();
        t.p.mm().setNotifierHook(rec);
    }

    @Test
    void firstTouchFaultsInvalidateNothing() {
        long a = t.anon(t.p, 4 * P, MachineFixture.RW);
        t.p.write(a, 4 * P, Pattern.i32(0), a);
        assertThat(rec.starts).isEmpty();
    }

    @Test
    void cowBreakOfTheZeroPageEmitsClearForThatPage() {
        long a = t.anon(t.p, 4 * P, MachineFixture.RW);
        t.p.read(a + P, new byte[4], 0, 4);
        t.p.write(a + P, 4, Pattern.fillByte(1), a);
        assertThat(rec.events()).containsExactly(NotifierEvent.CLEAR);
        assertThat(rec.starts.get(0).start()).isEqualTo(a + P);
        assertThat(rec.starts.get(0).end()).isEqualTo(a + 2 * P);
        assertThat(rec.open).isZero();
    }

    @Test
    void forkEmitsClearOverEachCowMappingThenCowBreakEmitsClear() {
        long a = t.anon(t.p, 4 * P, MachineFixture.RW);
        t.p.write(a, 4 * P, Pattern.i32(0), a);
        t.p.fork("c");
        assertThat(rec.events()).containsExactly(NotifierEvent.CLEAR);
        assertThat(rec.starts.get(0).start()).isEqualTo(a);
        assertThat(rec.starts.get(0).end()).isEqualTo(a + 4 * P);
        t.p.write(a, 4, Pattern.fillByte(2), a);
        assertThat(rec.events()).containsExactly(NotifierEvent.CLEAR, NotifierEvent.CLEAR);
        assertThat(rec.starts.get(1).end() - rec.starts.get(1).start()).isEqualTo(P);
    }

    @Test
    void mprotectEmitsProtectionVmaOnlyWhereSomethingIsMapped() {
        long a = t.anon(t.p, 4 * P, MachineFixture.RW);
        t.p.mprotect(a, 4 * P, Mman.PROT_READ);
        assertThat(rec.starts).isEmpty();
        t.p.read(a, new byte[4], 0, 4);
        t.p.mprotect(a, 4 * P, MachineFixture.RW);
        assertThat(rec.events()).containsExactly(NotifierEvent.PROTECTION_VMA);
    }

    @Test
    void munmapEmitsUnmapAndDontneedEmitsClear() {
        long a = t.anon(t.p, 4 * P, MachineFixture.RW);
        t.p.write(a, 4 * P, Pattern.i32(0), a);
        t.p.madvise(a, P, Mman.MADV_DONTNEED);
        t.p.munmap(a, 4 * P);
        assertThat(rec.events()).containsExactly(NotifierEvent.CLEAR, NotifierEvent.UNMAP);
        assertThat(rec.starts.get(1).start()).isEqualTo(a);
        assertThat(rec.starts.get(1).end()).isEqualTo(a + 4 * P);
        assertThat(rec.starts).allMatch(NotifierRange::blockable);
    }

    @Test
    void thpSplitMigrationAndSwapEmitClear() {
        long a = t.anonAligned(t.p, MachineFixture.M2, MachineFixture.M2);
        t.p.write(a, MachineFixture.M2, Pattern.i32(0), a);
        t.machine.splitThp(t.p, a);
        assertThat(rec.events()).containsExactly(NotifierEvent.CLEAR);
        assertThat(rec.starts.get(0).end() - rec.starts.get(0).start()).isEqualTo(MachineFixture.M2);
        rec.starts.clear();
        t.machine.migrate(t.p, a, P);
        t.machine.swapout(t.p, a + P, P);
        assertThat(rec.events()).containsExactly(NotifierEvent.CLEAR, NotifierEvent.CLEAR);
    }

    @Test
    void mremapMoveEmitsUnmapOverTheOldRange() {
        long a = t.anon(t.p, 4 * P, MachineFixture.RW);
        MachineFixture.blockAbove(t, a + 4 * P);
        t.p.write(a, 4 * P, Pattern.i32(0), a);
        long b = t.p.mremap(a, 4 * P, 8 * P, Mman.MREMAP_MAYMOVE);
        assertThat(b).isNotEqualTo(a);
        assertThat(rec.events()).containsExactly(NotifierEvent.UNMAP);
        assertThat(rec.starts.get(0).start()).isEqualTo(a);
    }

    @Test
    void exitReleasesTheAddressSpaceBeforeUnmapping() {
        long a = t.anon(t.p, 4 * P, MachineFixture.RW);
        t.p.write(a, 4 * P, Pattern.i32(0), a);
        t.p.exit();
        assertThat(rec.released).containsExactly(t.p.mm());
    }
}
