package jhmm.hmm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.FileInode;
import jhmm.mm.Mm;
import jhmm.mm.Mman;
import jhmm.mm.NotifierRange;
import jhmm.mm.PageState;
import jhmm.mm.PageStates;
import jhmm.mm.ThpMode;
import jhmm.notifier.MmuIntervalNotifier;
import jhmm.notifier.MmuNotifiers;
import jhmm.phys.PageFrames;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What hmm_range_fault must keep now that its faults go through Fault.handleRange (runs of
 * fresh anonymous PTEs under one PTL hold, the pages of a huge leaf that already allows the
 * access counted but not run) and its walk reads PTE tables from the array the PMD pointed to:
 * hmm_vma_fault calls handle_mm_fault for every page from the first one needing a fault to
 * the end of the walk chunk, and each call counts as a page fault; new anonymous folios hold
 * exactly their one mapping's reference; a PTE table freed by MADV_DONTNEED reads as empty.
 * Driven as a driver does, through {@link HmmDriverProtocol} with an interval notifier whose
 * callback takes the driver lock.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HmmFaultSpanTest {
    private static final long P = PageSize.PAGE_SIZE;
    private static final long M2 = PageSize.PMD_SIZE;
    private static final int NR = PageSize.HPAGE_PMD_NR;
    private static final long VALID_W = HmmPfn.VALID | HmmPfn.WRITE;
    private static final long REQ_W = HmmPfn.REQ_FAULT | HmmPfn.REQ_WRITE;
    private static final long ORDER9 = HmmPfn.orderBits(PageSize.PMD_ORDER);

    private final ReentrantLock driverLock = new ReentrantLock();
    private final AtomicInteger invalidations = new AtomicInteger();
    private Machine machine;
    private UserProcess p;
    private Mm mm;
    private PageFrames frames;

    private void boot(ThpMode thp) {
        boot(MachineConfig.defaults().withRam(256L << 20).withSwap(64L << 20).withThp(thp));
    }

    private void boot(MachineConfig config) {
        machine = new Machine(config);
        p = machine.createProcess("p");
        mm = p.mm();
        frames = machine.physicalMemory().frames();
    }

    /** A 2 MiB-aligned private anonymous read-write mapping, nothing faulted. */
    private long aligned(long len) {
        long a = p.mmapAligned(len, M2, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(a).as("mmap").isPositive();
        return a;
    }

    private void touch(long a, long len) {
        assertThat(p.write(a, len, Pattern.i32(7), a)).isZero();
    }

    /**
     * hmm_range_fault over {@code n} pages at {@code start} with {@code flags} as every slot's
     * request, restarted on -EBUSY and on a collision; returns the slots.
     */
    private long[] mirror(long start, int n, long flags) {
        var sub = MmuNotifiers.insert(mm, start, n * P, this::invalidate);
        try {
            HmmRange r = new HmmRange(sub, start, start + n * P, new long[n]);
            r.defaultFlags = flags;
            assertThat(HmmDriverProtocol.faultAndUpdate(r, driverLock, 0, () -> 0)).as("hmm_range_fault").isZero();
            return r.hmmPfns;
        } finally {
            MmuNotifiers.remove(sub);
        }
    }

    /** The driver's invalidate callback: set the sequence under the driver lock. */
    private boolean invalidate(MmuIntervalNotifier sub, NotifierRange range, long cur) {
        driverLock.lock();
        try {
            sub.setSeq(cur);
            invalidations.incrementAndGet();
        } finally {
            driverLock.unlock();
        }
        return true;
    }

    private long faults() {
        return machine.stats().pageFaults.get();
    }

    private int frameAt(long addr) {
        return PageStates.frameAt(mm, addr);
    }

    /** A new anonymous 4K page mapped once: its one mapping holds its one reference. */
    private void assertFreshSmallPage(long addr) {
        int pfn = frameAt(addr);
        assertThat(frames.isLarge(pfn)).as("4K page at %x", addr).isFalse();
        assertThat(frames.refcount(pfn)).as("refcount of the page at %x", addr).isEqualTo(1);
        assertThat(frames.pteMapcount(pfn)).as("pteMapcount of the page at %x", addr).isEqualTo(1);
    }

    private void assertCoherent() {
        assertThat(machine.physicalMemory().externalRefs()).isZero();
        assertThat(machine.checkInvariants()).as("invariants").isEmpty();
    }

    @Test
    @DisplayName("REQ_FAULT|REQ_WRITE over a THP-eligible 2 MiB and a 4K area holding a present, a swapped and a zero-page mapped page: "
            + "every slot valid and writable, one fault per page of each fault span, new folios hold exactly one reference")
    void writeFaultOverThpWindowAndMixedSmallPages() {
        boot(ThpMode.ALWAYS);
        long base = aligned(M2 + 16 * P);
        long small = base + M2; // not THP-eligible: the VMA ends inside this PMD window
        touch(small, 2 * P);
        assertThat(machine.swapout(p, small + P, P)).isZero();
        assertThat(p.read(small + 2 * P, new byte[1], 0, 1)).isZero();
        assertThat(PageStates.of(mm, small + P)).isEqualTo(PageState.SWAP);
        assertThat(PageStates.of(mm, small + 2 * P)).isEqualTo(PageState.ZERO);
        int present = frameAt(small);
        long f0 = faults();
        long rss0 = mm.rss();

        long[] pfns = mirror(base, NR + 16, REQ_W);

        assertThat(faults() - f0).as("512 for the THP window, then pages 1-15 of the 4K window (the swapped page's span)")
                .isEqualTo(NR + 15);
        assertThat(PageStates.of(mm, base)).isEqualTo(PageState.HUGE_PMD);
        int thp = frameAt(base);
        for (int i = 0; i < NR; i++) {
            assertThat(pfns[i]).as("slot %d", i).isEqualTo((thp + i) | VALID_W | ORDER9);
        }
        assertThat(frames.refcount(thp)).as("THP refcount").isEqualTo(1);
        assertThat(frames.entireMapcount(thp)).as("THP entire mapcount").isEqualTo(1);
        assertThat(frames.pteMapcount(thp + 5)).isZero();
        for (int i = 0; i < 16; i++) {
            long addr = small + i * P;
            assertThat(PageStates.of(mm, addr)).as("page %d", i).isEqualTo(PageState.PRESENT_RW);
            assertThat(pfns[NR + i]).as("slot of page %d", i).isEqualTo(frameAt(addr) | VALID_W);
            assertFreshSmallPage(addr);
        }
        assertThat(frameAt(small)).as("the present page is kept").isEqualTo(present);
        assertThat(machine.physicalMemory().isZeroPfn(frameAt(small + 2 * P))).isFalse();
        assertThat(mm.rss() - rss0).as("rss: the THP, the swapped-in page, the zero page's copy, 13 new pages").isEqualTo(NR + 15);
        assertCoherent();
    }

    @Test
    @DisplayName("a fault span runs from the first page needing a fault to the end of its PMD window, counting the populated "
            + "pages inside it and replacing none of them")
    void faultSpanCountsPopulatedPagesUpToTheWindowEnd() {
        boot(ThpMode.NEVER);
        long base = aligned(2 * M2);
        long s = base + M2 - 8 * P; // pages 0-7 in the first window, 8-15 in the second
        touch(s, 4 * P);
        touch(s + 10 * P, P);
        int kept = frameAt(s + 10 * P);
        long f0 = faults();
        long rss0 = mm.rss();

        long[] pfns = mirror(s, 16, REQ_W);

        assertThat(faults() - f0).as("pages 4-7 of the first window, pages 8-15 of the second").isEqualTo(12);
        assertThat(frameAt(s + 10 * P)).isEqualTo(kept);
        for (int i = 0; i < 16; i++) {
            assertThat(pfns[i]).as("slot %d", i).isEqualTo(frameAt(s + i * P) | VALID_W);
            assertFreshSmallPage(s + i * P);
        }
        assertThat(mm.rss() - rss0).isEqualTo(11);
        assertCoherent();
    }

    @Test
    @DisplayName("REQ_FAULT alone over untouched memory maps the huge zero page in the THP window and the zero page in the 4K one, "
            + "one fault per page, no reference taken")
    void readFaultMapsZeroPagesCountingEachPage() {
        boot(ThpMode.ALWAYS);
        long base = aligned(M2 + 8 * P);
        int zero = machine.physicalMemory().zeroPfn();
        int hz = machine.physicalMemory().hugeZeroPfn();
        int zeroRef = frames.refcount(zero);
        int hzRef = frames.refcount(hz);
        long f0 = faults();

        long[] pfns = mirror(base, NR + 8, HmmPfn.REQ_FAULT);

        assertThat(faults() - f0).isEqualTo(NR + 8);
        for (int i = 0; i < NR; i++) {
            assertThat(pfns[i]).as("slot %d", i).isEqualTo((hz + i) | HmmPfn.VALID | ORDER9);
        }
        for (int i = NR; i < NR + 8; i++) {
            assertThat(pfns[i]).as("slot %d", i).isEqualTo(zero | HmmPfn.VALID);
        }
        assertThat(frames.refcount(zero)).isEqualTo(zeroRef);
        assertThat(frames.refcount(hz)).isEqualTo(hzRef);
        assertThat(mm.rss()).isZero();
        assertCoherent();
    }

    @Test
    @DisplayName("after MADV_DONTNEED of a whole PMD window frees its PTE table, a snapshot reports no valid slot "
            + "and a write fault repopulates every page with fresh single-reference pages")
    void snapshotAfterTableFreeIsEmptyAndFaultRepopulates() {
        boot(ThpMode.NEVER);
        long base = aligned(M2);
        touch(base, M2);
        long[] before = mirror(base, NR, 0);
        for (int i = 0; i < NR; i++) {
            assertThat(before[i]).as("slot %d", i).isEqualTo(frameAt(base + i * P) | VALID_W);
        }
        int tables = mm.pageTable().liveTables();

        assertThat(p.madvise(base, M2, Mman.MADV_DONTNEED)).isZero();
        assertThat(mm.pageTable().pmd(base)).as("the PTE table is gone").isZero();
        assertThat(mm.pageTable().liveTables()).isEqualTo(tables - 1);
        assertThat(mm.rss()).isZero();

        long[] snap = mirror(base, NR, 0);
        assertThat(snap).containsOnly(0L);

        long f0 = faults();
        long[] again = mirror(base, NR, REQ_W);
        assertThat(faults() - f0).isEqualTo(NR);
        for (int i = 0; i < NR; i++) {
            assertThat(again[i]).as("slot %d", i).isEqualTo(frameAt(base + i * P) | VALID_W);
            assertFreshSmallPage(base + i * P);
        }
        assertThat(mm.rss()).isEqualTo(NR);
        assertCoherent();
    }

    @Test
    @DisplayName("a write fault on a COW-shared THP splits the PMD and copies each page in the same handle_mm_fault: "
            + "REQ_WRITE over the THP counts one fault per page")
    void writeFaultOnCowSharedThpCountsOneFaultPerPage() {
        boot(ThpMode.ALWAYS);
        long base = aligned(M2);
        touch(base, M2);
        int thp = frameAt(base);
        UserProcess child = p.fork("c");
        long f0 = faults();

        long[] pfns = mirror(base, NR, REQ_W);

        assertThat(faults() - f0).as("handle_mm_fault per page; the first splits the PMD and copies its page").isEqualTo(NR);
        for (int i = 0; i < NR; i++) {
            assertThat(pfns[i]).as("slot %d", i).isEqualTo(frameAt(base + i * P) | VALID_W);
            assertFreshSmallPage(base + i * P);
        }
        assertThat(PageStates.frameAt(child.mm(), base)).isEqualTo(thp);
        assertThat(frames.refcount(thp)).as("the child's PMD is the THP's only mapping").isEqualTo(1);
        assertThat(frames.entireMapcount(thp)).isEqualTo(1);
        assertCoherent();
    }

    @Test
    @DisplayName("a write fault span that runs out of memory returns -EFAULT and counts every handle_mm_fault made, "
            + "the failing one included; the pages faulted before it hold one reference each")
    void outOfMemoryInAFaultSpanCountsTheFailingFault() {
        boot(MachineConfig.defaults().withRam(8L << 20).withThp(ThpMode.NEVER));
        int n = (int) ((8L << 20) / P); // all of RAM: more than is free
        long a = aligned(n * P);
        MmuIntervalNotifier sub = MmuNotifiers.insert(mm, a, n * P, this::invalidate);
        HmmRange r = new HmmRange(sub, a, a + n * P, new long[n]);
        r.defaultFlags = REQ_W;
        long f0 = faults();

        assertThat(HmmDriverProtocol.faultAndUpdate(r, driverLock, 0, () -> 0)).isEqualTo(-Errno.EFAULT);

        long mapped = mm.rss();
        assertThat(mapped).as("some pages were faulted before memory ran out").isPositive().isLessThan(n);
        assertThat(faults() - f0).as("one fault per page mapped, plus the one that failed").isEqualTo(mapped + 1);
        for (long i = 0; i < mapped; i++) {
            assertFreshSmallPage(a + i * P);
        }
        assertThat(PageStates.of(mm, a + mapped * P)).isEqualTo(PageState.NONE);
        MmuNotifiers.remove(sub);
        assertCoherent();
    }

    @Test
    @DisplayName("REQ_FAULT|REQ_WRITE over a file mapping: shared, each page-cache page is mapped writable with the cache's and the "
            + "mapping's references; private, each page gets an anonymous copy holding one reference; one fault per page")
    void writeFaultOverFileMappings() {
        boot(ThpMode.ALWAYS);
        int n = 8;
        FileInode file = machine.createFile("f", n * P, Pattern.i32(0));
        int rw = Mman.PROT_READ | Mman.PROT_WRITE;
        long shared = p.mmap(0, n * P, rw, Mman.MAP_SHARED, file, 0);
        long priv = p.mmap(0, n * P, rw, Mman.MAP_PRIVATE, file, 0);
        assertThat(shared).isPositive();
        assertThat(priv).isPositive();
        long f0 = faults();

        long[] sharedPfns = mirror(shared, n, REQ_W);
        long[] privPfns = mirror(priv, n, REQ_W);

        assertThat(faults() - f0).isEqualTo(2 * n);
        for (int i = 0; i < n; i++) {
            int cached = file.cachedPfn(i);
            assertThat(sharedPfns[i]).as("shared slot %d", i).isEqualTo(cached | VALID_W);
            assertThat(frames.refcount(cached)).as("page %d: the cache's reference and the shared mapping's", i).isEqualTo(2);
            assertThat(frames.pteMapcount(cached)).isEqualTo(1);
            assertThat(privPfns[i]).as("private slot %d", i).isEqualTo(frameAt(priv + i * P) | VALID_W);
            assertThat(frameAt(priv + i * P)).isNotEqualTo(cached);
            assertFreshSmallPage(priv + i * P);
        }
        assertThat(mm.rss()).isEqualTo(2L * n);
        assertCoherent();
    }

    private static final int CHURN_ROUNDS = 2000;

    /**
     * Writes the first and the last 8 pages of the PMD window at {@code w}: a table whose storage
     * went to the other window would put these entries under a walker of this one.
     */
    private void populateEnds(long w, List<String> wrong) {
        for (long g : new long[] {w, w + M2 - 8 * P}) {
            if (p.write(g, 8 * P, Pattern.i32((int) g), g) != 0) {
                wrong.add("write at " + Long.toHexString(g) + " failed");
            }
        }
    }

    @Test
    @DisplayName("snapshots racing MADV_DONTNEED (PTE tables freed) and re-population of two PMD windows never report, "
            + "once read_retry succeeds, a pfn the CPU does not map at that address")
    void snapshotsRacingTableFreesNeverReportUnmappedPfns() throws InterruptedException {
        boot(ThpMode.NEVER);
        long base = aligned(2 * M2);
        long[] windows = {base, base + M2};
        long s = base + M2 - 8 * P; // snapshot: the last 8 pages of one window, the first 8 of the next
        int n = 16;
        List<String> wrong = Collections.synchronizedList(new ArrayList<>());
        populateEnds(windows[0], wrong);
        populateEnds(windows[1], wrong);
        Thread churn = new Thread(() -> {
            for (int i = 0; i < CHURN_ROUNDS; i++) {
                int a = i & 1;
                int b = 1 - a;
                for (long w : new long[] {windows[a], windows[b]}) { // b's table is freed last...
                    if (p.madvise(w, M2, Mman.MADV_DONTNEED) != 0) {
                        wrong.add("round " + i + ": MADV_DONTNEED failed");
                    }
                }
                populateEnds(windows[a], wrong); // ...and a gets the first new table
                populateEnds(windows[b], wrong);
            }
        }, "dontneed-populate");
        MmuIntervalNotifier sub = MmuNotifiers.insert(mm, s, n * P, this::invalidate);
        HmmRange r = new HmmRange(sub, s, s + n * P, new long[n]);
        int[] validSeen = new int[1];
        int snapshots = 0;
        churn.start();
        while (churn.isAlive() || snapshots == 0) {
            int ret = HmmDriverProtocol.faultAndUpdate(r, driverLock, 0, () -> {
                for (int i = 0; i < n; i++) { // under the driver lock, read_retry passed: no zap of these PTEs has begun
                    if (HmmPfn.valid(r.hmmPfns[i])) {
                        validSeen[0]++;
                        int cpu = frameAt(s + i * P);
                        if (cpu != HmmPfn.pfn(r.hmmPfns[i])) {
                            wrong.add("slot " + i + ": pfn " + HmmPfn.pfn(r.hmmPfns[i]) + " but the CPU maps " + cpu);
                        }
                    }
                }
                return 0;
            });
            assertThat(ret).as("snapshot of a mapped range").isZero();
            snapshots++;
        }
        churn.join();
        MmuNotifiers.remove(sub);
        assertThat(wrong).isEmpty();
        assertThat(validSeen[0]).as("valid slots checked over %d snapshots", snapshots).isPositive();
        assertCoherent();
    }
}
