package jhmm.gup;

import static jhmm.gup.EdgeCaseSupport.ANON;
import static jhmm.gup.EdgeCaseSupport.P;
import static jhmm.gup.EdgeCaseSupport.RW;
import static jhmm.gup.EdgeCaseSupport.assertReads;
import static jhmm.gup.EdgeCaseSupport.frame;
import static jhmm.gup.EdgeCaseSupport.get;
import static jhmm.gup.EdgeCaseSupport.map;
import static jhmm.gup.EdgeCaseSupport.pin;
import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.FileInode;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import jhmm.mm.PageStates;
import jhmm.mm.ThpMode;
import jhmm.phys.PageFlags;
import jhmm.phys.PhysicalMemory;
import org.junit.jupiter.api.Test;

/**
 * gup_must_unshare and fork's copy of pinned pages (gup-migrate-dma.md, Corrections 7-9): a
 * read-only pin never holds a page the process shares, on the lockless path as on the slow one,
 * and fork copies a maybe-pinned page only in an mm that has used FOLL_PIN (the split of a pinned
 * THP at fork is NewAnonFolioReferenceTest's).
 */
class GupUnshareTest {
    private final Machine machine = new Machine(MachineConfig.defaults().withRam(256L << 20).withThp(ThpMode.NEVER));
    private final UserProcess p = machine.createProcess("p");

    private PhysicalMemory phys() {
        return machine.physicalMemory();
    }

    private boolean exclusive(int pfn) {
        return phys().frames().test(phys().frames().head(pfn), PageFlags.ANON_EXCLUSIVE);
    }

    private void assertNothingHeld() {
        assertThat(phys().externalRefs()).isZero();
        assertThat(machine.checkInvariants()).isEmpty();
    }

    @Test
    void fastReadPinOfPageSharedAfterForkUnsharesFirst() {
        long a = EdgeCaseSupport.written(p, P);
        int shared = frame(p, a);
        UserProcess child = p.fork("c");
        int[] pages = new int[1];

        assertThat(Gup.pinUserPagesFast(p.mm(), a, 1, 0, pages)).isEqualTo(1);
        assertThat(pages[0]).as("the lockless walk left the shared page to the slow path").isNotEqualTo(shared);
        assertThat(exclusive(pages[0])).isTrue();
        assertThat(frame(p, a)).as("the page table agrees with the pin").isEqualTo(pages[0]);
        assertThat(frame(child, a)).isEqualTo(shared);
        assertThat(PageStates.of(p.mm(), a)).as("an unshare copy is mapped read-only").isEqualTo(PageState.PRESENT_RO);
        assertReads(p, a, P, Pattern.i32(0), a);
        Gup.unpinUserPage(phys(), pages[0]);
        assertNothingHeld();
    }

    @Test
    void readPinOfHugetlbPageSharedAfterForkUnsharesIt() {
        Machine huge = new Machine(MachineConfig.defaults().withRam(256L << 20).withHugetlb(4, 0));
        UserProcess q = huge.createProcess("q");
        long m2 = 2L << 20;
        long a = q.mmap(0, m2, RW, ANON | Mman.MAP_HUGETLB, null, 0);
        assertThat(q.write(a, m2, Pattern.i32(0), a)).isZero();
        int shared = PageStates.frameAt(q.mm(), a);
        UserProcess child = q.fork("c");
        int[] pages = new int[1];

        assertThat(pin(q, a + P, 1, 0, pages)).as("no endless unshare fault: the pin succeeds").isEqualTo(1);
        int copy = PageStates.frameAt(q.mm(), a);
        assertThat(copy).as("the parent got its own huge page").isNotEqualTo(shared);
        assertThat(pages[0]).isEqualTo(copy + 1);
        assertThat(PageStates.frameAt(child.mm(), a)).isEqualTo(shared);
        assertReads(q, a, m2, Pattern.i32(0), a);
        Gup.unpinUserPage(huge.physicalMemory(), pages[0]);
        assertThat(huge.checkInvariants()).isEmpty();
    }

    @Test
    void fastReadPinOfExclusivePageNeedsNoUnshare() {
        long a = EdgeCaseSupport.written(p, P);
        int own = frame(p, a);
        int[] pages = new int[1];
        assertThat(Gup.pinUserPagesFast(p.mm(), a, 1, 0, pages)).isEqualTo(1);
        assertThat(pages[0]).isEqualTo(own);
        Gup.unpinUserPage(phys(), pages[0]);
        assertNothingHeld();
    }

    @Test
    void longtermReadPinOfZeroPageGetsZeroFilledAnonCopy() {
        long a = map(p, 2 * P, RW, ANON);
        assertThat(p.read(a, new byte[(int) (2 * P)], 0, (int) (2 * P))).isZero();
        assertThat(PageStates.of(p.mm(), a)).isEqualTo(PageState.ZERO);
        int[] pages = new int[2];

        assertThat(pin(p, a, 1, Foll.LONGTERM, pages)).isEqualTo(1);
        assertThat(phys().isZeroPfn(pages[0])).as("a long-term read pin never holds the zero page").isFalse();
        assertThat(exclusive(pages[0])).isTrue();
        assertThat(frame(p, a)).isEqualTo(pages[0]);
        assertThat(phys().data().matches(pages[0], 0, (int) P, Pattern.fillByte(0), 0)).as("zero-filled").isTrue();

        assertThat(Gup.pinUserPagesFast(p.mm(), a + P, 1, Foll.LONGTERM, pages)).isEqualTo(1);
        assertThat(phys().isZeroPfn(pages[0])).as("nor does the fast variant").isFalse();
        assertThat(frame(p, a + P)).isEqualTo(pages[0]);
        Gup.unpinUserPage(phys(), frame(p, a));
        Gup.unpinUserPage(phys(), frame(p, a + P));
        assertNothingHeld();
    }

