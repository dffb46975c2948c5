package jhmm.gup;

import static jhmm.gup.EdgeCaseSupport.ANON;
import static jhmm.gup.EdgeCaseSupport.P;
import static jhmm.gup.EdgeCaseSupport.RW;
import static jhmm.gup.EdgeCaseSupport.frame;
import static jhmm.gup.EdgeCaseSupport.get;
import static jhmm.gup.EdgeCaseSupport.map;
import static jhmm.gup.EdgeCaseSupport.pin;
import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.device.dmirror.Dmirror;
import jhmm.device.dmirror.DmirrorCmd;
import jhmm.device.dmirror.DmirrorDevice;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.EdgeStates;
import jhmm.mm.FileInode;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import jhmm.mm.PageStates;
import jhmm.mm.VmFlags;
import jhmm.phys.PhysicalMemory;
import org.junit.jupiter.api.Test;

/**
 * What the GUP entry points accept and refuse (gup-migrate-dma.md, Corrections 1-6):
 * FOLL_NOWAIT, the VMA checks, is_valid_gup_args, FOLL_LONGTERM on device-private pages, special
 * PTEs without a struct page and FOLL_DUMP.
 */
class GupFlagRulesTest {
    private final Machine machine = new Machine(MachineConfig.defaults().withRam(256L << 20).withSwap(64L << 20));
    private final UserProcess p = machine.createProcess("p");

    private PhysicalMemory phys() {
        return machine.physicalMemory();
    }

    private void assertNothingHeld() {
        assertThat(phys().externalRefs()).isZero();
        assertThat(machine.checkInvariants()).isEmpty();
    }

    @Test
    void followNowaitReturnsPagesGotSoFar() {
        long a = EdgeCaseSupport.written(p, 3 * P);
        assertThat(machine.swapout(p, a + P, P)).isZero();
        int[] pages = new int[3];

        assertThat(get(p, a, 3, Foll.NOWAIT, pages)).as("stops before the page that needs swap-in").isEqualTo(1);
        Gup.putPage(phys(), pages[0]);
        assertThat(get(p, a + P, 2, Foll.NOWAIT, pages)).as("0, not -EAGAIN, when the first page would wait").isZero();
        assertThat(pin(p, a + P, 1, Foll.NOWAIT, pages)).isZero();
        assertThat(PageStates.of(p.mm(), a + P)).as("nothing was read in").isEqualTo(PageState.SWAP);
        assertThat(get(p, a + P, 1, 0, pages)).as("without NOWAIT the fault waits").isEqualTo(1);
        Gup.putPage(phys(), pages[0]);
        assertNothingHeld();
    }

    @Test
    void fastVariantsRefuseFlagsTheLocklessWalkDoesNotKnow() {
        long a = EdgeCaseSupport.written(p, P);
        int[] pages = new int[1];
        assertThat(Gup.getUserPagesFast(p.mm(), a, 1, Foll.NOWAIT, pages)).isEqualTo(-Errno.EINVAL);
        assertThat(Gup.pinUserPagesFast(p.mm(), a, 1, Foll.DUMP, pages)).isEqualTo(-Errno.EINVAL);
        assertNothingHeld();
    }

    @Test
    void readTestOfVmReadAppliesToReadsOnly() {
        long w = map(p, P, Mman.PROT_WRITE, ANON);
        int[] pages = new int[1];
        assertThat(get(p, w, 1, 0, pages)).as("a read of a VMA without VM_READ").isEqualTo(-Errno.EFAULT);
        assertThat(get(p, w, 1, Foll.WRITE, pages)).as("a write needs only VM_WRITE").isEqualTo(1);
        Gup.putPage(phys(), pages[0]);
        assertNothingHeld();
    }

    @Test
    void forceReadsProtNoneVmaThatMayRead() {
        long a = EdgeCaseSupport.written(p, P);
        int pfn = frame(p, a);
        assertThat(p.mprotect(a, P, Mman.PROT_NONE)).isZero();
        int[] pages = new int[1];
        assertThat(get(p, a, 1, 0, pages)).isEqualTo(-Errno.EFAULT);
        assertThat(get(p, a, 1, Foll.FORCE, pages)).as("ptrace-style read through VM_MAYREAD").isEqualTo(1);
        assertThat(pages[0]).isEqualTo(pfn);
        Gup.putPage(phys(), pages[0]);
        assertThat(PageStates.of(p.mm(), a)).isEqualTo(PageState.PROTNONE);
        assertNothingHeld();
    }

    @Test
    void longtermWithoutPinIsInvalid() {
        long a = EdgeCaseSupport.written(p, P);
        int[] pages = new int[1];
        assertThat(get(p, a, 1, Foll.LONGTERM, pages)).isEqualTo(-Errno.EINVAL);
        assertThat(Gup.getUserPagesFast(p.mm(), a, 1, Foll.LONGTERM, pages)).isEqualTo(-Errno.EINVAL);
        assertThat(pin(p, a, 1, Foll.LONGTERM, pages)).as("with the pin it is valid").isEqualTo(1);
        Gup.unpinUserPage(phys(), pages[0]);
        assertNothingHeld();
    }

