package jhmm.hmm.api2019;

import static jhmm.hmm.api2019.DriverEncoding.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.device.dmirror.DmirrorCmd;
import jhmm.device.dmirror.DmirrorDevice;
import jhmm.dma.DmaDevice;
import jhmm.dma.DmaDirection;
import jhmm.dma.DmaSystem;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mm;
import jhmm.mm.Mman;
import jhmm.mm.NotifierEvent;
import jhmm.mm.NotifierRange;
import jhmm.mm.PageState;
import jhmm.mm.PageStates;
import jhmm.mm.Pte;
import jhmm.mm.ThpMode;
import jhmm.notifier.MmuNotifiers;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Edge cases 48 and 49 of the HMM specification's section 7: {@code hmm_range_dma_map} and
 * {@code hmm_range_dma_unmap} as Linux 5.2 shipped them (section 3.8), over real mappings of a
 * simulated process and the model's DMA layer (an IOMMU domain, or direct mapping with the
 * swiotlb).
 *
 * <p>The driver encoding is the one of {@code EdgeHmm2019Test}: flags VALID = 1, WRITE = 2,
 * DEVICE_PRIVATE = 4, a pfn shift of 8, sentinels NONE = 0, ERROR = 0x10, SPECIAL = 0x20.
 * {@link #STALE} pre-fills the caller's {@code daddrs}, so a slot still holding it was never
 * written.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HmmRangeDmaMapTest {
    private static final long P = PageSize.PAGE_SIZE;
    private static final long M2 = PageSize.PMD_SIZE;
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;
    private static final int ANON = Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS;
    private static final long STALE = 0xdead_0000L;

    private Machine machine;
    private UserProcess p;
    private Mm mm;

    @BeforeEach
    void boot() {
        boot(MachineConfig.defaults().withRam(256L << 20));
    }

    private void boot(MachineConfig config) {
        machine = new Machine(config);
        p = machine.createProcess("p");
        mm = p.mm();
    }

    // ---- driver side -------------------------------------------------------------------

    private DmaDevice iommuDevice() {
        return new DmaSystem(machine.physicalMemory(), true).device("rdma", 64, true);
    }

    private long anon(long len, int prot) {
        long a = p.mmap(0, len, prot, ANON, null, 0);
        assertThat(a).as("mmap").isPositive();
        return a;
    }

    /** {@code n} written pages. */
    private long written(int n) {
        long a = anon(n * P, RW);
        assertThat(p.write(a, n * P, Pattern.i32(1), a)).isZero();
        return a;
    }

    /** A registered range of {@code n} base pages at {@code start}, every slot asking for {@code defaultFlags}. */
    private HmmRange range(long start, int n, long defaultFlags) {
        long[] pfns = new long[n];
        Arrays.fill(pfns, INPUT);
        HmmRange r = new HmmRange(pfns, new long[] {VALID, WRITE, DEVICE_PRIVATE}, new long[] {ERROR, NONE, SPECIAL}, PFN_SHIFT);
        assertThat(Hmm52.rangeRegister(r, mm, start, start + n * P, PageSize.PAGE_SHIFT)).isZero();
        r.defaultFlags = defaultFlags;
        return r;
    }

    private static long[] daddrs(int n) {
        long[] d = new long[n];
        Arrays.fill(d, STALE);
        return d;
    }

    private static long enc(long pfn) {
        return (pfn << PFN_SHIFT) | VALID;
    }

    /** hmm_range_dma_map(block=true) under the mmap read lock, which it releases on -EAGAIN. */
    private long dmaMap(HmmRange r, DmaDevice dev, long[] daddrs) {
        mm.mmapLock().readLock().lock();
        long ret = Hmm52.rangeDmaMap(r, dev, daddrs, true);
        if (ret != -Errno.EAGAIN) {
            mm.mmapLock().readLock().unlock();
        }
        return ret;
    }

    /** A registered range of {@code n} pages at {@code a} asking for VALID, and the caller's daddrs. */
    private record Mapped(HmmRange range, long[] daddrs) {}

    /** hmm_range_dma_map of {@code n} pages at {@code a}, every one of which must get mapped. */
    private Mapped mapAll(long a, int n, DmaDevice dev) {
        HmmRange r = range(a, n, VALID);
        long[] d = daddrs(n);
        assertThat(dmaMap(r, dev, d)).isEqualTo(n);
        return new Mapped(r, d);
    }

    /** mmu_notifier_invalidate_range_start over [start, end), left in flight. */
    private NotifierRange begin(long start, long end) {
        NotifierRange r = new NotifierRange(mm, start, end, NotifierEvent.CLEAR, true, null);
        assertThat(MmuNotifiers.subscriptions(mm).invalidateRangeStart(r)).isZero();
        return r;
    }

    private void end(NotifierRange r) {
        MmuNotifiers.subscriptions(mm).invalidateRangeEnd(r);
    }

    private int frameAt(long addr) {
        return PageStates.frameAt(mm, addr);
    }

    private PageFrames frames() {
        return machine.physicalMemory().frames();
    }

    /** Reboots with THP always on and returns a 2 MiB-aligned range mapped by a written THP. */
    private long bootWithThp() {
        boot(MachineConfig.defaults().withRam(256L << 20).withThp(ThpMode.ALWAYS));
        long base = p.mmapAligned(M2, M2, RW, ANON, null, 0);
        p.write(base, M2, Pattern.i32(0), base);
        assertThat(PageStates.of(mm, base)).isEqualTo(PageState.HUGE_PMD);
        return base;
    }

    // ---- edge case 48: hmm_range_dma_map -----------------------------------------------

    @Test
    @DisplayName("edge 48: a 2 MiB THP is mapped as 512 separate PAGE_SIZE DMA mappings, one per base page")
    void thpIsMappedPageByPage() {
        long base = bootWithThp();
        int head = frameAt(base);
        DmaDevice dev = iommuDevice();
        int slots = (int) (M2 / P);
        HmmRange r = range(base, slots, VALID);
        long[] d = daddrs(slots);

        assertThat(dmaMap(r, dev, d)).isEqualTo(512);
        assertThat(dev.liveMappings()).isEqualTo(512);
        assertThat(dev.iommuLeaves()).as("one 4 KiB I/O page-table leaf per base page, no 2 MiB leaf").isEqualTo(512);
        assertThat(Arrays.stream(d).distinct().count()).as("each base page its own DMA address").isEqualTo(512);
        for (int i = 0; i < slots; i++) {
            assertThat(d[i]).isNotZero().isNotEqualTo(DmaDevice.MAPPING_ERROR);
            assertThat(dev.translate(d[i])).isEqualTo(head + i);
        }

        assertThat(Hmm52.rangeDmaUnmap(r, null, dev, d, false)).isEqualTo(512);
        assertThat(dev.liveMappings()).isZero();
        assertThat(dev.violations()).as("every mapping unmapped with its own direction").isEmpty();
    }

    @Test
    @DisplayName("edge 48: hmm_range_fault returning 0 (no valid page) gives -EBUSY, nothing mapped, daddrs untouched")
    void faultReturningZeroIsEbusy() {
        long a = anon(4 * P, RW); // never touched: a hole, and nothing is requested
        DmaDevice dev = iommuDevice();
        HmmRange r = range(a, 4, 0);
        mm.mmapLock().readLock().lock();
        try {
            assertThat(Hmm52.rangeFault(r, true)).as("hmm_range_fault itself").isZero();
        } finally {
            mm.mmapLock().readLock().unlock();
        }
        long[] d = daddrs(4);
        assertThat(dmaMap(r, dev, d)).isEqualTo(-Errno.EBUSY);
        assertThat(d).containsOnly(STALE);
        assertThat(dev.mappingsMade()).isZero();
    }

    @Test
    @DisplayName("edge 48: a negative hmm_range_fault result is returned unchanged (-EAGAIN, mmap_sem released)")
    void faultErrorIsReturnedUnchanged() {
        long a = written(2);
        DmaDevice dev = iommuDevice();
        HmmRange r = range(a, 2, VALID);
        NotifierRange inFlight = begin(a, a + P);
        long[] d = daddrs(2);
        assertThat(dmaMap(r, dev, d)).isEqualTo(-Errno.EAGAIN);
        assertThat(mm.mmapLock().getReadLockCount()).as("the fault path released mmap_sem").isZero();
        assertThat(d).containsOnly(STALE);
        end(inFlight);
    }

    @Test
    @DisplayName("edge 48: slots without a page get daddrs = 0 and are not counted; the loop covers every slot")
    void slotsWithoutPageAreZeroAndUncounted() {
        long a = anon(4 * P, RW);
        p.write(a, P, Pattern.i32(0), a);
        p.write(a + 2 * P, P, Pattern.i32(0), a + 2 * P);
        DmaDevice dev = iommuDevice();
        HmmRange r = range(a, 4, 0); // snapshot-like: the holes stay NONE
        long[] d = daddrs(4);

        assertThat(dmaMap(r, dev, d)).isEqualTo(2);
        assertThat(r.pfns[1]).isEqualTo(NONE);
        assertThat(r.pfns[3]).as("past the last valid page, still scanned").isEqualTo(NONE);
        assertThat(d[1]).isZero();
        assertThat(d[3]).isZero();
        assertThat(dev.translate(d[0])).isEqualTo(frameAt(a));
        assertThat(dev.translate(d[2])).isEqualTo(frameAt(a + 2 * P));
        assertThat(dev.liveMappings()).isEqualTo(2);
    }

    @Test
    @DisplayName("edge 48: entries with flags[WRITE] map DMA_BIDIRECTIONAL, the others DMA_TO_DEVICE")
    void writeMapsBidirectional() {
        long a = written(2);
        assertThat(p.mprotect(a + P, P, Mman.PROT_READ)).isZero();
        DmaDevice dev = iommuDevice();
        Mapped m = mapAll(a, 2, dev);
        HmmRange r = m.range();
        long[] d = m.daddrs();
        assertThat(r.pfns).containsExactly(enc(frameAt(a)) | WRITE, enc(frameAt(a + P)));

        dev.unmapPage(d[0], P, DmaDirection.BIDIRECTIONAL);
        dev.unmapPage(d[1], P, DmaDirection.TO_DEVICE);
        assertThat(dev.violations()).as("each unmapped with the direction it was mapped with").isEmpty();

        // the DMA layer does tell: the read-only entry's mapping is not bidirectional
        assertThat(dmaMap(r, dev, d)).isEqualTo(2);
        dev.unmapPage(d[1], P, DmaDirection.BIDIRECTIONAL);
        assertThat(dev.violations()).singleElement().asString().contains("mapped TO_DEVICE but unmapped BIDIRECTIONAL");
    }

    @Test
    @DisplayName("edge 48: device-private entries decode to a page and are passed to the DMA API unfiltered")
    void devicePrivatePagesAreMapped() {
        DmirrorDevice mirror = new DmirrorDevice("dmirror0", DmirrorDevice.MemoryType.PRIVATE, machine.memory(), 64L << 20);
        long a = written(2);
        assertThat(mirror.open(mm).migrateToDev(new DmirrorCmd(a, 1, new byte[(int) P]))).isZero();
        int dpfn = Pte.pfn(PageStates.entryAt(mm, a));
        DmaDevice dev = iommuDevice();
        HmmRange r = range(a, 2, VALID);
        long[] d = daddrs(2);

        assertThat(dmaMap(r, dev, d)).isEqualTo(2);
        assertThat(r.pfns[0]).isEqualTo(enc(dpfn) | DEVICE_PRIVATE | WRITE);
        assertThat(machine.physicalMemory().pgmap(dpfn)).as("a ZONE_DEVICE frame").isNotNull();
        assertThat(dev.translate(d[0])).as("the IOMMU now points at the device-private frame").isEqualTo(dpfn);
    }

    @Test
    @DisplayName("edge 48: invalidation seen mid-loop -> -EBUSY, earlier mappings unwound, daddrs left stale, pfns untouched")
    void invalidationMidLoopUnwinds() throws Exception {
        long a = written(4);
        DmaDevice dev = iommuDevice();
        HmmRange r = range(a, 4, VALID);
        long[] d = daddrs(4);
        AtomicLong ret = new AtomicLong();
        Thread driver = new Thread(() -> ret.set(dmaMap(r, dev, d)), "driver");
        NotifierRange inFlight;
        // dma_map_page is serialised on the device: holding it stops the driver inside the
        // mapping of slot 0, after that slot's validity check passed
        synchronized (dev) {
            driver.start();
            awaitBlockedOn(driver, dev);
            inFlight = begin(a + 3 * P, a + 4 * P); // a CPU invalidation of the last page starts
            assertThat(r.valid()).isFalse();
        }
        driver.join();
        long[] pfnsAfter = r.pfns.clone();

        assertThat(ret.get()).isEqualTo(-Errno.EBUSY);
        assertThat(dev.mappingsMade()).as("slot 0 had been mapped").isEqualTo(1);
        assertThat(dev.liveMappings()).as("and was unwound").isZero();
        assertThat(dev.violations()).isEmpty();
        assertThat(d[0]).as("stale: the unmapped address is left in place").isNotZero().isNotEqualTo(STALE);
        assertThat(dev.translate(d[0])).as("it no longer reaches anything").isEqualTo(-1);
        assertThat(d[1]).as("zeroed before the check that failed").isZero();
        assertThat(d[2]).as("never reached").isEqualTo(STALE);
        assertThat(d[3]).isEqualTo(STALE);
        for (int i = 0; i < 4; i++) {
            assertThat(pfnsAfter[i]).isEqualTo(enc(frameAt(a + i * P)) | WRITE);
        }
        end(inFlight);
        assertThat(r.valid()).isTrue();
    }

    /** Waits until {@code t} is blocked entering the monitor of {@code monitor}. */
    private static void awaitBlockedOn(Thread t, Object monitor) throws InterruptedException {
        int id = System.identityHashCode(monitor);
        while (true) {
            ThreadInfo info = ManagementFactory.getThreadMXBean().getThreadInfo(t.threadId());
            LockInfo lock = info == null ? null : info.getLockInfo();
            if (info != null && info.getThreadState() == Thread.State.BLOCKED && lock != null && lock.getIdentityHashCode() == id) {
                return;
            }
            assertThat(t.isAlive()).as("the driver finished without reaching dma_map_page").isTrue();
            Thread.sleep(1);
        }
    }

    @Test
    @DisplayName("edge 48: a DMA mapping error -> -EFAULT, earlier mappings unwound, the failing slot keeps the error cookie")
    void mappingErrorUnwinds() {
        // direct mapping with a 2 MiB DMA mask: every page above it bounces through the swiotlb
        DmaDevice dev = new DmaSystem(machine.physicalMemory(), false).device("old", 21, true);
        int maskPfn = (int) ((1L << 21) >>> PageSize.PAGE_SHIFT);
        int high = machine.physicalMemory().allocFolioAt(machine.physicalMemory().nrFrames() - 1, 0);
        assertThat(high).isPositive();
        // fill the bounce pool with every free frame below the mask, then give two slots back
        List<Long> scratch = new ArrayList<>();
        for (long addr; (addr = dev.mapPage(high, 0, P, DmaDirection.TO_DEVICE)) != DmaDevice.MAPPING_ERROR; ) {
            scratch.add(addr);
            assertThat(scratch.size()).isLessThanOrEqualTo(maskPfn);
        }
        dev.unmapPage(scratch.removeLast(), P, DmaDirection.TO_DEVICE);
        dev.unmapPage(scratch.removeLast(), P, DmaDirection.TO_DEVICE);
        long bouncesBefore = dev.bounces();

        long a = written(4); // every frame below the mask is taken: these land above it
        for (int i = 0; i < 4; i++) {
            assertThat(frameAt(a + i * P)).isGreaterThanOrEqualTo(maskPfn);
        }
        HmmRange r = range(a, 4, VALID);
        long[] d = daddrs(4);

        assertThat(dmaMap(r, dev, d)).isEqualTo(-Errno.EFAULT);
        assertThat(dev.bounces() - bouncesBefore).as("slots 0 and 1 were mapped through the pool").isEqualTo(2);
        assertThat(dev.liveMappings()).as("and unwound").isEqualTo(scratch.size());
        assertThat(d[0]).isLessThan(1L << 21).isNotZero();
        assertThat(d[1]).isLessThan(1L << 21).isNotZero();
        assertThat(d[2]).isEqualTo(DmaDevice.MAPPING_ERROR);
        assertThat(d[3]).isEqualTo(STALE);
        assertThat(dev.violations()).isEmpty();
        for (int i = 0; i < 4; i++) {
            assertThat(r.pfns[i]).as("pfns untouched").isEqualTo(enc(frameAt(a + i * P)) | WRITE);
        }
        for (long addr : scratch) {
            dev.unmapPage(addr, P, DmaDirection.TO_DEVICE);
        }
        assertThat(dev.liveMappings()).isZero();
    }

    // ---- edge case 49: hmm_range_dma_unmap ---------------------------------------------

    @Test
    @DisplayName("edge 49: unmap(dirty=true) dirties only WRITE entries; every page unmapped, pfn := NONE, daddr := 0; returns the count")
    void unmapDirtiesOnlyWriteEntries() {
        long a = anon(3 * P, RW);
        p.write(a, P, Pattern.i32(0), a);
        p.write(a + P, P, Pattern.i32(0), a + P);
        assertThat(p.mprotect(a + P, P, Mman.PROT_READ)).isZero();
        DmaDevice dev = iommuDevice();
        HmmRange r = range(a, 3, 0); // slot 2 stays a hole
        long[] d = daddrs(3);
        assertThat(dmaMap(r, dev, d)).isEqualTo(2);
        assertThat(d[2]).isZero();
        int writable = frameAt(a);
        int readOnly = frameAt(a + P);
        frames().clear(writable, PageFlags.DIRTY);
        frames().clear(readOnly, PageFlags.DIRTY);

        assertThat(Hmm52.rangeDmaUnmap(r, null, dev, d, true)).isEqualTo(2);
        assertThat(frames().test(writable, PageFlags.DIRTY)).as("WRITE entry dirtied").isTrue();
        assertThat(frames().test(readOnly, PageFlags.DIRTY)).as("read-only entry not dirtied").isFalse();
        assertThat(r.pfns).containsOnly(NONE);
        assertThat(d).containsOnly(0L);
        assertThat(dev.liveMappings()).isZero();
        assertThat(dev.violations()).isEmpty();

        // a second call finds no page left: nothing unmapped
        assertThat(Hmm52.rangeDmaUnmap(r, null, dev, d, true)).isZero();
        assertThat(dev.violations()).isEmpty();
    }

    @Test
    @DisplayName("edge 49: unmap(dirty=false) dirties nothing, even WRITE entries")
    void unmapWithoutDirtyDirtiesNothing() {
        long a = written(1);
        DmaDevice dev = iommuDevice();
        Mapped m = mapAll(a, 1, dev);
        HmmRange r = m.range();
        long[] d = m.daddrs();
        assertThat(r.pfns[0] & WRITE).isNotZero();
        frames().clear(frameAt(a), PageFlags.DIRTY);
        assertThat(Hmm52.rangeDmaUnmap(r, null, dev, d, false)).isEqualTo(1);
        assertThat(frames().test(frameAt(a), PageFlags.DIRTY)).isFalse();
        assertThat(dev.liveMappings()).isZero();
    }

    @Test
    @DisplayName("edge 49: unmap of a THP's 512 WRITE entries dirties the compound head (set_page_dirty)")
    void unmapDirtiesTheThpHead() {
        long base = bootWithThp();
        int head = frameAt(base);
        DmaDevice dev = iommuDevice();
        Mapped m = mapAll(base, 512, dev);
        HmmRange r = m.range();
        long[] d = m.daddrs();
        frames().clear(head, PageFlags.DIRTY);
        assertThat(Hmm52.rangeDmaUnmap(r, null, dev, d, true)).isEqualTo(512);
        assertThat(frames().test(head, PageFlags.DIRTY)).isTrue();
        assertThat(dev.liveMappings()).isZero();
    }

    @Test
    @DisplayName("edge 49: end <= start, NULL daddrs or NULL pfns -> -EINVAL, nothing unmapped")
    void unmapEinvalChecks() {
        long a = written(2);
        DmaDevice dev = iommuDevice();
        Mapped m = mapAll(a, 2, dev);
        HmmRange r = m.range();
        long[] d = m.daddrs();

        assertThat(Hmm52.rangeDmaUnmap(r, null, dev, null, true)).isEqualTo(-Errno.EINVAL);
        long end = r.end;
        r.end = r.start;
        assertThat(Hmm52.rangeDmaUnmap(r, null, dev, d, true)).isEqualTo(-Errno.EINVAL);
        r.end = r.start - P;
        assertThat(Hmm52.rangeDmaUnmap(r, null, dev, null, true)).as("end <= start is checked first").isEqualTo(-Errno.EINVAL);
        r.end = end;
        HmmRange noPfns = new HmmRange(null, r.flags, r.values, PFN_SHIFT);
        noPfns.start = a;
        noPfns.end = a + 2 * P;
        assertThat(Hmm52.rangeDmaUnmap(noPfns, null, dev, d, true)).isEqualTo(-Errno.EINVAL);
        assertThat(dev.liveMappings()).as("nothing unmapped by the refused calls").isEqualTo(2);
        assertThat(r.pfns).doesNotContain(NONE);

        assertThat(Hmm52.rangeDmaUnmap(r, null, dev, d, true)).isEqualTo(2);
        assertThat(dev.liveMappings()).isZero();
    }
}
