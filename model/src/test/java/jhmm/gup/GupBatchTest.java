package jhmm.gup;

import static jhmm.gup.EdgeCaseSupport.ANON;
import static jhmm.gup.EdgeCaseSupport.P;
import static jhmm.gup.EdgeCaseSupport.RW;
import static jhmm.gup.EdgeCaseSupport.assertReads;
import static jhmm.gup.EdgeCaseSupport.frame;
import static jhmm.gup.EdgeCaseSupport.get;
import static jhmm.gup.EdgeCaseSupport.pin;
import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.device.dmirror.DmirrorCmd;
import jhmm.device.dmirror.DmirrorDevice;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.EdgeStates;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import jhmm.mm.PageStates;
import jhmm.mm.ThpMode;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;
import jhmm.phys.PhysicalMemory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What GUP must keep while it takes the pages that need no fault a PTE table or a huge leaf at
 * a time (try_grab_folio with refs = n) and releases runs of a folio's pages in one step
 * (unpin_user_pages_dirty_lock through gup_folio_range_next): every page returned once, in
 * order, with exactly one reference or pin; faults only where follow_page_mask would fail;
 * the release undoing exactly what was taken, never more of a neighbouring folio.
 */
class GupBatchTest {
    private static final long M2 = PageSize.PMD_SIZE;
    private static final int NR = PageSize.HPAGE_PMD_NR;
    private static final int BIAS = 1024;

    private final Machine machine = new Machine(MachineConfig.defaults().withRam(256L << 20).withSwap(64L << 20).withThp(ThpMode.ALWAYS));
    private final UserProcess p = machine.createProcess("p");
    private final PhysicalMemory phys = machine.physicalMemory();
    private final PageFrames frames = phys.frames();

    private long faults() {
        return machine.stats().pageFaults.get();
    }

    /** A 2 MiB-aligned private anonymous read-write mapping of {@code len} bytes, nothing faulted. */
    private long aligned(long len) {
        long a = p.mmapAligned(len, M2, RW, ANON, null, 0);
        assertThat(a).as("mmap").isPositive();
        return a;
    }

    /** Writes {@code len} bytes at {@code a} with i32 words counted from {@code a}. */
    private void fill(long a, long len) {
        assertThat(p.write(a, len, Pattern.i32(0), a)).isZero();
    }

    /** {@code n} written 4K pages (MADV_NOHUGEPAGE) in a fresh mapping; its address. */
    private long smallPages(int n) {
        long a = aligned(n * P);
        assertThat(p.madvise(a, n * P, Mman.MADV_NOHUGEPAGE)).isZero();
        fill(a, n * P);
        return a;
    }

    /** A written THP at {@code a}; its head frame. */
    private int thpAt(long a) {
        fill(a, M2);
        assertThat(PageStates.of(p.mm(), a)).isEqualTo(PageState.HUGE_PMD);
        int head = frame(p, a);
        assertThat(frames.refcount(head)).as("a mapped THP holds its one mapping's reference").isEqualTo(1);
        return head;
    }

    /** A written THP followed in the same VMA by {@code n} unfaulted 4K pages (their window is not THP-eligible); its address. */
    private long thpThenSmall(int n) {
        long base = aligned(M2 + n * P);
        thpAt(base);
        return base;
    }

    private void assertSmallPinnedOnce(int pfn) {
        assertThat(frames.isLarge(pfn)).isFalse();
        assertThat(frames.refcount(pfn)).as("refcount of %d: its mapping + one pin", pfn).isEqualTo(1 + BIAS);
        assertThat(frames.pteMapcount(pfn)).as("pteMapcount of %d", pfn).isEqualTo(1);
        assertThat(phys.maybeDmaPinned(pfn)).isTrue();
    }

    private void assertSmallUnpinned(int pfn) {
        assertThat(frames.refcount(pfn)).as("refcount of %d", pfn).isEqualTo(1);
        assertThat(phys.maybeDmaPinned(pfn)).isFalse();
    }

    private void assertThpPins(int head, int pins) {
        assertThat(frames.refcount(head)).as("THP %d refcount", head).isEqualTo(1 + pins);
        assertThat(frames.largePincount(head)).as("THP %d pincount", head).isEqualTo(pins);
        assertThat(frames.entireMapcount(head)).as("THP %d entire mapcount", head).isEqualTo(1);
        assertThat(phys.maybeDmaPinned(head)).isEqualTo(pins > 0);
    }

