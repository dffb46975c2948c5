package jhmm.hmm.api2019;

import static jhmm.hmm.api2019.DriverEncoding.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.device.dmirror.DmirrorCmd;
import jhmm.device.dmirror.DmirrorDevice;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.EdgeStates;
import jhmm.mm.FileInode;
import jhmm.mm.Mm;
import jhmm.mm.Mman;
import jhmm.mm.NotifierEvent;
import jhmm.mm.NotifierRange;
import jhmm.mm.PageState;
import jhmm.mm.PageStates;
import jhmm.mm.Pte;
import jhmm.mm.ThpMode;
import jhmm.notifier.MmuNotifierSubscriptions;
import jhmm.notifier.MmuNotifiers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The edge cases 36-47, 50 and 51 of the HMM specification's section 7 ("2019 API (5.2)"),
 * each checked against the outcome the specification states, with its 5.2 defects. Edge cases
 * 48 and 49 ({@code hmm_range_dma_map} / {@code hmm_range_dma_unmap}) belong to the DMA
 * helper, not modelled yet.
 *
 * <p>The driver encoding used throughout: flags VALID = 1, WRITE = 2, DEVICE_PRIVATE = 4, a
 * pfn shift of 8, and the sentinels NONE = 0, ERROR = 0x10, SPECIAL = 0x20. Inputs that ask
 * for nothing are {@link #INPUT} (no flag bit, no sentinel), so a slot still holding it was not
 * written.
 *
 * <p>Not constructible in the model, so not tested: the error-clearing part of 50 (an error in
 * huge mode, after which 5.2 clears slots in base-page steps): the only hugetlb fault failure
 * the model has is an empty pool, which the reservation taken at mmap prevents.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EdgeHmm2019Test {
    private static final long P = PageSize.PAGE_SIZE;
    private static final long M2 = PageSize.PMD_SIZE;
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;
    private static final int ANON = Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS;

    private Machine machine;
    private UserProcess p;
    private Mm mm;

    @BeforeEach
    void boot() {
        boot(MachineConfig.defaults().withRam(256L << 20).withSwap(64L << 20));
    }

    private void boot(MachineConfig config) {
        machine = new Machine(config);
        p = machine.createProcess("p");
        mm = p.mm();
    }

    // ---- driver side -------------------------------------------------------------------

    private long anon(long len, int prot) {
        long a = p.mmap(0, len, prot, ANON, null, 0);
        assertThat(a).as("mmap").isPositive();
        return a;
    }

    private static HmmRange newRange(int slots) {
        long[] pfns = new long[slots];
        Arrays.fill(pfns, INPUT);
        return new HmmRange(pfns, new long[] {VALID, WRITE, DEVICE_PRIVATE}, new long[] {ERROR, NONE, SPECIAL}, PFN_SHIFT);
    }

    /** A range of {@code n} base pages at {@code start}, registered. */
    private HmmRange range(long start, int n) {
        HmmRange r = newRange(n);
        assertThat(Hmm52.rangeRegister(r, mm, start, start + n * P, PageSize.PAGE_SHIFT)).isZero();
        return r;
    }

    private HmmRange range(long start, int n, long defaultFlags) {
        HmmRange r = range(start, n);
        r.defaultFlags = defaultFlags;
        return r;
    }

    private static long enc(long pfn) {
        return (pfn << PFN_SHIFT) | VALID;
    }

    private long snapshot(HmmRange r) {
        mm.mmapLock().readLock().lock();
        try {
            return Hmm52.rangeSnapshot(r);
        } finally {
            mm.mmapLock().readLock().unlock();
        }
    }

    /** hmm_range_fault(range, block=true) under the mmap read lock, which it releases on -EAGAIN. */
    private long fault(HmmRange r) {
        mm.mmapLock().readLock().lock();
        long ret = Hmm52.rangeFault(r, true);
        if (ret != -Errno.EAGAIN) {
            mm.mmapLock().readLock().unlock();
        }
        return ret;
    }

    /** hmm_mirror_register of a mirror whose sync callback answers with {@code answer} for non-blockable updates. */
    private HmmMirror mirror(int answer) {
        HmmMirror m = new HmmMirror((mirror, update) -> update.blockable() ? 0 : answer);
        assertThat(Hmm52.mirrorRegister(m, mm)).isZero();
        return m;
    }

    private MmuNotifierSubscriptions subs() {
        return MmuNotifiers.subscriptions(mm);
    }

    /** mmu_notifier_invalidate_range_start over [start, end); the caller ends it. */
    private NotifierRange begin(long start, long end, boolean blockable) {
        NotifierRange r = new NotifierRange(mm, start, end, NotifierEvent.CLEAR, blockable, null);
        int ret = subs().invalidateRangeStart(r);
        assertThat(ret).isIn(0, -Errno.EAGAIN);
        return r;
    }

    private void end(NotifierRange r) {
        subs().invalidateRangeEnd(r);
    }

    private int frameAt(long addr) {
        return PageStates.frameAt(mm, addr);
    }

    private PageState state(long addr) {
        return PageStates.of(mm, addr);
    }

    /** Runs {@code during} on the migrating thread while the page at {@code addr} is a migration entry. */
    private void migrateObserving(long addr, long len, Runnable during) {
        assertThat(EdgeStates.duringMigration(machine, p, addr, len, during)).as("saw the migration entry").isTrue();
    }

    /** Reboots with THP always on and returns a 2 MiB-aligned range mapped by a written THP. */
    private long bootWithThp() {
        boot(MachineConfig.defaults().withRam(256L << 20).withThp(ThpMode.ALWAYS));
        long base = p.mmapAligned(M2, M2, RW, ANON, null, 0);
        p.write(base, M2, Pattern.i32(0), base);
        assertThat(state(base)).isEqualTo(PageState.HUGE_PMD);
        return base;
    }

    // ---- 36-38: registration and validity --------------------------------------------

    /** Edge case 36: hmm_range_register refuses misaligned or empty ranges and dead mms; in-flight invalidations make it start invalid. */
    @Test
    @DisplayName("edge 36: range_register: misaligned or start >= end -EINVAL; dead mm -EFAULT; registered during an invalidation starts invalid")
    void rangeRegister() {
        long a = anon(4 * P, RW);
        HmmRange r = newRange(4);
        assertThat(Hmm52.rangeRegister(r, mm, a + 1, a + 4 * P, PageSize.PAGE_SHIFT)).isEqualTo(-Errno.EINVAL);
        assertThat(Hmm52.rangeRegister(r, mm, a, a + 4 * P - 8, PageSize.PAGE_SHIFT)).isEqualTo(-Errno.EINVAL);
        assertThat(Hmm52.rangeRegister(r, mm, a + 4 * P, a, PageSize.PAGE_SHIFT)).isEqualTo(-Errno.EINVAL);
        assertThat(Hmm52.rangeRegister(r, mm, a, a, PageSize.PAGE_SHIFT)).isEqualTo(-Errno.EINVAL);
        long huge = a & ~(M2 - 1);
        assertThat(Hmm52.rangeRegister(r, mm, huge + P, huge + M2 + P, PageSize.PMD_SHIFT)).isEqualTo(-Errno.EINVAL);
        assertThat(r.hmm()).isNull();

        mirror(0);
        NotifierRange elsewhere = begin(a + 16 * P, a + 17 * P, true);
        assertThat(Hmm52.rangeRegister(r, mm, a, a + 4 * P, PageSize.PAGE_SHIFT)).isZero();
        assertThat(r.valid()).as("registered with an invalidation in flight").isFalse();
        end(elsewhere);
        assertThat(r.valid()).isTrue();
        Hmm52.rangeUnregister(r);

        p.exit(); // the hmm exists and is now dead
        assertThat(Hmm52.rangeRegister(newRange(4), mm, a, a + 4 * P, PageSize.PAGE_SHIFT)).isEqualTo(-Errno.EFAULT);
        UserProcess q = machine.createProcess("q");
        q.exit(); // no hmm was ever created for this one
        assertThat(Hmm52.rangeRegister(newRange(4), q.mm(), a, a + 4 * P, PageSize.PAGE_SHIFT)).isEqualTo(-Errno.EFAULT);
    }

    /** Edge case 37: an update ending exactly at range.start still invalidates the range; one starting at range.end does not. */
    @Test
    @DisplayName("edge 37: overlap test update.end < range.start: an update ending at range.start invalidates the range")
    void overlapLeftEdgeInclusive() {
        long a = anon(8 * P, RW);
        HmmRange r = range(a + 2 * P, 4);
        NotifierRange before = begin(a + P, a + 2 * P, true);
        assertThat(r.valid()).isFalse();
        end(before);
        assertThat(r.valid()).isTrue();
        NotifierRange after = begin(a + 6 * P, a + 7 * P, true);
        assertThat(r.valid()).as("update.start >= range.end").isTrue();
        end(after);
        assertThat(r.valid()).isTrue();
    }

    /** Edge case 38: any invalidation in flight keeps every range invalid; a failed non-blockable start leaks the count forever. */
    @Test
    @DisplayName("edge 38: valid returns only when no invalidation of the mm is in flight; a failed non-blockable start leaves ranges invalid forever")
    void validIsALevel() {
        long a = anon(16 * P, RW);
        HmmRange r1 = range(a, 1);
        HmmRange r2 = range(a + 8 * P, 1);
        NotifierRange i1 = begin(a, a + P, true);
        assertThat(r1.valid()).isFalse();
        assertThat(r2.valid()).isTrue();
        NotifierRange i2 = begin(a + 4 * P, a + 5 * P, true); // overlaps neither range
        assertThat(r2.valid()).isTrue();
        end(i1);
        assertThat(r1.valid()).as("i2 still in flight").isFalse();
        end(i2);
        assertThat(r1.valid()).isTrue();
        assertThat(r2.valid()).isTrue();

        mirror(-Errno.EAGAIN);
        NotifierRange failed = new NotifierRange(mm, a, a + P, NotifierEvent.CLEAR, false, null);
        assertThat(subs().invalidateRangeStart(failed)).isEqualTo(-Errno.EAGAIN);
        // the caller of a failed start never calls end
        Hmm hmm = r1.hmm();
        assertThat(hmm.notifiers()).as("5.2 defect: the count stays incremented").isEqualTo(1);
        assertThat(r1.valid()).isFalse();
        NotifierRange later = begin(a + 8 * P, a + 9 * P, true);
        end(later);
        assertThat(r1.valid()).isFalse();
        assertThat(r2.valid()).as("invalidated by the later update, never valid again").isFalse();
        assertThat(Hmm52.rangeWaitUntilValid(r1, 50)).isFalse();
        HmmRange r3 = range(a + 12 * P, 1);
        assertThat(r3.valid()).as("a new range starts invalid").isFalse();
    }

    // ---- 39-43: snapshot and fault outputs --------------------------------------------

    /** Edge case 39: a snapshot stops a VMA's walk at a special PTE (zero page); later slots of that VMA keep their inputs. */
    @Test
    @DisplayName("edge 39: snapshot: special PTE (zero page) stops that VMA's walk; the next VMA is walked; count to the last cursor")
    void snapshotStopsAtSpecialPte() {
        long a = anon(6 * P, RW);
        p.write(a, P, Pattern.i32(0), a);
        p.read(a + P, new byte[1], 0, 1);
        p.write(a + 2 * P, 4 * P, Pattern.i32(0), a);
        assertThat(p.mprotect(a + 4 * P, 2 * P, Mman.PROT_READ)).isZero(); // a second VMA
        HmmRange r = range(a, 6);
        assertThat(snapshot(r)).isEqualTo(6);
        assertThat(r.pfns).containsExactly(enc(frameAt(a)) | WRITE, SPECIAL, INPUT, INPUT, enc(frameAt(a + 4 * P)),
                enc(frameAt(a + 5 * P)));
    }

    /** Edge case 40: a read fault of untouched anonymous memory maps the zero page, which the re-walk refuses as special. */
    @Test
    @DisplayName("edge 40: fault on never-written anonymous memory: zero page, special PTE -EFAULT, slots from it to the end NONE")
    void faultOnZeroPage() {
        long a = anon(4 * P, RW);
        p.write(a, P, Pattern.i32(0), a);
        HmmRange r = range(a, 4, VALID);
        assertThat(fault(r)).isEqualTo(-Errno.EFAULT);
        assertThat(r.pfns).containsExactly(enc(frameAt(a)) | WRITE, NONE, NONE, NONE);
        assertThat(state(a + P)).as("the read fault happened").isEqualTo(PageState.ZERO);
    }

    /** Edge case 41: a VMA without VM_READ anywhere in the range: every slot NONE, -EPERM. */
    @Test
    @DisplayName("edge 41: a VMA without VM_READ in the range: all slots NONE (outputs too), -EPERM")
    void noReadVmaClearsEverything() {
        long a = anon(4 * P, RW);
        p.write(a, 2 * P, Pattern.i32(0), a);
        assertThat(p.mprotect(a + 2 * P, 2 * P, Mman.PROT_NONE)).isZero();
        HmmRange r = range(a, 4, VALID);
        assertThat(fault(r)).isEqualTo(-Errno.EPERM);
        assertThat(r.pfns).containsOnly(NONE);

        HmmRange s = range(a, 4);
        assertThat(snapshot(s)).isEqualTo(-Errno.EPERM);
        assertThat(s.pfns).containsOnly(NONE);
    }

    /** Edge case 42: swapped-out pages and pages under migration, requested VALID, come back NONE with success. */
    @Test
    @DisplayName("edge 42: swapped-out or migrating page requested VALID: NONE, overall success, counted")
    void swapAndMigrationNeverFaulted() {
        long a = anon(3 * P, RW);
        p.write(a, 3 * P, Pattern.i32(0), a);
        assertThat(machine.swapout(p, a + P, P)).isZero();
        HmmRange r = range(a, 3, VALID);
        assertThat(fault(r)).isEqualTo(3);
        assertThat(r.pfns).containsExactly(enc(frameAt(a)) | WRITE, NONE, enc(frameAt(a + 2 * P)) | WRITE);
        assertThat(state(a + P)).as("never swapped in").isEqualTo(PageState.SWAP);

        long b = anon(P, RW);
        p.write(b, P, Pattern.i32(0), b);
        HmmRange m = range(b, 1, VALID);
        long[] ret = new long[1];
        migrateObserving(b, P, () -> ret[0] = fault(m));
        assertThat(ret[0]).isEqualTo(1);
        assertThat(m.pfns[0]).isEqualTo(NONE);
    }

    /** Edge case 43: a fault error gives -EFAULT, and the ERROR written for the failing page is cleared to NONE. */
    @Test
    @DisplayName("edge 43: fault error (SIGBUS beyond EOF): -EFAULT, the ERROR slot overwritten by NONE from the span start")
    void faultErrorClearedToNone() {
        FileInode f = machine.createFile("f", P, Pattern.fillByte(1));
        long a = p.mmap(0, 2 * P, Mman.PROT_READ, Mman.MAP_PRIVATE, f, 0);
        assertThat(a).isPositive();
        HmmRange r = range(a, 2, VALID);
        assertThat(fault(r)).isEqualTo(-Errno.EFAULT);
        assertThat(r.pfns).containsExactly(NONE, NONE);
        assertThat(state(a)).as("the first page was faulted").isEqualTo(PageState.PRESENT_RO);
    }

    // ---- 44-47 -------------------------------------------------------------------------

    /** Edge case 44: device-private pages of any device are reported VALID|DEVICE_PRIVATE unless DEVICE_PRIVATE is requested. */
    @Test
    @DisplayName("edge 44: device-private pages of any device: VALID|DEVICE_PRIVATE(|WRITE); faulted back when DEVICE_PRIVATE is requested")
    void devicePrivateOfAnyDevice() {
        DmirrorDevice dev0 = new DmirrorDevice("dmirror0", DmirrorDevice.MemoryType.PRIVATE, machine.memory(), 64L << 20);
        DmirrorDevice dev1 = new DmirrorDevice("dmirror1", DmirrorDevice.MemoryType.PRIVATE, machine.memory(), 64L << 20);
        long a = anon(2 * P, RW);
        p.write(a, 2 * P, Pattern.fillByte(2), a);
        assertThat(dev0.open(mm).migrateToDev(new DmirrorCmd(a, 1, new byte[(int) P]))).isZero();
        assertThat(dev1.open(mm).migrateToDev(new DmirrorCmd(a + P, 1, new byte[(int) P]))).isZero();
        int d0 = Pte.pfn(PageStates.entryAt(mm, a));
        int d1 = Pte.pfn(PageStates.entryAt(mm, a + P));

        HmmRange r = range(a, 2, VALID | WRITE);
        assertThat(fault(r)).isEqualTo(2);
        assertThat(r.pfns).containsExactly(enc(d0) | DEVICE_PRIVATE | WRITE, enc(d1) | DEVICE_PRIVATE | WRITE);
        assertThat(state(a)).isEqualTo(PageState.DEVICE_PRIVATE);

        HmmRange back = range(a, 2, VALID | DEVICE_PRIVATE);
        assertThat(fault(back)).isEqualTo(2);
        for (int i = 0; i < 2; i++) {
            int pfn = frameAt(a + i * P);
            assertThat(machine.physicalMemory().pgmap(pfn)).as("page %d back in RAM", i).isNull();
            assertThat(back.pfns[i] & ~WRITE).isEqualTo(enc(pfn));
        }
    }

    /** Edge case 45: a PROT_NONE PTE snapshots as an encoded pfn with VALID; a PROT_NONE THP PMD as NONE. */
    @Test
    @DisplayName("edge 45: PROT_NONE PTE snapshot: encoded pfn with VALID forced; PROT_NONE THP PMD: NONE")
    void protNoneSnapshot() {
        long a = anon(P, RW);
        p.write(a, P, Pattern.i32(0), a);
        int pfn = frameAt(a);
        EdgeStates.numaHint(mm, a);
        HmmRange r = range(a, 1);
        assertThat(snapshot(r)).isEqualTo(1);
        assertThat(r.pfns[0]).isEqualTo(enc(pfn));

        long base = bootWithThp();
        EdgeStates.numaHint(mm, base);
        HmmRange huge = range(base + 8 * P, 4);
        assertThat(snapshot(huge)).as("the hole helper leaves the cursor at the chunk start").isZero();
        assertThat(huge.pfns).containsOnly(NONE);
    }

    /** Edge case 46: a THP migration entry at PMD level, no fault needed: the slots stay exactly as given. */
    @Test
    @DisplayName("edge 46: THP migration entry at PMD level, no fault needed: slots left as the caller gave them")
    void thpMigrationEntryLeavesSlots() {
        long base = bootWithThp();
        HmmRange r = range(base + 8 * P, 4);
        r.pfns[1] = 0x1234_5600L; // whatever the caller put there
        long[] given = r.pfns.clone();
        long[] ret = new long[1];
        migrateObserving(base, M2, () -> ret[0] = snapshot(r));
        assertThat(ret[0]).isZero();
        assertThat(r.pfns).containsExactly(given);
    }

    /** Edge case 47: an invalid range at a VMA boundary: fault releases the mmap lock and returns -EAGAIN; snapshot keeps it. */
    @Test
    @DisplayName("edge 47: valid == false at a VMA boundary: fault releases mmap_sem, -EAGAIN; snapshot -EAGAIN keeping it")
    void invalidRangeAtVmaBoundary() {
        long a = anon(2 * P, RW);
        p.write(a, 2 * P, Pattern.i32(0), a);
        HmmRange r = range(a, 2, VALID);
        NotifierRange inFlight = begin(a, a + P, true);
        assertThat(r.valid()).isFalse();

        mm.mmapLock().readLock().lock();
        assertThat(Hmm52.rangeFault(r, true)).isEqualTo(-Errno.EAGAIN);
        assertThat(mm.mmapLock().getReadHoldCount()).as("released by hmm_range_fault").isZero();

        mm.mmapLock().readLock().lock();
        try {
            assertThat(Hmm52.rangeSnapshot(r)).isEqualTo(-Errno.EAGAIN);
            assertThat(mm.mmapLock().getReadHoldCount()).as("still held after snapshot").isEqualTo(1);
        } finally {
            mm.mmapLock().readLock().unlock();
        }
        assertThat(r.pfns).containsOnly(INPUT);
        end(inFlight);
    }

    // ---- 50, 51 ------------------------------------------------------------------------

    /** Edge case 50: hugetlb huge mode: one slot per huge page, alignment -EINVAL, the count in base pages. */
    @Test
    @DisplayName("edge 50: hugetlb huge mode: one slot per huge page; unaligned or short chunk -EINVAL; count still in base pages")
    void hugetlbHugeMode() {
        boot(MachineConfig.defaults().withRam(256L << 20).withHugetlb(4, 0));
        long a = p.mmap(0, 2 * M2, RW, ANON | Mman.MAP_HUGETLB, null, 0);
        assertThat(a).isPositive();
        p.write(a, P, Pattern.i32(0), a);
        p.write(a + M2, P, Pattern.i32(0), a);
        HmmRange r = newRange(2);
        assertThat(Hmm52.rangeRegister(r, mm, a + P, a + M2 + P, PageSize.PMD_SHIFT)).isEqualTo(-Errno.EINVAL);
        assertThat(Hmm52.rangeRegister(r, mm, a, a + 2 * M2, PageSize.PMD_SHIFT)).isZero();
        assertThat(snapshot(r)).as("(last - start) >> PAGE_SHIFT").isEqualTo(2 * M2 / P);
        assertThat(r.pfns).containsExactly(enc(frameAt(a)) | WRITE, enc(frameAt(a + M2)) | WRITE);

        // the walker's own check, for chunks the outer loop never hands it from a registered range
        Hmm52Walk walk = new Hmm52Walk(r, false);
        long entry = mm.pageTable().pmd(a);
        assertThat(walk.hugetlbEntry(entry, PageSize.PMD_ORDER, a + P, a + M2, mm.findVma(a))).as("unaligned").isEqualTo(-Errno.EINVAL);
        assertThat(walk.hugetlbEntry(entry, PageSize.PMD_ORDER, a, a + M2 - P, mm.findVma(a))).as("short").isEqualTo(-Errno.EINVAL);

        // faulting in huge mode: one fault per huge page, one slot each
        long b = p.mmap(0, 2 * M2, RW, ANON | Mman.MAP_HUGETLB, null, 0);
        assertThat(b).isPositive();
        HmmRange f = newRange(2);
        assertThat(Hmm52.rangeRegister(f, mm, b, b + 2 * M2, PageSize.PMD_SHIFT)).isZero();
        f.defaultFlags = VALID;
        assertThat(fault(f)).isEqualTo(2 * M2 / P);
        assertThat(f.pfns).containsExactly(enc(frameAt(b)), enc(frameAt(b + M2)));

        // page_shift of a huge page on a VMA that is not hugetlb
        long t = p.mmapAligned(M2, M2, RW, ANON, null, 0);
        HmmRange wrong = newRange(1);
        assertThat(Hmm52.rangeRegister(wrong, mm, t, t + M2, PageSize.PMD_SHIFT)).isZero();
        assertThat(snapshot(wrong)).isEqualTo(-Errno.EINVAL);
    }

    /** Edge case 51: hmm_vma_fault turns a 0-page result into -EBUSY (lock released, unregistered); success leaves it registered. */
    @Test
    @DisplayName("edge 51: hmm_vma_fault: 0 pages -> -EBUSY, mmap_sem released, unregistered; success keeps it registered for range_done")
    void legacyVmaFault() {
        mirror(0); // the per-mm hmm exists before the read-locked register below
        long a = anon(2 * P, RW);
        p.write(a, 2 * P, Pattern.i32(0), a);
        HmmRange r = newRange(2);
        r.start = a;
        r.end = a + 2 * P;
        Arrays.fill(r.pfns, VALID);
        mm.mmapLock().readLock().lock();
        try {
            assertThat(Hmm52.vmaFault(r, mm, true)).isZero();
            assertThat(mm.mmapLock().getReadHoldCount()).isEqualTo(1);
            assertThat(r.hmm()).as("left registered").isNotNull();
            assertThat(r.pfns).containsExactly(enc(frameAt(a)) | WRITE, enc(frameAt(a + P)) | WRITE);
            NotifierRange inFlight = begin(a, a + P, true);
            assertThat(Hmm52.vmaRangeDone(r)).as("valid as it was").isFalse();
            assertThat(r.hmm()).isNull();
            end(inFlight);

            Arrays.fill(r.pfns, VALID);
            assertThat(Hmm52.vmaFault(r, mm, true)).isZero();
            assertThat(Hmm52.vmaRangeDone(r)).isTrue();
        } finally {
            mm.mmapLock().readLock().unlock();
        }

        long b = p.mmapAligned(M2, M2, RW, ANON, null, 0); // no page table under it, nothing requested: the hole helper
        HmmRange z = newRange(2);
        z.start = b;
        z.end = b + 2 * P;
        mm.mmapLock().readLock().lock();
        assertThat(Hmm52.vmaFault(z, mm, true)).isEqualTo(-Errno.EBUSY);
        assertThat(mm.mmapLock().getReadHoldCount()).as("released").isZero();
        assertThat(z.hmm()).as("unregistered").isNull();
    }
}
