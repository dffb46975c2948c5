package jhmm.device.dmirror;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.Test;

/** Cases DeviceMemoryPropertyTest found, each reduced to the kernel behaviour it broke. */
class DeviceFaultRegressionTest {
    private static final int P = 4096;
    private static final int N = 4;

    private final Machine machine = new Machine(MachineConfig.defaults().withRam(64L << 20).withThp(ThpMode.MADVISE));
    private final UserProcess p = machine.createProcess("p");
    private final DmirrorDevice dev = new DmirrorDevice("dmirror0", DmirrorDevice.MemoryType.PRIVATE, machine.memory(), 4L << 20);
    private final Dmirror d = dev.open(p.mm());

    private long anonWithPattern() {
        long a = p.mmap(0, (long) N * P, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(p.write(a, (long) N * P, Pattern.i32(0), a)).isZero();
        return a;
    }

    private static byte[] pattern(int bytes) {
        byte[] b = new byte[bytes];
        Pattern.i32(0).fill(0, b, 0, bytes);
        return b;
    }

    /**
     * FAIL_ALLOC left armed makes the driver's migrate_to_ram answer VM_FAULT_OOM once; a user
     * access then retries the fault (pagefault_out_of_memory) and succeeds, it is not an error.
     */
    @Test
    void aCpuAccessRetriesAFaultThatFailedOnceForWantOfMemory() {
        long a = anonWithPattern();
        assertThat(d.migrateToDev(new DmirrorCmd(a, N, new byte[N * P]))).isZero();
        assertThat(d.setFlags(new DmirrorCmd(a, Dmirror.FLAG_FAIL_ALLOC, null))).isZero();
        byte[] back = new byte[N * P];
        assertThat(p.read(a, back, 0, back.length)).isZero();
        assertThat(back).isEqualTo(pattern(N * P));
        assertThat(p.pageState(a)).isIn(PageState.PRESENT_RW, PageState.PRESENT_RO);
        assertThat(d.consumeFailAlloc()).as("the failed attempt consumed the flag").isFalse();
        assertThat(machine.checkInvariants()).isEmpty();
        assertThat(d.staleEntries()).isEmpty();
    }

    /** A 2 MiB aligned THP, written with pattern i32, moved whole to the device (one PMD-level entry). */
    private long deviceThp(long m2) {
        int n = (int) (m2 / P);
        long a = p.mmapAligned(m2, m2, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(p.madvise(a, m2, Mman.MADV_HUGEPAGE)).isZero();
        assertThat(p.write(a, m2, Pattern.i32(0), a)).isZero();
        assertThat(d.migrateToDev(new DmirrorCmd(a, n, new byte[n * P]))).isZero();
        assertThat(p.pageState(a)).isEqualTo(PageState.DEVICE_PRIVATE);
        return a;
    }

    /**
     * A device THP split into base pages (partial munmap, then a CPU fault through a PTE) keeps,
     * in every page, the mirror that migrated it; a CPU fault on a former tail page must erase
     * that mirror's entry, or the device keeps mapping a page the CPU has moved back to RAM.
     */
    @Test
    void aCpuFaultOnATailOfASplitDeviceThpErasesTheMirrorEntry() {
        long m2 = 2L << 20;
        long a = deviceThp(m2);
        assertThat(p.munmap(a + m2 / 2, m2 / 2)).isZero();
        assertThat(d.read(new DmirrorCmd(a, 8, new byte[8 * P]))).isZero();
        assertThat(p.pageState(a + P)).isEqualTo(PageState.DEVICE_PRIVATE);
        assertThat(p.write(a + P, P, Pattern.i32(7), a)).isZero();
        assertThat(p.pageState(a + P)).isIn(PageState.PRESENT_RW, PageState.PRESENT_RO);
        assertThat(d.staleEntries()).isEmpty();
        assertThat(machine.checkInvariants()).isEmpty();
    }

    /**
     * migrate_vma_collect_huge_pmd skips a PMD it does not select, without splitting it: a
     * MIGRATE_TO_DEV over part of a THP already on the device finds the mirror's entries in
     * place and succeeds, and the THP stays one PMD-level device entry.
     */
    @Test
    void migrateToDevOverPartOfADeviceThpLeavesItWhole() {
        long m2 = 2L << 20;
        long a = deviceThp(m2);
        DmirrorCmd again = new DmirrorCmd(a + 8 * P, 8, new byte[8 * P]);
        assertThat(d.migrateToDev(again)).isZero();
        byte[] want = new byte[8 * P];
        Pattern.i32(0).fill(8 * P, want, 0, want.length);
        assertThat(again.ptr).isEqualTo(want);
        DmirrorCmd snap = new DmirrorCmd(a, 1, new byte[1]);
        assertThat(d.snapshot(snap)).isZero();
        assertThat(snap.ptr[0] & 0xFF).as("still PMD-level").isEqualTo(DmirrorProt.DEV_PRIVATE_LOCAL | DmirrorProt.WRITE | DmirrorProt.PMD);
        assertThat(d.staleEntries()).isEmpty();
        assertThat(machine.checkInvariants()).isEmpty();
    }

    /** The same for MIGRATE_TO_SYS over part of a THP in system memory: not selected, not split. */
    @Test
    void migrateToSysOverPartOfASystemThpLeavesItWhole() {
        long m2 = 2L << 20;
        long a = p.mmapAligned(m2, m2, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(p.madvise(a, m2, Mman.MADV_HUGEPAGE)).isZero();
        assertThat(p.write(a, m2, Pattern.i32(0), a)).isZero();
        DmirrorCmd cmd = new DmirrorCmd(a + 8 * P, 8, null);
        assertThat(d.migrateToSys(cmd)).isZero();
        assertThat(cmd.cpages).isZero();
        assertThat(p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        assertThat(machine.checkInvariants()).isEmpty();
    }

    /** A child's file of the device and its copy of the parent's pages. */
    private record Child(UserProcess proc, Dmirror mirror, long addr) {}

    /**
     * Parent and child map the same device pages: the parent's file migrated them after the
     * fork; the child's file of the same device sees them in place (no fault, an entry each).
     */
    private Child sharedDevicePages() {
        long a = anonWithPattern();
        UserProcess child = p.fork("c");
        Dmirror dc = dev.open(child.mm());
        assertThat(d.migrateToDev(new DmirrorCmd(a, N, new byte[N * P]))).isZero();
        assertThat(child.pageState(a)).isEqualTo(PageState.DEVICE_PRIVATE);
        DmirrorCmd read = new DmirrorCmd(a, N, new byte[N * P]);
        assertThat(dc.read(read)).isZero();
        assertThat(read.ptr).isEqualTo(pattern(N * P));
        return new Child(child, dc, a);
    }

    /**
     * MIGRATE_TO_SYS updates the table of the file it was issued on (dmirror_migrate_to_system
     * passes its own mirror to the copy step, which erases that mirror's entries), whichever
     * file migrated the pages to the device.
     */
    @Test
    void migrateToSysErasesTheEntriesOfTheFileItWasIssuedOn() {
        Child c = sharedDevicePages();
        DmirrorCmd cmd = new DmirrorCmd(c.addr(), N, null);
        assertThat(c.mirror().migrateToSys(cmd)).isZero();
        assertThat(cmd.cpages).isEqualTo(N);
        assertThat(c.proc().pageState(c.addr())).isIn(PageState.PRESENT_RW, PageState.PRESENT_RO);
        assertThat(c.mirror().staleEntries()).isEmpty();
        assertThat(d.staleEntries()).isEmpty();
        assertThat(machine.checkInvariants()).isEmpty();
    }

    /**
     * FAIL_ALLOC of the file MIGRATE_TO_SYS is issued on makes its first base-page allocation
     * fail; lib/test_hmm.c ignores that failure: the ioctl returns 0, what got no system page
     * stays on the device and still reads back as its data.
     */
    @Test
    void migrateToSysIgnoresFailedAllocationAndReturnsZero() {
        Child c = sharedDevicePages();
        assertThat(c.mirror().setFlags(new DmirrorCmd(c.addr(), Dmirror.FLAG_FAIL_ALLOC, null))).isZero();
        DmirrorCmd cmd = new DmirrorCmd(c.addr(), N, null);
        assertThat(c.mirror().migrateToSys(cmd)).isZero();
        assertThat(cmd.cpages).as("the page whose allocation failed did not move").isLessThan(N);
        assertThat(c.proc().pageState(c.addr())).isEqualTo(PageState.DEVICE_PRIVATE);
        assertThat(c.mirror().consumeFailAlloc()).isFalse();
        assertThat(d.consumeFailAlloc()).isFalse();
        byte[] back = new byte[N * P];
        assertThat(c.proc().read(c.addr(), back, 0, back.length)).isZero();
        assertThat(back).isEqualTo(pattern(N * P));
        assertThat(machine.checkInvariants()).isEmpty();
    }

    /** Eviction (RELEASE, and every close) brings every device page back; it never looks at FAIL_ALLOC. */
    @Test
    void releaseEvictsEverythingEvenWithFailAllocArmed() {
        long a = anonWithPattern();
        assertThat(d.migrateToDev(new DmirrorCmd(a, N, new byte[N * P]))).isZero();
        assertThat(d.setFlags(new DmirrorCmd(a, Dmirror.FLAG_FAIL_ALLOC, null))).isZero();
        assertThat(d.release(new DmirrorCmd(a, 1, null))).isZero();
        assertThat(dev.pagesInUse()).isZero();
        assertThat(p.pageState(a)).isIn(PageState.PRESENT_RW, PageState.PRESENT_RO);
        assertThat(d.consumeFailAlloc()).as("eviction left the flag alone").isTrue();
        assertThat(machine.checkInvariants()).isEmpty();
        assertThat(d.staleEntries()).isEmpty();
    }
}
