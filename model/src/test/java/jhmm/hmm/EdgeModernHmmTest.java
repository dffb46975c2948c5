package jhmm.hmm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.device.dmirror.Dmirror;
import jhmm.device.dmirror.DmirrorCmd;
import jhmm.device.dmirror.DmirrorDevice;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.DeviceExclusive;
import jhmm.mm.EdgeStates;
import jhmm.mm.Mm;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import jhmm.mm.PageStates;
import jhmm.mm.Pte;
import jhmm.mm.ThpMode;
import jhmm.mm.VmFlags;
import jhmm.notifier.MmuIntervalNotifier;
import jhmm.notifier.MmuNotifiers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The edge cases 1-26 of the HMM specification's section 7 ("Modern hmm_range_fault"), each
 * checked against the outcome the specification states, driven as a driver drives
 * hmm_range_fault: an interval notifier over the whole address space whose callback calls
 * mmu_interval_set_seq, mmu_interval_read_begin, then the call under the mmap read lock.
 *
 * <p>States no operation of the model produces yet are built by {@link EdgeStates} the way the
 * kernel builds them (a driver's VM_IO/VM_PFNMAP/VM_MIXEDMAP mapping, NUMA-hinting PROT_NONE
 * entries). Page migration entries are observed from inside a real migration; device-private
 * entries come from the kernel's test device (dmirror) migrating pages to its memory.
 *
 * <p>Not constructible yet, so not tested here:
 * <ul>
 *   <li>14 (hwpoison or another unknown non-present entry): the model's entries have no
 *       hwpoison kind, and every one of the seven non-present kinds is swap, migration,
 *       device-private or device-exclusive.
 *   <li>18 (PTE markers: uffd-wp, guard regions): the model has neither markers nor
 *       userfaultfd or MADV_GUARD_INSTALL.
 *   <li>20, first half (a non-present PMD of another kind, before 6.18 any kind): the model
 *       implements 6.18+, and its only non-present, non-migration PMD is a device-private THP
 *       (the second half, tested).
 *   <li>21 (bad PMD): the page table cannot hold a corrupt entry.
 *   <li>22 (huge PUD leaf outside hugetlb): the model has no DAX and no PUD-sized THP, and its
 *       page walker has no pud_entry callback; 1 GiB hugetlb leaves go to hugetlb_entry (23).
 * </ul>
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EdgeModernHmmTest {
    private static final long P = PageSize.PAGE_SIZE;
    private static final long M2 = PageSize.PMD_SIZE;
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;
    private static final int ANON = Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS;
    /** An input with no request bit and no sticky bit: any slot still holding it was not written. */
    private static final long UNTOUCHED = 0x5a5aL;
    private static final long REQ = HmmPfn.REQ_FAULT;
    private static final long REQ_W = HmmPfn.REQ_FAULT | HmmPfn.REQ_WRITE;
    private static final long VALID = HmmPfn.VALID;
    private static final long VALID_W = HmmPfn.VALID | HmmPfn.WRITE;
    private static final long ORDER9 = HmmPfn.orderBits(PageSize.PMD_ORDER);

    private Machine machine;
    private UserProcess p;
    private Mm mm;
    private MmuIntervalNotifier sub;
    private final AtomicInteger invalidations = new AtomicInteger();

    @BeforeEach
    void boot() {
        boot(MachineConfig.defaults().withRam(256L << 20).withSwap(64L << 20));
    }

    private void boot(MachineConfig config) {
        machine = new Machine(config);
        p = machine.createProcess("p");
        mm = p.mm();
        sub = MmuNotifiers.insert(mm, 0, PageSize.TASK_SIZE, (s, range, cur) -> {
            s.setSeq(cur);
            invalidations.incrementAndGet();
            return true;
        });
    }

    // ---- driver side -------------------------------------------------------------------

    private long anon(long len, int prot) {
        long a = p.mmap(0, len, prot, ANON, null, 0);
        assertThat(a).as("mmap").isPositive();
        return a;
    }

    private long anonAligned(long len) {
        long a = p.mmapAligned(len, M2, RW, ANON, null, 0);
        assertThat(a).as("mmap").isPositive();
        return a;
    }

    /** Reboots with THP always on and returns a 2 MiB-aligned range mapped by a written THP. */
    private long bootWithThp() {
        boot(MachineConfig.defaults().withRam(256L << 20).withThp(ThpMode.ALWAYS));
        long base = anonAligned(M2);
        p.write(base, M2, Pattern.i32(0), base);
        assertThat(state(base)).isEqualTo(PageState.HUGE_PMD);
        return base;
    }

    /** A range of {@code n} pages at {@code start} whose slots all hold {@link #UNTOUCHED}. */
    private static HmmRange range(MmuIntervalNotifier notifier, long start, int n) {
        long[] pfns = new long[n];
        Arrays.fill(pfns, UNTOUCHED);
        return new HmmRange(notifier, start, start + n * P, pfns);
    }

    private HmmRange range(long start, int n) {
        return range(sub, start, n);
    }

    private HmmRange range(long start, int n, long defaultFlags) {
        HmmRange r = range(start, n);
        r.defaultFlags = defaultFlags;
        return r;
    }

    /** mmu_interval_read_begin, then hmm_range_fault under the mmap read lock. */
    private int fault(HmmRange r) {
        r.notifierSeq = MmuNotifiers.readBegin(r.notifier);
        return faultWithSeq(r);
    }

    private int faultWithSeq(HmmRange r) {
        r.notifier.mm().mmapLock().readLock().lock();
        try {
            return HmmRangeFault.fault(r);
        } finally {
            r.notifier.mm().mmapLock().readLock().unlock();
        }
    }

    /** The driver's loop: restart from read_begin (with the original inputs) while -EBUSY. */
    private int faultRetrying(HmmRange r) {
        long[] inputs = r.hmmPfns.clone();
        int ret;
        int tries = 0;
        do {
            System.arraycopy(inputs, 0, r.hmmPfns, 0, inputs.length);
            ret = fault(r);
        } while (ret == -Errno.EBUSY && ++tries < 20);
        return ret;
    }

    private long faults() {
        return machine.stats().pageFaults.get();
    }

    private int frameAt(long addr) {
        return PageStates.frameAt(mm, addr);
    }

    /** make_device_exclusive for some device, under the mmap read lock. */
    private int makeExclusive(long addr) {
        mm.mmapLock().readLock().lock();
        try {
            return DeviceExclusive.make(mm, addr, new Object());
        } finally {
            mm.mmapLock().readLock().unlock();
        }
    }

    private int zeroPfn() {
        return machine.physicalMemory().zeroPfn();
    }

    private PageState state(long addr) {
        return PageStates.of(mm, addr);
    }

    // ---- 1-5 ---------------------------------------------------------------------------

    /** Edge case 1: a PROT_NONE VMA gives HMM_PFN_ERROR to a snapshot and -EFAULT to a fault request, inputs kept. */
    @Test
    @DisplayName("edge 1: PROT_NONE VMA: snapshot ERROR, any fault request -EFAULT with inputs kept")
    void protNoneVma() {
        long a = anon(4 * P, Mman.PROT_NONE);
        HmmRange snap = range(a, 4);
        assertThat(fault(snap)).isZero();
        assertThat(snap.hmmPfns).containsOnly(HmmPfn.ERROR);

        HmmRange req = range(a, 4);
        req.pfnFlagsMask = REQ;
        req.hmmPfns[2] = REQ;
        long[] before = req.hmmPfns.clone();
        assertThat(fault(req)).isEqualTo(-Errno.EFAULT);
        assertThat(req.hmmPfns).containsExactly(before);
        assertThat(state(a + 2 * P)).isEqualTo(PageState.NONE);
    }

    /** Edge case 2: VM_IO and VM_PFNMAP VMAs are refused as a whole like PROT_NONE; VM_MIXEDMAP is judged per PTE. */
    @Test
    @DisplayName("edge 2: VM_IO and VM_PFNMAP as edge 1; VM_MIXEDMAP judged per PTE")
    void ioAndPfnmapRefusedMixedmapPerPte() {
        for (int special : new int[] {VmFlags.IO, VmFlags.PFNMAP, VmFlags.IO | VmFlags.PFNMAP}) {
            long m = EdgeStates.driverMapping(mm, 3, special);
            for (int i = 0; i < 3; i++) {
                EdgeStates.insertSpecialPfn(mm, m + i * P, EdgeStates.driverFrame(mm));
            }
            HmmRange snap = range(m, 3);
            assertThat(fault(snap)).as("snapshot, flags %x", special).isZero();
            assertThat(snap.hmmPfns).as("flags %x", special).containsOnly(HmmPfn.ERROR);

            HmmRange req = range(m, 3);
            req.pfnFlagsMask = REQ;
            req.hmmPfns[1] = REQ;
            long[] before = req.hmmPfns.clone();
            assertThat(fault(req)).as("fault, flags %x", special).isEqualTo(-Errno.EFAULT);
            assertThat(req.hmmPfns).containsExactly(before);
        }

        long mixed = EdgeStates.driverMapping(mm, 3, VmFlags.MIXEDMAP);
        EdgeStates.insertSpecialPfn(mm, mixed, EdgeStates.driverFrame(mm));
        int page = EdgeStates.insertDriverPage(mm, mixed + 2 * P);
        HmmRange snap = range(mixed, 3);
        assertThat(fault(snap)).isZero();
        assertThat(snap.hmmPfns).containsExactly(HmmPfn.ERROR, 0L, page | VALID);

        HmmRange req = range(mixed, 3);
        req.pfnFlagsMask = REQ;
        req.hmmPfns[2] = REQ;
        assertThat(fault(req)).as("a fault request on the normal page of a VM_MIXEDMAP VMA").isZero();
        assertThat(req.hmmPfns).containsExactly(HmmPfn.ERROR, 0L, page | VALID);
    }

    /** Edge case 3: a gap with no VMA: ERROR for a snapshot, -EFAULT for a fault with earlier VMAs' outputs written. */
    @Test
    @DisplayName("edge 3: no VMA: snapshot ERROR; fault -EFAULT, outputs before the gap, inputs from it on")
    void gapWithoutVma() {
        long a = anon(6 * P, RW);
        p.write(a, 6 * P, Pattern.i32(0), a);
        assertThat(p.munmap(a + 2 * P, 2 * P)).isZero();
        long pfn0 = frameAt(a);
        long pfn1 = frameAt(a + P);
        long pfn4 = frameAt(a + 4 * P);
        long pfn5 = frameAt(a + 5 * P);

        HmmRange snap = range(a, 6);
        assertThat(fault(snap)).isZero();
        assertThat(snap.hmmPfns).containsExactly(pfn0 | VALID_W, pfn1 | VALID_W, HmmPfn.ERROR, HmmPfn.ERROR,
                pfn4 | VALID_W, pfn5 | VALID_W);

        HmmRange req = range(a, 6, REQ);
        assertThat(fault(req)).isEqualTo(-Errno.EFAULT);
        assertThat(req.hmmPfns).containsExactly(pfn0 | VALID_W, pfn1 | VALID_W, UNTOUCHED, UNTOUCHED, UNTOUCHED, UNTOUCHED);
    }

    /** Edge case 4: a hole in a readable VMA: 0 for a snapshot; a fault request read-faults it to the zero page. */
    @Test
    @DisplayName("edge 4: hole in a readable VMA: snapshot 0; REQ_FAULT faults, re-walks, zero page VALID")
    void holeInReadableVma() {
        long a = anon(2 * P, RW);
        HmmRange snap = range(a, 2);
        assertThat(fault(snap)).isZero();
        assertThat(snap.hmmPfns).containsExactly(0L, 0L);
        assertThat(state(a)).isEqualTo(PageState.NONE);

        HmmRange req = range(a, 2, REQ);
        assertThat(fault(req)).isZero();
        assertThat(req.hmmPfns).containsExactly(zeroPfn() | VALID, zeroPfn() | VALID);
        assertThat(state(a)).isEqualTo(PageState.ZERO);
        assertThat(state(a + P)).isEqualTo(PageState.ZERO);
    }

    /** Edge case 5: REQ_WRITE without REQ_FAULT is ignored: the call is a snapshot, even in a read-only VMA. */
    @Test
    @DisplayName("edge 5: REQ_WRITE without REQ_FAULT is a snapshot")
    void reqWriteAloneIgnored() {
        long a = anon(2 * P, Mman.PROT_READ);
        p.read(a, new byte[1], 0, 1);
        long f0 = faults();

        HmmRange perPage = range(a, 2);
        perPage.pfnFlagsMask = -1L;
        Arrays.fill(perPage.hmmPfns, HmmPfn.REQ_WRITE);
        assertThat(fault(perPage)).isZero();
        assertThat(perPage.hmmPfns).containsExactly(zeroPfn() | VALID, 0L);

        HmmRange byDefault = range(a, 2, HmmPfn.REQ_WRITE);
        assertThat(fault(byDefault)).isZero();
        assertThat(byDefault.hmmPfns).containsExactly(zeroPfn() | VALID, 0L);

        assertThat(faults() - f0).as("page faults").isZero();
        assertThat(state(a + P)).isEqualTo(PageState.NONE);
    }

    // ---- 6-10 --------------------------------------------------------------------------

    /** Edge case 6: a write request on a read-only PTE of a VM_WRITE VMA write-faults; replacing a page makes the call -EBUSY. */
    @Test
    @DisplayName("edge 6: write request on a read-only PTE: write fault, VALID|WRITE; a COW's invalidation gives -EBUSY first")
    void writeRequestOnReadOnlyPte() {
        long a = anon(P, RW);
        p.read(a, new byte[1], 0, 1);
        assertThat(state(a)).isEqualTo(PageState.ZERO);
        HmmRange r = range(a, 1, REQ_W);
        int before = invalidations.get();
        assertThat(fault(r)).as("the zero page was replaced under an invalidation").isEqualTo(-Errno.EBUSY);
        assertThat(invalidations.get()).isGreaterThan(before);
        assertThat(r.hmmPfns[0]).as("the faulting slot keeps its input").isEqualTo(UNTOUCHED);
        r.hmmPfns[0] = UNTOUCHED;
        assertThat(fault(r)).isZero();
        int pfn = frameAt(a);
        assertThat(pfn).isNotEqualTo(zeroPfn());
        assertThat(r.hmmPfns[0]).isEqualTo(pfn | VALID_W);

        // a read-only PTE whose page the write fault reuses: no page replaced, no invalidation
        long b = anon(P, RW);
        p.write(b, P, Pattern.fillByte(7), b);
        assertThat(machine.swapout(p, b, P)).isZero();
        p.read(b, new byte[1], 0, 1);
        assertThat(state(b)).isEqualTo(PageState.PRESENT_RO);
        int swappedIn = frameAt(b);
        HmmRange r2 = range(b, 1, REQ_W);
        assertThat(fault(r2)).isZero();
        assertThat(r2.hmmPfns[0]).isEqualTo(swappedIn | VALID_W);
        assertThat(state(b)).isEqualTo(PageState.PRESENT_RW);
    }

    /** Edge case 7: a write fault needed in a VMA without VM_WRITE is -EPERM before any fault, also on a device-exclusive entry. */
    @Test
    @DisplayName("edge 7: write request without VM_WRITE: -EPERM before any fault (also device-exclusive + mprotect RO)")
    void writeRequestWithoutVmWrite() {
        long a = anon(2 * P, Mman.PROT_READ);
        p.read(a, new byte[1], 0, 1);
        long f0 = faults();
        for (long addr : new long[] {a, a + P}) { // the zero page, then a hole
            HmmRange r = range(addr, 1, REQ_W);
            assertThat(fault(r)).as("at %x", addr).isEqualTo(-Errno.EPERM);
            assertThat(r.hmmPfns[0]).isEqualTo(UNTOUCHED);
        }
        assertThat(faults() - f0).as("page faults").isZero();
        assertThat(state(a + P)).isEqualTo(PageState.NONE);

        long b = anon(P, RW);
        p.write(b, P, Pattern.fillByte(3), b);
        assertThat(makeExclusive(b)).isNotNegative();
        assertThat(p.mprotect(b, P, Mman.PROT_READ)).isZero();
        assertThat(state(b)).isEqualTo(PageState.DEVICE_EXCLUSIVE);
        long f1 = faults();
        HmmRange r = range(b, 1, REQ_W);
        assertThat(fault(r)).isEqualTo(-Errno.EPERM);
        assertThat(faults() - f1).as("page faults").isZero();
        assertThat(state(b)).isEqualTo(PageState.DEVICE_EXCLUSIVE);
    }

    /** Edge case 8: one page needing a fault faults the rest of its walk chunk with the same flags. */
    @Test
    @DisplayName("edge 8: a fault covers the rest of the PMD window with the same flags: one write request write-faults its successors")
    void faultSpanIsRestOfChunk() {
        long base = anonAligned(2 * M2);
        long s = base + M2 - 4 * P; // slots 0-3 in the first PMD window, 4-7 in the second
        p.write(s, 2 * P, Pattern.i32(0), s);
        HmmRange r = range(s, 8, REQ);
        r.pfnFlagsMask = HmmPfn.REQ_WRITE;
        r.hmmPfns[2] = HmmPfn.REQ_WRITE;
        long f0 = faults();
        assertThat(fault(r)).isZero();
        assertThat(faults() - f0).as("2 write faults to the window's end, then 4 read faults").isEqualTo(6);
        for (int i = 0; i < 4; i++) {
            assertThat(r.hmmPfns[i]).as("slot %d", i).isEqualTo(frameAt(s + i * P) | VALID_W);
        }
        assertThat(state(s + 3 * P)).as("page 3 asked only for read").isEqualTo(PageState.PRESENT_RW);
        for (int i = 4; i < 8; i++) {
            assertThat(r.hmmPfns[i]).as("slot %d", i).isEqualTo(zeroPfn() | VALID);
            assertThat(state(s + i * P)).isEqualTo(PageState.ZERO);
        }
    }

    /** Edge case 9: a special PTE (no struct page, not the zero page): ERROR for a snapshot, -EFAULT for any REQ_FAULT. */
    @Test
    @DisplayName("edge 9: special PTE: snapshot ERROR; REQ_FAULT -EFAULT although present and readable")
    void specialPte() {
        long m = EdgeStates.driverMapping(mm, 2, VmFlags.MIXEDMAP);
        EdgeStates.insertSpecialPfn(mm, m, EdgeStates.driverFrame(mm));
        HmmRange snap = range(m, 1);
        assertThat(fault(snap)).isZero();
        assertThat(snap.hmmPfns[0]).isEqualTo(HmmPfn.ERROR);

        HmmRange req = range(m, 1, REQ);
        long f0 = faults();
        assertThat(fault(req)).isEqualTo(-Errno.EFAULT);
        assertThat(req.hmmPfns[0]).isEqualTo(UNTOUCHED);
        assertThat(faults() - f0).as("nothing to fault: the PTE is readable").isZero();
    }

    /** Edge case 10: the zero page is VALID without WRITE; a write request COWs it. */
    @Test
    @DisplayName("edge 10: zero page: VALID without WRITE; a WRITE request forces a COW fault")
    void zeroPage() {
        long a = anon(P, RW);
        p.read(a, new byte[1], 0, 1);
        HmmRange snap = range(a, 1);
        assertThat(fault(snap)).isZero();
        assertThat(snap.hmmPfns[0]).isEqualTo(zeroPfn() | VALID);

        HmmRange read = range(a, 1, REQ);
        assertThat(fault(read)).isZero();
        assertThat(read.hmmPfns[0]).isEqualTo(zeroPfn() | VALID);

        long cow0 = machine.stats().cowCopies.get();
        HmmRange write = range(a, 1, REQ_W);
        assertThat(faultRetrying(write)).isZero();
        assertThat(machine.stats().cowCopies.get() - cow0).isEqualTo(1);
        int pfn = frameAt(a);
        assertThat(pfn).isNotEqualTo(zeroPfn());
        assertThat(write.hmmPfns[0]).isEqualTo(pfn | VALID_W);
    }

    // ---- 11-13 -------------------------------------------------------------------------

    /** Edge case 11: a NUMA-hinting PROT_NONE PTE: the bare pfn for a snapshot; REQ_FAULT faults it back to VALID. */
    @Test
    @DisplayName("edge 11: PROT_NONE (NUMA hint) PTE: snapshot pfn without flags; REQ_FAULT faults, VALID")
    void numaHintPte() {
        long a = anon(P, RW);
        p.write(a, P, Pattern.fillByte(1), a);
        int pfn = frameAt(a);
        EdgeStates.numaHint(mm, a);
        assertThat(state(a)).isEqualTo(PageState.PROTNONE);

        HmmRange snap = range(a, 1);
        assertThat(fault(snap)).isZero();
        assertThat(snap.hmmPfns[0]).as("pfn, neither VALID nor ERROR").isEqualTo(pfn);

        HmmRange req = range(a, 1, REQ);
        assertThat(faultRetrying(req)).isZero();
        assertThat(HmmPfn.valid(req.hmmPfns[0])).isTrue();
        assertThat(HmmPfn.pfn(req.hmmPfns[0])).isEqualTo(frameAt(a));
        assertThat(HmmPfn.order(req.hmmPfns[0])).isZero();
    }

    /** Edge case 11, PMD form (spec 4.6 PMD table): a PROT_NONE THP gives the bare pfns, no order; REQ_FAULT faults the chunk. */
    @Test
    @DisplayName("edge 11: PROT_NONE (NUMA hint) THP PMD: snapshot pfns without flags or order; REQ_FAULT faults, VALID")
    void numaHintThp() {
        long base = bootWithThp();
        int head = frameAt(base);
        EdgeStates.numaHint(mm, base);

        HmmRange snap = range(base + 8 * P, 4);
        assertThat(fault(snap)).isZero();
        for (int i = 0; i < 4; i++) {
            assertThat(snap.hmmPfns[i]).as("slot %d", i).isEqualTo(head + 8 + i);
        }

        HmmRange req = range(base + 8 * P, 4, REQ);
        assertThat(faultRetrying(req)).isZero();
        for (int i = 0; i < 4; i++) {
            assertThat(HmmPfn.valid(req.hmmPfns[i])).as("slot %d", i).isTrue();
            assertThat(HmmPfn.pfn(req.hmmPfns[i])).isEqualTo(frameAt(base + (8 + i) * P));
        }
    }

    /** Edge case 12: a swap entry gives 0 to a snapshot; REQ_FAULT swaps it in and reports it VALID. */
    @Test
    @DisplayName("edge 12: swap entry: snapshot 0, REQ_FAULT swaps in")
    void swapEntry() {
        long a = anon(P, RW);
        p.write(a, P, Pattern.fillByte(9), a);
        assertThat(machine.swapout(p, a, P)).isZero();
        assertThat(state(a)).isEqualTo(PageState.SWAP);

        HmmRange snap = range(a, 1);
        assertThat(fault(snap)).isZero();
        assertThat(snap.hmmPfns[0]).isZero();
        assertThat(state(a)).isEqualTo(PageState.SWAP);

        long in0 = machine.stats().pswpin.get();
        HmmRange req = range(a, 1, REQ);
        assertThat(fault(req)).isZero();
        assertThat(machine.stats().pswpin.get() - in0).isEqualTo(1);
        assertThat(HmmPfn.valid(req.hmmPfns[0])).isTrue();
        assertThat(HmmPfn.pfn(req.hmmPfns[0])).isEqualTo(frameAt(a));
        byte[] b = new byte[1];
        p.read(a, b, 0, 1);
        assertThat(b[0]).isEqualTo((byte) 9);
    }

    /** The split page-table lock of the entry of {@code addr}, which migration_entry_wait takes to look at it. */
    private ReentrantLock entryLock(long addr) {
        ReentrantLock l = mm.lockEntry(addr);
        l.unlock();
        return l;
    }

    /**
     * Holds {@code lock} except when {@code t} is queued on it, and lets {@code t} take it
     * {@code n} times: afterwards {@code t} has run past {@code n} acquisitions (or ended).
     */
    private static void letAcquire(ReentrantLock lock, Thread t, int n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        lock.lock();
        try {
            for (int i = 0; i < n && t.isAlive(); i++) {
                while (!lock.hasQueuedThread(t) && t.isAlive()) {
                    assertThat(System.nanoTime()).as("thread stalled").isLessThan(deadline);
                    Thread.onSpinWait();
                }
                lock.unlock();
                while (lock.hasQueuedThread(t)) {
                    Thread.onSpinWait();
                }
                lock.lock();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Edge case 13 for {@code len} bytes at {@code addr}, slots {@code first..first+n}: snapshot 0, REQ_FAULT waits. */
    private void migrationEntryCase(long addr, long len, long first, int n, long orderBits) {
        HmmRange snap = range(first, n);
        assertThat(EdgeStates.duringMigration(machine, p, addr, len, () -> assertThat(fault(snap)).isZero())).isTrue();
        assertThat(snap.hmmPfns).containsOnly(0L);

        HmmRange req = range(first, n, REQ);
        AtomicLong result = new AtomicLong(Long.MIN_VALUE);
        Thread device = new Thread(() -> result.set(fault(req)), "device-fault");
        assertThat(EdgeStates.duringMigration(machine, p, addr, len, () -> {
            device.start();
            letAcquire(entryLock(addr), device, 12); // several walks see the migration entry
            assertThat(device.isAlive()).as("hmm_range_fault waits for the migration").isTrue();
        })).isTrue();
        try {
            device.join(10_000);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertThat(result.get()).as("never -EBUSY for a migration entry").isZero();
        for (int i = 0; i < n; i++) {
            assertThat(req.hmmPfns[i]).as("slot %d", i).isEqualTo(frameAt(first + i * P) | VALID_W | orderBits);
        }
    }

    /** Edge case 13: a migration entry (PTE): 0 for a snapshot; REQ_FAULT waits for the migration, no -EBUSY returned. */
    @Test
    @DisplayName("edge 13: migration PTE: snapshot 0; REQ_FAULT waits, re-walks, never -EBUSY to the caller")
    void migrationEntryPte() {
        long a = anon(P, RW);
        p.write(a, P, Pattern.fillByte(5), a);
        migrationEntryCase(a, P, a, 1, 0);
    }

    /** Edge case 13: a migration entry (PMD, THP being migrated): as for a PTE. */
    @Test
    @DisplayName("edge 13: migration PMD: snapshot 0; REQ_FAULT waits, re-walks, never -EBUSY to the caller")
    void migrationEntryPmd() {
        long base = bootWithThp();
        migrationEntryCase(base, M2, base + 16 * P, 4, ORDER9);
    }

    // ---- 15, 16, 20: device-private entries ----------------------------------------------

    private DmirrorDevice device(String name) {
        return new DmirrorDevice(name, DmirrorDevice.MemoryType.PRIVATE, machine.memory(), 64L << 20);
    }

    /** HMM_DMIRROR_MIGRATE_TO_DEV of {@code n} pages at {@code a}: they become device-private entries. */
    private void migrateToDevice(Dmirror d, long a, int n) {
        assertThat(d.migrateToDev(new DmirrorCmd(a, n, new byte[(int) (n * P)]))).isZero();
        assertThat(state(a)).isEqualTo(PageState.DEVICE_PRIVATE);
    }

    /** The device frame a device-private entry at {@code addr} names. */
    private int devicePfn(long addr) {
        return Pte.pfn(PageStates.entryAt(mm, addr));
    }

    /** Edge case 15: a device-private PTE of the caller's owner is reported in place, never faulted, even for REQ_WRITE. */
    @Test
    @DisplayName("edge 15: owned device-private PTE: device pfn|VALID(|WRITE), never faulted; REQ_WRITE on a read-only one gives no WRITE")
    void ownedDevicePrivatePte() {
        DmirrorDevice dev0 = device("dmirror0");
        long a = anon(2 * P, RW);
        p.write(a, 2 * P, Pattern.i32(0), a);
        migrateToDevice(dev0.open(mm), a, 2);
        int d0 = devicePfn(a);
        int d1 = devicePfn(a + P);
        assertThat(machine.physicalMemory().pgmap(d0).owner()).isSameAs(dev0);

        HmmRange snap = range(a, 2);
        snap.devPrivateOwner = dev0;
        assertThat(fault(snap)).isZero();
        assertThat(snap.hmmPfns).containsExactly(d0 | VALID_W, d1 | VALID_W);

        p.fork("child"); // the parent's device-private entries become read-only; the VMA keeps VM_WRITE
        HmmRange req = range(a, 2, REQ_W);
        req.devPrivateOwner = dev0;
        long f0 = faults();
        assertThat(fault(req)).isZero();
        assertThat(req.hmmPfns).containsExactly(d0 | VALID, d1 | VALID);
        assertThat(faults() - f0).as("page faults").isZero();
        assertThat(state(a)).isEqualTo(PageState.DEVICE_PRIVATE);
    }

    /** Edge case 16: a device-private PTE of another owner (or with no owner given): 0, or migrated back to RAM on REQ_FAULT. */
    @Test
    @DisplayName("edge 16: device-private PTE of another owner: snapshot 0; REQ_FAULT migrates it to RAM, VALID system page")
    void foreignDevicePrivatePte() {
        DmirrorDevice dev0 = device("dmirror0");
        DmirrorDevice dev1 = device("dmirror1");
        long a = anon(2 * P, RW);
        p.write(a, 2 * P, Pattern.fillByte(6), a);
        migrateToDevice(dev0.open(mm), a, 2);

        for (Object owner : new Object[] {null, dev1}) {
            HmmRange snap = range(a, 2);
            snap.devPrivateOwner = owner;
            assertThat(fault(snap)).as("owner %s", owner).isZero();
            assertThat(snap.hmmPfns).containsExactly(0L, 0L);
        }
        assertThat(state(a)).isEqualTo(PageState.DEVICE_PRIVATE);

        HmmRange req = range(a, 1, REQ);
        req.devPrivateOwner = dev1;
        assertThat(faultRetrying(req)).isZero();
        int pfn = frameAt(a);
        assertThat(pfn).isBetween(0, machine.physicalMemory().nrFrames() - 1);
        assertThat(machine.physicalMemory().pgmap(pfn)).as("a system page").isNull();
        assertThat(HmmPfn.valid(req.hmmPfns[0])).isTrue();
        assertThat(HmmPfn.pfn(req.hmmPfns[0])).isEqualTo(pfn);
        byte[] b = new byte[1];
        p.read(a, b, 0, 1);
        assertThat(b[0]).isEqualTo((byte) 6);
    }

    /** Edge case 20 (6.18+): a device-private THP (PMD): owned → per-page VALID|WRITE with order 9; not owned → ERROR or faulted back. */
    @Test
    @DisplayName("edge 20: device-private PMD: owned per-page VALID(|WRITE) order 9; not owned ERROR, or faulted back when requested")
    void devicePrivatePmd() {
        long base = bootWithThp();
        DmirrorDevice dev0 = device("dmirror0");
        migrateToDevice(dev0.open(mm), base, (int) (M2 / P));
        assertThat(Pte.leaf(mm.pageTable().pmd(base))).as("one device-private PMD").isTrue();
        int head = devicePfn(base);

        HmmRange owned = range(base + 8 * P, 4, REQ_W);
        owned.devPrivateOwner = dev0;
        long f0 = faults();
        assertThat(fault(owned)).isZero();
        for (int i = 0; i < 4; i++) {
            assertThat(owned.hmmPfns[i]).as("slot %d", i).isEqualTo((head + 8 + i) | VALID_W | ORDER9);
        }
        assertThat(faults() - f0).isZero();

        HmmRange foreign = range(base + 8 * P, 4);
        assertThat(fault(foreign)).isZero();
        assertThat(foreign.hmmPfns).containsOnly(HmmPfn.ERROR);

        HmmRange back = range(base + 8 * P, 4, REQ);
        assertThat(faultRetrying(back)).isZero();
        for (int i = 0; i < 4; i++) {
            int pfn = frameAt(base + (8 + i) * P);
            assertThat(machine.physicalMemory().pgmap(pfn)).as("slot %d on a system page", i).isNull();
            assertThat(back.hmmPfns[i] & ~HmmPfn.FLAGS).isEqualTo(pfn);
            assertThat(HmmPfn.valid(back.hmmPfns[i])).isTrue();
        }
    }

    // ---- 17, 19, 23 --------------------------------------------------------------------

    /** Edge case 17: a device-exclusive entry gives 0 to a snapshot; REQ_FAULT restores the CPU mapping. */
    @Test
    @DisplayName("edge 17: device-exclusive entry: snapshot 0; REQ_FAULT ends exclusivity, re-walk VALID")
    void deviceExclusiveEntry() {
        long a = anon(P, RW);
        p.write(a, P, Pattern.fillByte(4), a);
        int pfn = makeExclusive(a);
        assertThat(pfn).isNotNegative();
        assertThat(state(a)).isEqualTo(PageState.DEVICE_EXCLUSIVE);

        HmmRange snap = range(a, 1);
        assertThat(fault(snap)).isZero();
        assertThat(snap.hmmPfns[0]).isZero();
        assertThat(state(a)).isEqualTo(PageState.DEVICE_EXCLUSIVE);

        HmmRange req = range(a, 1, REQ);
        assertThat(faultRetrying(req)).isZero();
        assertThat(state(a)).isEqualTo(PageState.PRESENT_RW);
        assertThat(req.hmmPfns[0]).isEqualTo(pfn | VALID_W);
    }

    /** Edge case 19: a THP gives every covered slot the same flags and order 9; one slot's fault request faults the whole chunk. */
    @Test
    @DisplayName("edge 19: THP PMD: same flags and order 9 on every covered slot; one request faults the chunk")
    void thpPmd() {
        long base = bootWithThp();
        int head = frameAt(base);
        HmmRange snap = range(base + 4 * P, 8);
        assertThat(fault(snap)).isZero();
        for (int i = 0; i < 8; i++) {
            assertThat(snap.hmmPfns[i]).as("slot %d", i).isEqualTo((head + 4 + i) | VALID_W | ORDER9);
        }

        long zero = anonAligned(M2);
        p.read(zero, new byte[1], 0, 1); // the huge zero page, read-only
        int hz = machine.physicalMemory().hugeZeroPfn();
        HmmRange zsnap = range(zero + 4 * P, 8);
        assertThat(fault(zsnap)).isZero();
        for (int i = 0; i < 8; i++) {
            assertThat(zsnap.hmmPfns[i]).as("slot %d", i).isEqualTo((hz + 4 + i) | VALID | ORDER9);
        }

        HmmRange one = range(zero + 4 * P, 8, REQ);
        one.pfnFlagsMask = HmmPfn.REQ_WRITE;
        one.hmmPfns[5] = HmmPfn.REQ_WRITE;
        long f0 = faults();
        int first = fault(one);
        assertThat(faults() - f0).as("every page of the chunk inside the range is faulted").isEqualTo(8);
        if (first == -Errno.EBUSY) {
            Arrays.fill(one.hmmPfns, UNTOUCHED);
            one.hmmPfns[5] = HmmPfn.REQ_WRITE;
            first = faultRetrying(one);
        }
        assertThat(first).isZero();
        long flags = one.hmmPfns[0] & HmmPfn.FLAGS;
        assertThat(flags & VALID_W).isEqualTo(VALID_W);
        for (int i = 0; i < 8; i++) {
            assertThat(one.hmmPfns[i] & HmmPfn.FLAGS).as("slot %d: same flags", i).isEqualTo(flags);
            assertThat(HmmPfn.pfn(one.hmmPfns[i])).isEqualTo(frameAt(zero + (4 + i) * P));
        }
    }

    /** Edge case 23: hugetlb: per-page entries with the hstate order; only the first slot's request counts. */
    @Test
    @DisplayName("edge 23: hugetlb: per-page entries with order 9; only the first slot's request of a huge page counts")
    void hugetlbFirstSlotRequest() {
        boot(MachineConfig.defaults().withRam(256L << 20).withHugetlb(2, 0));
        int n = (int) (M2 / P);
        long a = p.mmap(0, M2, RW, ANON | Mman.MAP_HUGETLB, null, 0);
        assertThat(a).isPositive();
        p.read(a, new byte[1], 0, 1);
        int head = frameAt(a);

        HmmRange snap = range(a, n);
        assertThat(fault(snap)).isZero();
        for (int i = 0; i < n; i++) {
            assertThat(snap.hmmPfns[i]).as("slot %d", i).isEqualTo((head + i) | VALID | ORDER9);
        }

        HmmRange secondWrites = range(a, n);
        secondWrites.pfnFlagsMask = REQ_W;
        secondWrites.hmmPfns[0] = REQ;
        secondWrites.hmmPfns[1] = REQ_W;
        long f0 = faults();
        assertThat(fault(secondWrites)).isZero();
        assertThat(faults() - f0).as("no fault: slot 0 asks only for read").isZero();
        assertThat(secondWrites.hmmPfns[1]).isEqualTo((head + 1) | VALID | ORDER9);

        HmmRange firstWrites = range(a, n);
        firstWrites.pfnFlagsMask = REQ_W;
        firstWrites.hmmPfns[0] = REQ_W;
        assertThat(faultRetrying(firstWrites)).isZero();
        int now = frameAt(a);
        for (int i = 0; i < n; i++) {
            assertThat(firstWrites.hmmPfns[i]).as("slot %d", i).isEqualTo((now + i) | VALID_W | ORDER9);
        }

        assertThat(p.mprotect(a, M2, Mman.PROT_READ)).isZero(); // the selftest's worked example
        HmmRange ro = range(a, n);
        assertThat(fault(ro)).isZero();
        assertThat(ro.hmmPfns[3]).isEqualTo((now + 3) | VALID | ORDER9);
    }

    // ---- 24-26 -------------------------------------------------------------------------

    /** Edge case 24: a sequence already stale on entry gives -EBUSY before the array is touched. */
    @Test
    @DisplayName("edge 24: check_retry before the first walk: stale seq on entry -EBUSY, array untouched")
    void staleSeqOnEntry() {
        long a = anon(2 * P, RW);
        p.write(a, 2 * P, Pattern.i32(0), a);
        HmmRange r = range(a, 2, REQ);
        r.notifierSeq = MmuNotifiers.readBegin(sub);
        assertThat(p.mprotect(a + P, P, Mman.PROT_READ)).isZero();
        long f0 = faults();
        assertThat(faultWithSeq(r)).isEqualTo(-Errno.EBUSY);
        assertThat(r.hmmPfns).containsOnly(UNTOUCHED);
        assertThat(faults() - f0).isZero();
    }

    /** Edge case 25: after -EBUSY, -EFAULT or -EPERM the array is outputs below the stop, inputs from it; sticky bits kept. */
    @Test
    @DisplayName("edge 25: error returns leave outputs below the stop and inputs after it; sticky DMA bits preserved")
    void mixedArrayAndStickyBits() {
        long sticky = HmmPfn.DMA_MAPPED | HmmPfn.P2PDMA;
        long in = sticky | 0x77;

        // -EPERM: a read-only VMA after a written one
        long a = anon(4 * P, RW);
        p.write(a, 2 * P, Pattern.i32(0), a);
        assertThat(p.mprotect(a + 2 * P, 2 * P, Mman.PROT_READ)).isZero();
        HmmRange eperm = range(a, 4, REQ_W);
        Arrays.fill(eperm.hmmPfns, in);
        assertThat(fault(eperm)).isEqualTo(-Errno.EPERM);
        assertThat(eperm.hmmPfns).containsExactly(frameAt(a) | VALID_W | sticky, frameAt(a + P) | VALID_W | sticky, in, in);

        // -EBUSY: the zero page's COW invalidates under the walk
        long b = anon(4 * P, RW);
        p.write(b, 2 * P, Pattern.i32(0), b);
        p.read(b + 2 * P, new byte[1], 0, 1);
        HmmRange ebusy = range(b, 4, REQ_W);
        Arrays.fill(ebusy.hmmPfns, in);
        assertThat(fault(ebusy)).isEqualTo(-Errno.EBUSY);
        assertThat(ebusy.hmmPfns).containsExactly(frameAt(b) | VALID_W | sticky, frameAt(b + P) | VALID_W | sticky, in, in);

        // -EFAULT: a gap after a written page
        long c = anon(3 * P, RW);
        p.write(c, P, Pattern.i32(0), c);
        assertThat(p.munmap(c + P, P)).isZero();
        HmmRange efault = range(c, 3, REQ);
        Arrays.fill(efault.hmmPfns, in);
        assertThat(fault(efault)).isEqualTo(-Errno.EFAULT);
        assertThat(efault.hmmPfns).containsExactly(frameAt(c) | VALID_W | sticky, in, in);

        // every output kind keeps the sticky bits: page, zero page, hole, no VMA, refused VMA
        long d = anon(5 * P, RW);
        p.write(d, P, Pattern.i32(0), d);
        p.read(d + P, new byte[1], 0, 1);
        assertThat(p.munmap(d + 3 * P, P)).isZero();
        assertThat(p.mprotect(d + 4 * P, P, Mman.PROT_NONE)).isZero();
        HmmRange all = range(d, 5);
        Arrays.fill(all.hmmPfns, in);
        assertThat(fault(all)).isZero();
        assertThat(all.hmmPfns).containsExactly(frameAt(d) | VALID_W | sticky, zeroPfn() | VALID | sticky, sticky,
                HmmPfn.ERROR | sticky, HmmPfn.ERROR | sticky);
    }

    /** Edge case 26: an empty range is refused by the page walker with -EINVAL. */
    @Test
    @DisplayName("edge 26: empty range (start == end): -EINVAL from the walker")
    void emptyRange() {
        long a = anon(P, RW);
        HmmRange r = new HmmRange(sub, a, a, new long[0]);
        r.defaultFlags = REQ;
        assertThat(fault(r)).isEqualTo(-Errno.EINVAL);
    }
}
