package jhmm.mm;

import static jhmm.gup.EdgeCaseSupport.ANON;
import static jhmm.gup.EdgeCaseSupport.P;
import static jhmm.gup.EdgeCaseSupport.RW;
import static jhmm.gup.EdgeCaseSupport.assertReads;
import static jhmm.gup.EdgeCaseSupport.frame;
import static jhmm.gup.EdgeCaseSupport.get;
import static jhmm.gup.EdgeCaseSupport.map;
import static jhmm.gup.EdgeCaseSupport.pin;
import static jhmm.gup.EdgeCaseSupport.written;
import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.gup.Foll;
import jhmm.gup.Gup;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.phys.PhysicalMemory;
import org.junit.jupiter.api.Test;

/** migrate_vma_setup's collection rules (gup-migrate-dma.md, Corrections 11-12). */
class MigrateVmaCollectTest {
    private final Machine machine = new Machine(MachineConfig.defaults().withRam(256L << 20));
    private final UserProcess p = machine.createProcess("p");
    private final PhysicalMemory phys = machine.physicalMemory();

    /** migrate_vma_setup under the mmap read lock, as drivers call it. */
    private MigrateVma setup(long start, long end, int flags, int faultPage, int[] ret) {
        Mm mm = p.mm();
        mm.mmapLock().readLock().lock();
        try {
            MigrateVma m = new MigrateVma(mm.findVma(start), start, end, this, flags);
            m.faultPage = faultPage;
            ret[0] = MigrateDevice.setup(m);
            return m;
        } finally {
            mm.mmapLock().readLock().unlock();
        }
    }

    /** migrate_vma_pages and _finalize with no destination: every collected page goes back. */
    private static void restore(MigrateVma m) {
        MigrateDevice.pages(m);
        MigrateDevice.finalizeMigration(m);
    }

    @Test
    void holesInAnonVmaAreCollectedWhateverSelectFlags() {
        long a = map(p, 2 * P, RW, ANON);
        int[] ret = new int[1];
        MigrateVma m = setup(a, a + 2 * P, MigrateVma.SELECT_DEVICE_PRIVATE, -1, ret);
        assertThat(ret[0]).isZero();
        assertThat(m.cpages).isEqualTo(2);
        assertThat(m.src[0]).as("a hole: MIGRATE with no page").isEqualTo(MigrateVma.MIGRATE);
        restore(m);
    }

    @Test
    void pinnedExclusivePageIsNotCollectedAndItsEntryIsZero() {
        long a = written(p, 2 * P);
        int pinned = frame(p, a);
        int[] pages = new int[1];
        assertThat(pin(p, a, 1, Foll.WRITE, pages)).isEqualTo(1);
        int[] ret = new int[1];
        MigrateVma m = setup(a, a + 2 * P, MigrateVma.SELECT_SYSTEM, -1, ret);
        assertThat(ret[0]).isZero();
        assertThat(m.src[0]).as("cannot be made shared: 0").isZero();
        assertThat(m.src[1] & MigrateVma.MIGRATE).as("its unpinned neighbour is collected").isNotZero();
        assertThat(m.cpages).isEqualTo(1);
        restore(m);
        assertThat(frame(p, a)).isEqualTo(pinned);
        assertThat(PageStates.of(p.mm(), a)).isEqualTo(PageState.PRESENT_RW);
        Gup.unpinUserPage(phys, pages[0]);
        assertReads(p, a, 2 * P, Pattern.i32(0), a);
        assertThat(machine.checkInvariants()).isEmpty();
    }

    @Test
    void pageWithExtraReferenceFailsUnmapAndItsEntryIsZero() {
        long a = written(p, P);
        int[] pages = new int[1];
        assertThat(get(p, a, 1, 0, pages)).isEqualTo(1);
        int refs = phys.frames().refcount(pages[0]);
        int[] ret = new int[1];
        MigrateVma m = setup(a, a + P, MigrateVma.SELECT_SYSTEM, -1, ret);
        assertThat(ret[0]).isZero();
        assertThat(m.src[0]).as("failed at the refcount check after unmap: 0, not just MIGRATE cleared").isZero();
        assertThat(m.cpages).isZero();
        restore(m);
        assertThat(phys.frames().refcount(pages[0])).as("the isolation reference was dropped").isEqualTo(refs);
        assertThat(frame(p, a)).isEqualTo(pages[0]);
        Gup.putPage(phys, pages[0]);
        assertThat(machine.checkInvariants()).isEmpty();
    }

    @Test
    void faultPageThatIsNotDevicePrivateIsInvalid() {
        long a = written(p, P);
        int[] ret = new int[1];
        setup(a, a + P, MigrateVma.SELECT_SYSTEM, frame(p, a), ret);
        assertThat(ret[0]).isEqualTo(-Errno.EINVAL);
    }
}