    @Test
    void longtermPinOfDevicePrivatePageFaultsItBackToRam() {
        long a = EdgeCaseSupport.written(p, 2 * P);
        DmirrorDevice dev = new DmirrorDevice("dmirror0", DmirrorDevice.MemoryType.PRIVATE, machine.memory(), 4L << 20);
        Dmirror mirror = dev.open(p.mm());
        assertThat(mirror.migrateToDev(new DmirrorCmd(a, 2, new byte[(int) (2 * P)]))).isZero();
        assertThat(PageStates.of(p.mm(), a)).isEqualTo(PageState.DEVICE_PRIVATE);
        int[] pages = new int[2];
        assertThat(pin(p, a, 2, Foll.WRITE | Foll.LONGTERM, pages)).as("no failure: migrate_to_ram first").isEqualTo(2);
        for (int i = 0; i < 2; i++) {
            assertThat(phys().pgmap(pages[i])).as("page %d is system RAM", i).isNull();
            assertThat(frame(p, a + i * P)).isEqualTo(pages[i]);
        }
        assertThat(dev.pagesInUse()).isZero();
        Gup.unpinUserPagesDirtyLock(phys(), pages, 2, false);
        assertNothingHeld();
    }

    @Test
    void callerPassingFollPinIsRefused() {
        long a = EdgeCaseSupport.written(p, P);
        int[] pages = new int[1];
        assertThat(pin(p, a, 1, Foll.PIN, pages)).as("pin_user_pages refuses with 0").isZero();
        assertThat(Gup.pinUserPagesFast(p.mm(), a, 1, Foll.GET, pages)).as("GET and PIN together").isZero();
        assertThat(get(p, a, 1, Foll.PIN, pages)).as("get_user_pages refuses with -EINVAL").isEqualTo(-Errno.EINVAL);
        assertNothingHeld();
    }

    @Test
    void specialPteWithoutStructPageIsEexistWhenPagesRequested() {
        long d = EdgeStates.driverMapping(p.mm(), 1, VmFlags.MIXEDMAP);
        int driverPfn = EdgeStates.driverFrame(p.mm());
        EdgeStates.insertSpecialPfn(p.mm(), d, driverPfn);
        int[] pages = new int[1];
        assertThat(get(p, d, 1, 0, pages)).isEqualTo(-Errno.EEXIST);
        assertThat(pin(p, d, 1, Foll.WRITE, pages)).isEqualTo(-Errno.EEXIST);
        assertThat(Gup.pinUserPagesFast(p.mm(), d, 1, 0, pages)).isEqualTo(-Errno.EEXIST);
    }

    @Test
    void longtermWritablePinOfDirtyTrackedFileMappingIsEfault() {
        FileInode file = machine.createFile("f", P, Pattern.i32(1));
        long a = p.mmap(0, P, RW, Mman.MAP_SHARED, file, 0);
        assertThat(p.write(a, 4, Pattern.fillByte(2), a)).isZero();
        int[] pages = new int[1];
        assertThat(pin(p, a, 1, Foll.WRITE | Foll.LONGTERM, pages)).isEqualTo(-Errno.EFAULT);
        assertThat(Gup.pinUserPagesFast(p.mm(), a, 1, Foll.WRITE | Foll.LONGTERM, pages)).isEqualTo(-Errno.EFAULT);
        assertThat(pin(p, a, 1, Foll.WRITE, pages)).as("a short-term pin may write it").isEqualTo(1);
        Gup.unpinUserPage(phys(), pages[0]);
        long shm = p.mmap(0, P, RW, Mman.MAP_SHARED | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(pin(p, shm, 1, Foll.WRITE | Foll.LONGTERM, pages)).as("shmem needs no dirty tracking").isEqualTo(1);
        Gup.unpinUserPage(phys(), pages[0]);
        assertNothingHeld();
    }

    @Test
    void dumpPageLeavesAnonHolesAndZeroPageOutButFaultsFileHoles() {
        long a = map(p, 3 * P, RW, ANON);
        assertThat(p.write(a, P, Pattern.i32(0), a)).isZero();
        assertThat(p.read(a + 2 * P, new byte[1], 0, 1)).isZero();
        assertThat(PageStates.of(p.mm(), a + 2 * P)).isEqualTo(PageState.ZERO);

        int page = Gup.getDumpPage(p.mm(), a);
        assertThat(page).isEqualTo(frame(p, a));
        Gup.putPage(phys(), page);
        assertThat(Gup.getDumpPage(p.mm(), a + P)).as("an anonymous hole").isEqualTo(-1);
        assertThat(PageStates.of(p.mm(), a + P)).as("not faulted in").isEqualTo(PageState.NONE);
        assertThat(Gup.getDumpPage(p.mm(), a + 2 * P)).as("the zero page").isEqualTo(-1);

        FileInode file = machine.createFile("f", P, Pattern.i32(5));
        long f = p.mmap(0, P, Mman.PROT_READ, Mman.MAP_PRIVATE, file, 0);
        page = Gup.getDumpPage(p.mm(), f);
        assertThat(page).as("a file hole is faulted in").isEqualTo(frame(p, f)).isNotNegative();
        Gup.putPage(phys(), page);
        assertNothingHeld();
    }
}
