package jhmm.gup;

import static jhmm.gup.EdgeCaseSupport.P;
import static jhmm.gup.EdgeCaseSupport.frame;
import static jhmm.gup.EdgeCaseSupport.written;
import static org.assertj.core.api.Assertions.assertThat;

import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.phys.PhysicalMemory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * GUP-fast reads a PTE with no lock, so the frame it names may be freed before it takes its
 * reference: try_grab_folio_fast takes one only while the count is not zero, then checks the
 * PTE again. A reference taken on a free frame would be dropped again and free it twice.
 */
class TryGrabTest {
    private final Machine machine = new Machine(MachineConfig.defaults().withRam(16L << 20));
    private final UserProcess p = machine.createProcess("p");
    private final PhysicalMemory phys = machine.physicalMemory();

    @Test
    @DisplayName("a frame freed before GUP-fast takes it gains no reference (try_grab_folio_fast)")
    void aFreedFrameIsNotGrabbed() {
        long a = written(p, P);
        int pfn = frame(p, a);
        assertThat(p.munmap(a, P)).isZero();
        assertThat(phys.frames().refcount(pfn)).isZero();
        assertThat(phys.tryGrab(pfn, false)).isFalse();
        assertThat(phys.tryGrab(pfn, true)).isFalse();
        assertThat(phys.frames().refcount(pfn)).isZero();
        assertThat(phys.externalRefs()).isZero();
    }

    @Test
    @DisplayName("a mapped frame is grabbed with a reference or a pin, counted as held outside the kernel")
    void aLiveFrameIsGrabbed() {
        long a = written(p, P);
        int pfn = frame(p, a);
        int before = phys.frames().refcount(pfn);
        assertThat(phys.tryGrab(pfn, false)).isTrue();
        assertThat(phys.frames().refcount(pfn)).isEqualTo(before + 1);
        assertThat(phys.tryGrab(pfn, true)).isTrue();
        assertThat(phys.maybeDmaPinned(pfn)).isTrue();
        phys.unpin(pfn);
        phys.putExternal(pfn);
        assertThat(phys.externalRefs()).isZero();
        assertThat(machine.checkInvariants()).isEmpty();
    }
}
