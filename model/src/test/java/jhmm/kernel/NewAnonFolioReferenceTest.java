package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.gup.EdgeCaseSupport;
import jhmm.gup.Foll;
import jhmm.gup.Gup;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import jhmm.mm.ThpMode;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * folio_add_new_anon_rmap: every path that maps a freshly allocated anonymous folio for the
 * first time hands the allocation's reference to that mapping, so the folio ends with exactly
 * one reference, one mapping (a PTE, or the entire folio by a PMD) and AnonExclusive. The
 * paths: do_anonymous_page, do_huge_pmd_anonymous_page, do_swap_page, wp_page_copy, the huge
 * zero page's write fault, collapse_huge_page, hugetlb_no_page, and fork's copy of a pinned
 * page or THP (copy_present_page, copy_huge_pmd).
 */
class NewAnonFolioReferenceTest {
    private static final long P = MachineFixture.P;
    private static final long M2 = MachineFixture.M2;
    private static final int NR = PageSize.HPAGE_PMD_NR;

    private MachineFixture t = MachineFixture.withThp(ThpMode.ALWAYS);

    private PageFrames frames() {
        return t.machine.physicalMemory().frames();
    }

    /** Asserts that {@code proc} maps at {@code addr} a folio whose one mapping there holds its one reference. */
    private void assertNewFolio(UserProcess proc, long addr) {
        PageFrames f = frames();
        int pfn = proc.frameAt(addr);
        assertThat(pfn).as("mapped at %x", addr).isNotNegative();
        int head = f.head(pfn);
        assertThat(f.refcount(head)).as("refcount of the folio at %x", addr).isEqualTo(1);
        assertThat(f.test(head, PageFlags.ANON_EXCLUSIVE)).as("AnonExclusive").isTrue();
        if (proc.pageState(addr) == PageState.HUGE_PMD || proc.pageState(addr) == PageState.HUGE_PUD) {
            assertThat(f.entireMapcount(head)).as("entire mapcount").isEqualTo(1);
            assertThat(f.pteMapcount(head)).isZero();
        } else {
            assertThat(f.isLarge(pfn)).isFalse();
            assertThat(f.pteMapcount(pfn)).as("pteMapcount").isEqualTo(1);
        }
    }

    private void assertNewFoliosAndCoherence(UserProcess proc, long... addrs) {
        for (long a : addrs) {
            assertNewFolio(proc, a);
        }
        t.assertCoherent();
    }

    private long window() {
        return t.anonAligned(t.p, M2, M2);
    }

    /** A private anonymous read-write mapping of {@code len} bytes, written. */
    private long written(long len) {
        long a = t.anon(t.p, len, MachineFixture.RW);
        write(t.p, a, len);
        return a;
    }

    private void write(UserProcess proc, long a, long len) {
        assertThat(proc.write(a, len, Pattern.i32(3), a)).isZero();
    }

    @Test
    @DisplayName("do_anonymous_page and do_huge_pmd_anonymous_page: a write fault's new 4K page or THP holds exactly one reference")
    void anonymousFaults() {
        long small = written(2 * P);
        long huge = window();
        write(t.p, huge, P);
        assertThat(t.p.pageState(huge)).isEqualTo(PageState.HUGE_PMD);
        assertNewFoliosAndCoherence(t.p, small, small + P, huge);
    }

    @Test
    @DisplayName("do_swap_page: the page a swapped-out page comes back in holds exactly one reference")
    void swapIn() {
        long a = written(P);
        assertThat(t.machine.swapout(t.p, a, P)).isZero();
        assertThat(t.p.read(a, new byte[1], 0, 1)).isZero();
        assertNewFoliosAndCoherence(t.p, a);
    }