    private void assertNothingHeld() {
        assertThat(phys.externalRefs()).as("external references").isZero();
        assertThat(machine.checkInvariants()).as("invariants").isEmpty();
    }

    /** The GUP entry points: FOLL_GET takes a reference per page, FOLL_PIN a pin; the fast ones start lockless. */
    enum Entry {
        GET_USER_PAGES, GET_USER_PAGES_FAST, PIN_USER_PAGES, PIN_USER_PAGES_FAST;

        boolean pins() {
            return this == PIN_USER_PAGES || this == PIN_USER_PAGES_FAST;
        }

        long call(UserProcess proc, long start, int n, int flags, int[] pages) {
            return switch (this) {
                case GET_USER_PAGES -> get(proc, start, n, flags, pages);
                case GET_USER_PAGES_FAST -> Gup.getUserPagesFast(proc.mm(), start, n, flags, pages);
                case PIN_USER_PAGES -> pin(proc, start, n, flags, pages);
                case PIN_USER_PAGES_FAST -> Gup.pinUserPagesFast(proc.mm(), start, n, flags, pages);
            };
        }

        /** What one page taken adds to a small folio's refcount. */
        int smallRefs() {
            return pins() ? BIAS : 1;
        }

        /** unpin_user_pages_dirty_lock, or put_page of each page. */
        void release(PhysicalMemory phys, int[] pages, int n) {
            if (pins()) {
                Gup.unpinUserPagesDirtyLock(phys, pages, n, true);
                return;
            }
            for (int i = 0; i < n; i++) {
                Gup.putPage(phys, pages[i]);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Entry.class)
    @DisplayName("GUP(FOLL_WRITE) over THP tail pages, present 4K pages, a hole, a COW-shared page, a swapped page and a zero "
            + "page takes every page exactly once, faults only the four that need it, and releasing the array restores every count")
    void writeGupOfMixedRangeTakesEachPageOnceAndFaultsOnlyWhereNeeded(Entry entry) {
        long base = aligned(M2 + 8 * P);
        long small = base + M2; // eight 4K pages: the window is not THP-eligible
        fill(small + 3 * P, P);
        int shared = frame(p, small + 3 * P);
        UserProcess child = p.fork("c"); // page 3 becomes COW-shared
        int thp = thpAt(base);
        for (int i : new int[] {0, 1, 4, 5, 7}) {
            fill(small + i * P, P);
        }
        assertThat(machine.swapout(p, small + 4 * P, P)).isZero();
        assertThat(p.read(small + 6 * P, new byte[1], 0, 1)).isZero();
        assertThat(PageStates.of(p.mm(), small + 2 * P)).isEqualTo(PageState.NONE);
        assertThat(PageStates.of(p.mm(), small + 3 * P)).isEqualTo(PageState.PRESENT_RO);
        assertThat(PageStates.of(p.mm(), small + 4 * P)).isEqualTo(PageState.SWAP);
        assertThat(PageStates.of(p.mm(), small + 6 * P)).isEqualTo(PageState.ZERO);
        int[] present = {frame(p, small), frame(p, small + P), frame(p, small + 5 * P), frame(p, small + 7 * P)};
        long f0 = faults();
        long rss0 = p.mm().rss();

        int[] pages = new int[12];
        assertThat(entry.call(p, base + M2 - 4 * P, 12, Foll.WRITE, pages)).isEqualTo(12);

        assertThat(faults() - f0).as("one fault each for the hole, the COW page, the swapped page and the zero page").isEqualTo(4);
        assertThat(pages).startsWith(thp + NR - 4, thp + NR - 3, thp + NR - 2, thp + NR - 1);
        for (int i = 0; i < 8; i++) {
            int pfn = pages[4 + i];
            assertThat(pfn).as("page %d is what the process maps", i).isEqualTo(frame(p, small + i * P));
            assertThat(frames.refcount(pfn)).as("refcount of page %d: its mapping + what GUP took", i).isEqualTo(1 + entry.smallRefs());
            assertThat(frames.pteMapcount(pfn)).as("pteMapcount of page %d", i).isEqualTo(1);
            assertThat(phys.maybeDmaPinned(pfn)).isEqualTo(entry.pins());
        }
        assertThat(new int[] {pages[4], pages[5], pages[9], pages[11]}).as("present pages taken as they are").isEqualTo(present);
        assertThat(pages[7]).as("the write broke COW").isNotEqualTo(shared);
        assertThat(frame(child, small + 3 * P)).isEqualTo(shared);
        assertThat(frames.refcount(shared)).as("the child's page keeps only the child's mapping").isEqualTo(1);
        assertThat(phys.isZeroPfn(pages[10])).isFalse();
        assertThat(frames.refcount(thp)).as("THP refcount").isEqualTo(1 + 4);
        assertThat(frames.largePincount(thp)).as("THP pincount").isEqualTo(entry.pins() ? 4 : 0);
        assertThat(phys.externalRefs()).isEqualTo(8L * entry.smallRefs() + 4);
        assertThat(p.mm().rss() - rss0).as("rss: the hole's, the swapped and the zero page's new pages (a COW replaces one)").isEqualTo(3);
        assertThat(machine.checkInvariants()).isEmpty();

        entry.release(phys, pages, 12);
        assertThpPins(thp, 0);
        for (int i = 4; i < 12; i++) {
            assertSmallUnpinned(pages[i]);
            if (entry.pins()) {
                assertThat(frames.test(pages[i], PageFlags.DIRTY)).as("made dirty by the unpin").isTrue();
            }
        }
        assertReads(p, base + M2 - 4 * P, 4 * P, Pattern.i32(0), base);
        assertNothingHeld();
    }

    @Test
    @DisplayName("unpin_user_pages_dirty_lock over an array holding the same small page twice drops both pins, one bias each")
    void samePageTwiceIsUnpinnedTwice() {
        long a = smallPages(2);
        int pfn = frame(p, a);
        int[] pages = new int[2];
        assertThat(pin(p, a, 2, 0, pages)).isEqualTo(2);
        assertThat(pin(p, a, 1, Foll.WRITE, new int[1])).isEqualTo(1);
        assertThat(pages[0]).isEqualTo(pfn);
        assertThat(frames.refcount(pfn)).isEqualTo(1 + 2 * BIAS);

        Gup.unpinUserPagesDirtyLock(phys, new int[] {pfn, pfn}, 2, false);
        assertThat(frames.refcount(pfn)).isEqualTo(1);
        assertSmallPinnedOnce(pages[1]);
        Gup.unpinUserPage(phys, pages[1]);
        assertNothingHeld();
    }

    @Test
    @DisplayName("unpin_user_pages_dirty_lock never groups consecutive frames of two different small folios")
    void consecutiveFramesOfTwoSmallFoliosAreReleasedSeparately() {
        long a = smallPages(64);
        int[] pair = physicallyAdjacentSmallPages(a, 64);
        int[] pages = new int[2];
        for (int i = 0; i < 2; i++) {
            int[] one = new int[1];
            assertThat(pin(p, a + pair[i] * P, 1, 0, one)).isEqualTo(1);
            pages[i] = one[0];
        }
        assertThat(pages[1]).as("the array holds consecutive frames").isEqualTo(pages[0] + 1);
        assertSmallPinnedOnce(pages[0]);
        assertSmallPinnedOnce(pages[1]);

        Gup.unpinUserPagesDirtyLock(phys, pages, 2, false);
        assertSmallUnpinned(pages[0]);
        assertSmallUnpinned(pages[1]);
        assertNothingHeld();
    }

    /** Page indexes {i, j} of [a, a + n pages) whose frames are f and f + 1. */
    private int[] physicallyAdjacentSmallPages(long a, int n) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (frame(p, a + j * P) == frame(p, a + i * P) + 1) {
                    return new int[] {i, j};
                }
            }
        }
        throw new AssertionError("no two pages of the range sit in consecutive frames");
    }

    @Test
    @DisplayName("a pin run crossing from one THP into the next adjacent one counts +1 and one pincount per page on each folio, "
            + "and unpinning the array restores both")
    void pinRunCrossingTwoThpsRestoresBoth() {
        long base = aligned(2 * M2);
        int first = thpAt(base);
        int second = thpAt(base + M2);
        int[] pages = new int[8];
        long f0 = faults();
        assertThat(pin(p, base + M2 - 3 * P, 8, Foll.WRITE, pages)).isEqualTo(8);
        assertThat(faults() - f0).isZero();
        assertThat(pages).containsExactly(first + NR - 3, first + NR - 2, first + NR - 1, second, second + 1, second + 2,
                second + 3, second + 4);
        assertThpPins(first, 3);
        assertThpPins(second, 5);
        assertThat(phys.externalRefs()).isEqualTo(8);

        Gup.unpinUserPagesDirtyLock(phys, pages, 8, true);
        assertThpPins(first, 0);
        assertThpPins(second, 0);
        assertNothingHeld();
    }

    @Test
    @DisplayName("unpin_user_pages_dirty_lock of an array whose last pages of one THP and first of another are consecutive frames "
            + "releases each folio's own pins")
    void physicallyAdjacentThpsAreReleasedPerFolio() {
        long base = aligned(4 * M2);
        int[] heads = new int[4];
        for (int i = 0; i < 4; i++) {
            heads[i] = thpAt(base + i * M2);
        }
        int lower = -1;
        int upper = -1;
        for (int i = 0; i < 4 && lower < 0; i++) {
            for (int j = 0; j < 4; j++) {
                if (heads[j] == heads[i] + NR) {
                    lower = i;
                    upper = j;
                    break;
                }
            }
        }
        assertThat(lower).as("two of four THPs sit in adjacent frames").isNotNegative();
        int[] pages = new int[6];
        int[] tail = new int[2];
        assertThat(pin(p, base + lower * M2 + M2 - 2 * P, 2, 0, tail)).isEqualTo(2);
        int[] head = new int[4];
        assertThat(pin(p, base + upper * M2, 4, 0, head)).isEqualTo(4);
        System.arraycopy(tail, 0, pages, 0, 2);
        System.arraycopy(head, 0, pages, 2, 4);
        for (int i = 1; i < 6; i++) {
            assertThat(pages[i]).as("frames run on across the folio boundary").isEqualTo(pages[0] + i);
        }
        assertThpPins(heads[lower], 2);
        assertThpPins(heads[upper], 4);

        Gup.unpinUserPagesDirtyLock(phys, pages, 6, false);
        assertThpPins(heads[lower], 0);
        assertThpPins(heads[upper], 0);
        assertNothingHeld();
    }

    @Test
    @DisplayName("pin_user_pages stops where the range enters a VMA without read permission: the THP pages before it are "
            + "pinned once each; starting there it returns -EFAULT and takes nothing")
    void pinStopsAtVmaWithoutReadPermission() {
        long base = thpThenSmall(4);
        int thp = frame(p, base);
        assertThat(p.mprotect(base + M2, 4 * P, Mman.PROT_NONE)).isZero();
        assertThat(PageStates.of(p.mm(), base)).as("the THP is untouched by the mprotect after it").isEqualTo(PageState.HUGE_PMD);
        int[] pages = new int[8];

        assertThat(pin(p, base + M2 - 4 * P, 8, Foll.WRITE, pages)).isEqualTo(4);
        assertThat(pages).startsWith(thp + NR - 4, thp + NR - 3, thp + NR - 2, thp + NR - 1);
        assertThpPins(thp, 4);
        Gup.unpinUserPagesDirtyLock(phys, pages, 4, false);
        assertThpPins(thp, 0);

        long f0 = faults();
        assertThat(pin(p, base + M2, 4, 0, pages)).isEqualTo(-Errno.EFAULT);
        assertThat(Gup.pinUserPagesFast(p.mm(), base + M2, 4, 0, pages)).isEqualTo(-Errno.EFAULT);
        assertThat(faults() - f0).isZero();
        assertNothingHeld();
    }

    @Test
    @DisplayName("pin_user_pages(FOLL_WRITE) stops where the range enters a read-only VMA; a read pin goes through it")
    void writePinStopsAtReadOnlyVma() {
        long a = smallPages(8);
        assertThat(p.mprotect(a + 5 * P, 3 * P, Mman.PROT_READ)).isZero();
        int[] pages = new int[8];
        assertThat(pin(p, a, 8, Foll.WRITE, pages)).isEqualTo(5);
        for (int i = 0; i < 5; i++) {
            assertSmallPinnedOnce(pages[i]);
        }
        assertSmallUnpinned(frame(p, a + 5 * P));
        Gup.unpinUserPagesDirtyLock(phys, pages, 5, false);

        long f0 = faults();
        assertThat(pin(p, a, 8, 0, pages)).isEqualTo(8);
        assertThat(faults() - f0).isZero();
        for (int i = 0; i < 8; i++) {
            assertThat(pages[i]).isEqualTo(frame(p, a + i * P));
            assertSmallPinnedOnce(pages[i]);
        }
        Gup.unpinUserPagesDirtyLock(phys, pages, 8, false);
        assertNothingHeld();
    }

    @Test
    @DisplayName("FOLL_LONGTERM over RAM pages followed by device-coherent pages keeps the RAM pages and migrates the coherent ones out")
    void longtermPinTakesRamPagesAndMigratesCoherentOnes() {
        long a = smallPages(4);
        int[] ram = {frame(p, a), frame(p, a + P)};
        DmirrorDevice dev = new DmirrorDevice("coherent", DmirrorDevice.MemoryType.COHERENT, machine.memory(), 64L << 20);
        assertThat(dev.open(p.mm()).migrateToDev(new DmirrorCmd(a + 2 * P, 2, new byte[(int) (2 * P)]))).isZero();
        int coherent = frame(p, a + 2 * P);
        assertThat(phys.pgmap(coherent)).isNotNull();

        int[] pages = new int[4];
        assertThat(pin(p, a, 4, Foll.WRITE | Foll.LONGTERM, pages)).isEqualTo(4);
        assertThat(pages[0]).isEqualTo(ram[0]);
        assertThat(pages[1]).isEqualTo(ram[1]);
        for (int i = 0; i < 4; i++) {
            assertThat(phys.pgmap(pages[i])).as("page %d in system RAM", i).isNull();
            assertThat(pages[i]).isEqualTo(frame(p, a + i * P));
            assertSmallPinnedOnce(pages[i]);
        }
        assertThat(dev.pagesInUse()).isZero();
        assertReads(p, a, 4 * P, Pattern.i32(0), a);
        Gup.unpinUserPagesDirtyLock(phys, pages, 4, true);
        assertNothingHeld();
    }

    @Test
    @DisplayName("get_user_pages (FOLL_GET) over a THP takes one reference per page and no pin; put_page of each restores the count")
    void getUserPagesOnThpTakesOneReferencePerPage() {
        long base = aligned(M2);
        int thp = thpAt(base);
        int n = 40;
        int[] pages = new int[n];
        long f0 = faults();
        assertThat(get(p, base + 100 * P, n, Foll.WRITE, pages)).isEqualTo(n);
        assertThat(faults() - f0).isZero();
        for (int i = 0; i < n; i++) {
            assertThat(pages[i]).isEqualTo(thp + 100 + i);
        }
        assertThat(frames.refcount(thp)).isEqualTo(1 + n);
        assertThat(frames.largePincount(thp)).isZero();
        assertThat(phys.maybeDmaPinned(thp)).isFalse();
        assertThat(phys.externalRefs()).isEqualTo(n);
        assertThat(machine.checkInvariants()).isEmpty();

        for (int i = 0; i < n; i++) {
            Gup.putPage(phys, pages[i]);
        }
        assertThpPins(thp, 0);
        assertNothingHeld();
    }

    @Test
    @DisplayName("a read pin of untouched THP-eligible memory faults once for the huge zero page and pins its pages without counting them")
    void readPinOfUntouchedThpRangeReturnsTheHugeZeroPage() {
        long base = aligned(M2);
        int hz = phys.hugeZeroPfn();
        int hzRef = frames.refcount(hz);
        int[] pages = new int[NR];
        long f0 = faults();
        assertThat(pin(p, base, NR, 0, pages)).isEqualTo(NR);
        assertThat(faults() - f0).as("one fault maps the huge zero PMD; the rest come from the leaf").isEqualTo(1);
        for (int i = 0; i < NR; i++) {
            assertThat(pages[i]).isEqualTo(hz + i);
        }
        assertThat(frames.refcount(hz)).isEqualTo(hzRef);
        assertThat(frames.largePincount(hz)).isZero();
        assertThat(p.mm().rss()).isZero();
        Gup.unpinUserPagesDirtyLock(phys, pages, NR, false);
        assertThat(frames.refcount(hz)).isEqualTo(hzRef);
        assertNothingHeld();
    }

    @Test
    @DisplayName("a pin of a PTE-mapped THP (PMD split by mprotect) adds +1 and one pincount per page to the still-large folio; "
            + "unpin restores it")
    void pinOfPteMappedThpCountsPerPage() {
        long base = aligned(M2);
        int thp = thpAt(base);
        assertThat(p.mprotect(base + M2 / 2, M2 / 2, Mman.PROT_READ)).isZero();
        assertThat(PageStates.of(p.mm(), base)).isEqualTo(PageState.PRESENT_RW);
        assertThat(frames.isLarge(thp)).as("the folio stays large").isTrue();
        int[] pages = new int[NR];
        long f0 = faults();
        assertThat(pin(p, base, NR, 0, pages)).isEqualTo(NR);
        assertThat(faults() - f0).isZero();
        for (int i = 0; i < NR; i++) {
            assertThat(pages[i]).isEqualTo(thp + i);
            assertThat(frames.pteMapcount(thp + i)).isEqualTo(1);
        }
        assertThat(frames.refcount(thp)).isEqualTo(2 * NR);
        assertThat(frames.largePincount(thp)).isEqualTo(NR);
        assertThat(phys.externalRefs()).isEqualTo(NR);

        Gup.unpinUserPagesDirtyLock(phys, pages, NR, false);
        assertThat(frames.refcount(thp)).isEqualTo(NR);
        assertThat(frames.largePincount(thp)).isZero();
        assertNothingHeld();
    }

    @Test
    @DisplayName("a write pin of one page of a COW-shared THP takes one fault, splitting the PMD and copying that page")
    void writePinOfCowSharedThpPageFaultsOnce() {
        // do_huge_pmd_wp_page splits and returns VM_FAULT_FALLBACK; the same handle_mm_fault then copies at the PTE level
        long base = aligned(M2);
        int thp = thpAt(base);
        UserProcess child = p.fork("c");
        int[] pages = new int[1];
        long f0 = faults();

        assertThat(pin(p, base, 1, Foll.WRITE, pages)).isEqualTo(1);

        assertThat(faults() - f0).as("page faults").isEqualTo(1);
        assertThat(pages[0]).isEqualTo(frame(p, base)).isNotEqualTo(thp);
        assertSmallPinnedOnce(pages[0]);
        assertThat(frame(p, base + P)).as("the other pages still map the THP, now by PTEs").isEqualTo(thp + 1);
        assertThat(frame(child, base)).isEqualTo(thp);
        assertThat(frames.refcount(thp)).as("the child's PMD and the parent's 511 PTEs").isEqualTo(NR);
        assertThat(frames.entireMapcount(thp)).isEqualTo(1);
        assertThat(frames.pteMapcount(thp)).isZero();
        assertThat(frames.pteMapcount(thp + 1)).isEqualTo(1);
        assertThat(frames.largePincount(thp)).isZero();
        Gup.unpinUserPage(phys, pages[0]);
        assertNothingHeld();
    }

    @Test
    @DisplayName("pin_user_pages over NUMA-hinting (PROT_NONE) entries faults once per hinted 4K page and once for a hinted THP, "
            + "then pins every page once")
    void pinOverNumaHintsFaultsOncePerHintedEntry() {
        long base = thpThenSmall(4);
        long small = base + M2;
        fill(small, 4 * P);
        int thp = frame(p, base);
        EdgeStates.numaHint(p.mm(), base);
        EdgeStates.numaHint(p.mm(), small + P);
        EdgeStates.numaHint(p.mm(), small + 2 * P);
        assertThat(PageStates.of(p.mm(), small + P)).isEqualTo(PageState.PROTNONE);
        int[] pages = new int[8];
        long f0 = faults();

        assertThat(pin(p, base + M2 - 4 * P, 8, Foll.WRITE, pages)).isEqualTo(8);

        assertThat(faults() - f0).as("do_huge_pmd_numa_page once, do_numa_page twice").isEqualTo(3);
        assertThat(pages).startsWith(thp + NR - 4, thp + NR - 3, thp + NR - 2, thp + NR - 1);
        assertThpPins(thp, 4);
        for (int i = 0; i < 4; i++) {
            assertThat(pages[4 + i]).isEqualTo(frame(p, small + i * P));
            assertSmallPinnedOnce(pages[4 + i]);
            assertThat(PageStates.of(p.mm(), small + i * P)).isEqualTo(PageState.PRESENT_RW);
        }
        Gup.unpinUserPagesDirtyLock(phys, pages, 8, false);
        assertThpPins(thp, 0);
        assertNothingHeld();
    }
}
