package jhmm.device.dmirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * THP splits racing a device that keeps migrating pages of the same THPs to its memory and
 * back. The split must freeze the folio's count (folio_ref_freeze) under the folio lock, and
 * migrate_vma's collection must check, once it holds the lock, that the page still belongs to
 * the folio it locked and take its reference only while the count is not zero: otherwise a
 * reference taken meanwhile is overwritten and a frame is freed twice, or a migration entry
 * names a freed page.
 */
class SplitRaceTest {
    private static final int P = 4096;
    private static final long M2 = 2L << 20;
    private static final int ROUNDS = 300;

    @Test
    @DisplayName("split_huge_page racing migrate_vma of its pages leaves every count right and the data whole")
    void splitRacingDeviceMigration() throws Exception {
        Machine machine = new Machine(MachineConfig.defaults().withRam(64L << 20).withThp(ThpMode.ALWAYS));
        UserProcess p = machine.createProcess("p");
        Dmirror mirror = new DmirrorDevice("d", DmirrorDevice.MemoryType.PRIVATE, machine.memory(), 8L << 20).open(p.mm());
        long a = p.mmapAligned(M2, M2, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread device = new Thread(() -> {
            SplittableRandom rnd = new SplittableRandom(1);
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    DmirrorCmd cmd = new DmirrorCmd(a + (long) rnd.nextInt(512) * P, 1, new byte[P]);
                    if (rnd.nextBoolean()) {
                        mirror.migrateToDev(cmd);
                    } else {
                        mirror.migrateToSys(cmd);
                    }
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "device");
        device.start();
        byte[] back = new byte[(int) M2];
        byte[] want = new byte[(int) M2];
        for (int i = 0; i < ROUNDS && failure.get() == null; i++) {
            // a fresh THP each round (after MADV_DONTNEED the next write faults one in), split while the device works on it
            assertThat(p.madvise(a, M2, Mman.MADV_DONTNEED)).isZero();
            assertThat(p.write(a, M2, Pattern.i32(i), a)).isZero();
            assertThat(machine.splitThp(p, a)).isIn(0, -Errno.EAGAIN, -Errno.EINVAL);
            assertThat(p.read(a, back, 0, back.length)).isZero();
            Pattern.i32(i).fill(0, want, 0, want.length);
            assertThat(back).as("round %d", i).isEqualTo(want);
        }
        device.interrupt();
        device.join(60_000);
        assertThat(failure.get()).as("the device thread").isNull();
        assertThat(machine.checkInvariants()).isEmpty();
        mirror.close();
        assertThat(p.munmap(a, M2)).isZero();
        assertThat(machine.checkInvariants()).isEmpty();
        assertThat(machine.physicalMemory().externalRefs()).isZero();
    }
}