    @Test
    @DisplayName("wp_page_copy and the huge zero page's write fault: the copy, or the THP replacing the huge zero page, holds one reference")
    void copiesOnWrite() {
        long a = written(P);
        UserProcess child = t.p.fork("c");
        write(t.p, a, P);
        assertNewFolio(t.p, a);
        assertThat(frames().refcount(child.frameAt(a))).as("the child's page").isEqualTo(1);

        long huge = window();
        assertThat(t.p.read(huge, new byte[1], 0, 1)).isZero();
        assertThat(t.p.frameAt(huge)).as("the huge zero page is no folio of ours").isNegative();
        write(t.p, huge + 5 * P, P);
        assertNewFolio(t.p, huge);
        t.assertCoherent();
    }

    @Test
    @DisplayName("collapse_huge_page (MADV_COLLAPSE): the new THP holds exactly one reference and one entire mapping")
    void collapse() {
        t = MachineFixture.withThp(ThpMode.NEVER);
        long a = window();
        write(t.p, a, 8 * P);
        assertThat(t.p.madvise(a, M2, Mman.MADV_COLLAPSE)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        assertNewFolio(t.p, a);
        t.assertCoherent();
    }

    @Test
    @DisplayName("hugetlb_no_page, and fork's copy of a pinned private hugetlb page: each new huge page holds one reference "
            + "and one entire mapping")
    void hugetlbFaultAndForkCopy() {
        t = new MachineFixture(MachineConfig.defaults().withRam(256L << 20).withHugetlb(2, 0));
        long a = t.p.mmap(0, M2, MachineFixture.RW, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_HUGETLB, null, 0);
        assertThat(a).isPositive();
        write(t.p, a, P);
        assertNewFolio(t.p, a);
        int[] pin = new int[1];
        assertThat(EdgeCaseSupport.pin(t.p, a + 3 * P, 1, Foll.WRITE, pin)).isEqualTo(1);

        UserProcess child = t.p.fork("c");

        assertThat(child.frameAt(a)).isNotEqualTo(t.p.frameAt(a));
        assertNewFolio(child, a);
        Gup.unpinUserPage(t.machine.physicalMemory(), pin[0]);
        assertNewFolio(t.p, a);
        t.assertCoherent();
    }

    @Test
    @DisplayName("fork of a pinned 4K page and of a pinned THP (split, then copied page by page as copy_huge_pmd's -EAGAIN "
            + "makes the kernel do): every copy the child gets holds one reference and one mapping")
    void forkCopiesOfPinnedFolios() {
        long small = written(P);
        long huge = window();
        write(t.p, huge, M2);
        int thp = t.p.frameAt(huge);
        int[] pins = new int[3];
        assertThat(EdgeCaseSupport.pin(t.p, small, 1, Foll.WRITE | Foll.LONGTERM, pins)).isEqualTo(1);
        assertThat(EdgeCaseSupport.pin(t.p, huge + 7 * P, 2, Foll.WRITE | Foll.LONGTERM, new int[2])).isEqualTo(2);
        long copies0 = t.machine.stats().forkPinnedCopies.get();

        UserProcess child = t.p.fork("c");

        assertThat(t.machine.stats().forkPinnedCopies.get() - copies0).as("the 4K page and every page of the THP").isEqualTo(1 + NR);
        assertThat(child.frameAt(small)).isNotEqualTo(pins[0]);
        assertNewFolio(child, small);
        assertThat(t.p.pageState(huge)).as("the parent's PMD was split").isEqualTo(PageState.PRESENT_RW);
        for (int i = 0; i < NR; i++) {
            assertThat(t.p.frameAt(huge + i * P)).isEqualTo(thp + i);
            assertThat(child.frameAt(huge + i * P)).isNotEqualTo(thp + i);
            assertNewFolio(child, huge + i * P);
        }
        assertThat(frames().refcount(thp)).as("the parent's THP: 512 PTEs and two pins").isEqualTo(NR + 2);
        assertThat(frames().largePincount(thp)).isEqualTo(2);
        Gup.unpinUserPage(t.machine.physicalMemory(), pins[0]);
        Gup.unpinUserPagesDirtyLock(t.machine.physicalMemory(), new int[] {thp + 7, thp + 8}, 2, false);
        t.assertCoherent();
    }
}
