package jhmm.kernel;

import static jhmm.mm.ProcPagemap.KPF_ANON;
import static jhmm.mm.ProcPagemap.KPF_COMPOUND_HEAD;
import static jhmm.mm.ProcPagemap.KPF_COMPOUND_TAIL;
import static jhmm.mm.ProcPagemap.KPF_THP;
import static jhmm.mm.ProcPagemap.KPF_ZERO_PAGE;
import static jhmm.mm.ProcPagemap.PAGE_IS_FILE;
import static jhmm.mm.ProcPagemap.PAGE_IS_HUGE;
import static jhmm.mm.ProcPagemap.PAGE_IS_PFNZERO;
import static jhmm.mm.ProcPagemap.PAGE_IS_PRESENT;
import static jhmm.mm.ProcPagemap.PAGE_IS_SWAPPED;
import static jhmm.mm.ProcPagemap.PM_FILE;
import static jhmm.mm.ProcPagemap.PM_PFN_MASK;
import static jhmm.mm.ProcPagemap.PM_PRESENT;
import static jhmm.mm.ProcPagemap.PM_SWAP;
import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Pattern;
import jhmm.mm.Mman;
import jhmm.mm.ProcPagemap;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.Test;

/**
 * The model's /proc/PID/pagemap, PAGEMAP_SCAN categories and /proc/kpageflags, in the kernel's
 * bit layout (Documentation/admin-guide/mm/pagemap.rst), as `jhmm diff` compares them with the host's.
 */
class ProcPagemapTest extends MachineFixture {
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;

    ProcPagemapTest() {
        super(MachineConfig.defaults().withRam(256L << 20).withSwap(64L << 20).withThp(ThpMode.MADVISE));
    }

    @Test
    void untouchedPageIsAnEmptyEntryWithNoCategory() {
        long a = anon(p, 4 * P, RW);
        assertThat(ProcPagemap.entry(p.mm(), a)).isZero();
        assertThat(ProcPagemap.scanCategories(p.mm(), a)).isZero();
    }

    @Test
    void readFaultOfPrivateAnonMemoryMapsTheZeroPageWhichIsNotFileBacked() {
        long a = anon(p, 4 * P, RW);
        p.read(a, new byte[8], 0, 8);
        long e = ProcPagemap.entry(p.mm(), a);
        assertThat(e & PM_PRESENT).isNotZero();
        assertThat(e & PM_FILE).isZero();
        assertThat(ProcPagemap.scanCategories(p.mm(), a)).isEqualTo(PAGE_IS_PRESENT | PAGE_IS_PFNZERO);
        long flags = ProcPagemap.kpageflags(machine.physicalMemory(), (int) (e & PM_PFN_MASK));
        assertThat(flags & (1L << KPF_ZERO_PAGE)).isNotZero();
    }

    @Test
    void writtenAnonPageIsPresentAnonymousWithItsFrame() {
        long a = anon(p, 4 * P, RW);
        p.write(a, P, Pattern.i32(0), a);
        long e = ProcPagemap.entry(p.mm(), a);
        assertThat(e & (PM_PRESENT | PM_FILE | PM_SWAP)).isEqualTo(PM_PRESENT);
        assertThat(e & PM_PFN_MASK).isEqualTo(p.frameAt(a));
        assertThat(ProcPagemap.scanCategories(p.mm(), a)).isEqualTo(PAGE_IS_PRESENT);
        assertThat(ProcPagemap.kpageflags(machine.physicalMemory(), p.frameAt(a))).isEqualTo(1L << KPF_ANON);
    }

    @Test
    void pmdMappedThpIsHugeInScanAndThpInKpageflags() {
        long a = anonAligned(p, 4 * M2, M2);
        p.madvise(a, 4 * M2, Mman.MADV_HUGEPAGE);
        p.write(a, M2, Pattern.i32(0), a);
        assertThat(ProcPagemap.scanCategories(p.mm(), a + 5 * P)).isEqualTo(PAGE_IS_PRESENT | PAGE_IS_HUGE);
        long head = ProcPagemap.kpageflags(machine.physicalMemory(), p.frameAt(a));
        long tail = ProcPagemap.kpageflags(machine.physicalMemory(), p.frameAt(a + 5 * P));
        assertThat(head).isEqualTo((1L << KPF_ANON) | (1L << KPF_COMPOUND_HEAD) | (1L << KPF_THP));
        assertThat(tail).isEqualTo((1L << KPF_ANON) | (1L << KPF_COMPOUND_TAIL) | (1L << KPF_THP));
    }

    @Test
    void sharedAnonymousPageIsReportedAsFileBacked() {
        long a = p.mmap(0, 4 * P, RW, Mman.MAP_SHARED | Mman.MAP_ANONYMOUS, null, 0);
        p.write(a, P, Pattern.i32(0), a);
        assertThat(ProcPagemap.entry(p.mm(), a) & PM_FILE).isNotZero();
        assertThat(ProcPagemap.scanCategories(p.mm(), a)).isEqualTo(PAGE_IS_PRESENT | PAGE_IS_FILE);
    }

    @Test
    void swappedOutPageIsASwapEntry() {
        long a = anon(p, 4 * P, RW);
        p.write(a, P, Pattern.i32(0), a);
        assertThat(machine.swapout(p, a, P)).isZero();
        assertThat(ProcPagemap.entry(p.mm(), a) & (PM_PRESENT | PM_SWAP)).isEqualTo(PM_SWAP);
        assertThat(ProcPagemap.scanCategories(p.mm(), a)).isEqualTo(PAGE_IS_SWAPPED);
    }
}