    @Test
    void shortTermReadPinStillGetsZeroPageWithoutPinningIt() {
        long a = map(p, P, RW, ANON);
        int zeroRefs = phys().frames().refcount(phys().zeroPfn());
        int[] pages = new int[1];
        assertThat(pin(p, a, 1, 0, pages)).isEqualTo(1);
        assertThat(pages[0]).isEqualTo(phys().zeroPfn());
        assertThat(phys().frames().refcount(pages[0])).as("the zero page is never pinned").isEqualTo(zeroRefs);
        Gup.unpinUserPage(phys(), pages[0]);
        assertThat(phys().frames().refcount(pages[0])).isEqualTo(zeroRefs);
        assertNothingHeld();
    }

    @Test
    void followGetTakesReferenceOnZeroPage() {
        long a = map(p, P, RW, ANON);
        int zero = phys().zeroPfn();
        int zeroRefs = phys().frames().refcount(zero);
        int[] pages = new int[1];
        assertThat(get(p, a, 1, 0, pages)).isEqualTo(1);
        assertThat(pages[0]).isEqualTo(zero);
        assertThat(phys().frames().refcount(zero)).as("FOLL_GET, unlike FOLL_PIN, counts on the zero page").isEqualTo(zeroRefs + 1);
        Gup.putPage(phys(), pages[0]);
        assertThat(phys().frames().refcount(zero)).isEqualTo(zeroRefs);
        assertNothingHeld();
    }

    @Test
    void longtermReadPinOfPrivateFilePageUnsharesIntoAnonCopy() {
        FileInode file = machine.createFile("f", P, Pattern.i32(100));
        long a = p.mmap(0, P, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE, file, 0);
        assertReads(p, a, P, Pattern.i32(100), a);
        int cached = frame(p, a);
        int[] pages = new int[1];

        assertThat(get(p, a, 1, 0, pages)).isEqualTo(1);
        assertThat(pages[0]).as("FOLL_GET takes the page-cache page").isEqualTo(cached);
        Gup.putPage(phys(), pages[0]);
        assertThat(pin(p, a, 1, 0, pages)).isEqualTo(1);
        assertThat(pages[0]).as("so does a short-term read pin").isEqualTo(cached);
        Gup.unpinUserPage(phys(), pages[0]);

        assertThat(pin(p, a, 1, Foll.LONGTERM, pages)).isEqualTo(1);
        assertThat(pages[0]).as("a long-term read pin gets an anonymous copy").isNotEqualTo(cached);
        assertThat(phys().frames().test(pages[0], PageFlags.ANON)).isTrue();
        assertThat(frame(p, a)).isEqualTo(pages[0]);
        assertThat(phys().data().matches(pages[0], 0, (int) P, Pattern.i32(100), 0)).isTrue();
        assertThat(phys().data().matches(cached, 0, (int) P, Pattern.i32(100), 0)).as("the file is untouched").isTrue();
        Gup.unpinUserPage(phys(), pages[0]);
        assertNothingHeld();
    }

    @Test
    void longtermReadPinOfSharedFilePageKeepsThePageCachePage() {
        FileInode file = machine.createFile("f", P, Pattern.i32(100));
        long a = p.mmap(0, P, Mman.PROT_READ, Mman.MAP_SHARED, file, 0);
        assertReads(p, a, P, Pattern.i32(100), a);
        int cached = frame(p, a);
        int[] pages = new int[1];
        assertThat(pin(p, a, 1, Foll.LONGTERM, pages)).isEqualTo(1);
        assertThat(pages[0]).as("only COW mappings unshare").isEqualTo(cached);
        Gup.unpinUserPage(phys(), pages[0]);
        assertNothingHeld();
    }

    @Test
    void forkSharesMaybePinnedPageWhenMmNeverPinned() {
        long a = EdgeCaseSupport.written(p, P);
        int pfn = frame(p, a);
        int[] pages = new int[PhysicalMemory.GUP_PIN_COUNTING_BIAS];
        for (int i = 0; i < pages.length; i++) {
            assertThat(get(p, a, 1, 0, pages)).isEqualTo(1);
        }
        assertThat(phys().maybeDmaPinned(pfn)).as("enough plain references look like a pin").isTrue();
        assertThat(p.mm().hasPinned()).isFalse();

        UserProcess child = p.fork("c");
        assertThat(frame(child, a)).as("no MMF_HAS_PINNED: shared copy-on-write").isEqualTo(pfn);
        assertThat(PageStates.of(p.mm(), a)).isEqualTo(PageState.PRESENT_RO);
        assertThat(machine.stats().forkPinnedCopies.get()).isZero();
        for (int i = 0; i < pages.length; i++) {
            Gup.putPage(phys(), pfn);
        }
        assertNothingHeld();
    }
}
