package jhmm.example;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import jhmm.notifier.MmuNotifiers;
import jhmm.junit.JhmmMachine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The example device against the kernel behaviour a mirroring driver relies on. Each test gets
 * a fresh 64 MiB machine from the jhmm-testing extension, which afterwards fails the test if
 * the device's table is stale (its coherence check) or anything else does not add up.
 */
@JhmmMachine(ram = "64M")
class TinyMirrorTest {
    private static final int P = (int) PageSize.PAGE_SIZE;
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;
    private static final int ANON = Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS;

    private Machine machine;
    private UserProcess p;
    private long buf;
    private TinyMirror dev;

    @BeforeEach
    void boot(Machine machine) {
        this.machine = machine;
        p = machine.createProcess("app");
        buf = p.mmap(0, 16L * P, RW, ANON, null, 0);
        assertThat(buf).as("mmap").isPositive();
        dev = new TinyMirror(machine, p, buf, 16L * P);
    }

    @Test
    void deviceReadsWhatTheCpuWrote() {
        assertThat(p.write(buf, P, Pattern.fillByte(7), buf)).isZero();
        byte[] page = new byte[P];
        assertThat(dev.read(buf, page)).isZero();
        assertThat(page).containsOnly(7);
        assertThat(machine.checkInvariants()).isEmpty();
    }

    @Test
    void cpuReadsWhatTheDeviceWrote() {
        byte[] page = new byte[P];
        java.util.Arrays.fill(page, (byte) 9);
        // a write fault on a never-touched page: hmm_range_fault allocates it writable
        assertThat(dev.write(buf + P, page)).isZero();
        byte[] back = new byte[P];
        assertThat(p.read(buf + P, back, 0, P)).isZero();
        assertThat(back).containsOnly(9);
    }

    @Test
    void munmapEmptiesTheDeviceTableThroughTheNotifier() {
        byte[] page = new byte[P];
        assertThat(dev.write(buf, page)).isZero();
        assertThat(dev.mappedPages()).isOne();
        assertThat(p.munmap(buf, P)).isZero();
        assertThat(dev.mappedPages()).as("the invalidate callback dropped the page").isZero();
        assertThat(dev.read(buf, page)).as("hmm_range_fault on a hole without a VMA").isEqualTo(-Errno.EFAULT);
    }

    @Test
    void madviseDontneedAfterADeviceWriteLeavesNoStaleEntry() {
        byte[] page = new byte[P];
        assertThat(dev.write(buf, page)).isZero();
        assertThat(p.madvise(buf, P, Mman.MADV_DONTNEED)).isZero();
        assertThat(machine.checkInvariants()).isEmpty();
        assertThat(dev.read(buf, page)).as("faults the zero page back in").isZero();
        assertThat(page).containsOnly(0);
    }

    @Test
    void theCoherenceCheckCatchesADeviceThatStoppedListening() {
        byte[] page = new byte[P];
        assertThat(dev.write(buf, page)).isZero();
        MmuNotifiers.remove(dev.notifier());
        assertThat(p.munmap(buf, P)).isZero();
        assertThat(machine.checkInvariants()).singleElement().asString().contains("which the CPU does not map there");
        dev.close(); // or the extension fails this test for the same stale entry
    }
}
