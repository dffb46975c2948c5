package jhmm.device.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.dma.DmaSystem;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import jhmm.mm.ThpMode;

/** A machine with one process and GPUs built on it, for the GPU tests. */
final class GpuFixture {
    static final long P = PageSize.PAGE_SIZE;
    static final long M2 = PageSize.PMD_SIZE;
    static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;

    final Machine machine;
    final UserProcess p;
    private final DmaSystem dma;

    GpuFixture() {
        this(ThpMode.NEVER);
    }

    GpuFixture(ThpMode thp) {
        machine = new Machine(MachineConfig.defaults().withRam(128L << 20).withThp(thp));
        p = machine.createProcess("p");
        dma = new DmaSystem(machine.physicalMemory(), machine.config().iommu());
    }

    GpuDevice gpu(String name, GpuConfig config) {
        GpuDevice g = new GpuDevice(name, config, machine.memory(), dma.device(name, 64, true));
        machine.addCoherenceCheck(g::violations);
        return g;
    }

    /** A 2 MiB-aligned anonymous read-write mapping of {@code len}, written with i32 when {@code written}. */
    long anon(long len, boolean written) {
        long a = p.mmapAligned(len, M2, RW, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(a).as("mmap").isPositive();
        if (written) {
            assertThat(p.write(a, len, Pattern.i32(0), a)).isZero();
        }
        return a;
    }

    /** nvidia-uvm's knobs without VRAM or prefetch: every page stays in RAM and faults on its own. */
    static GpuConfig sysOnly(long... chunks) {
        GpuConfig d = GpuConfig.of(GpuPolicy.NVIDIA);
        return new GpuConfig(0, chunks.length == 0 ? d.chunks() : chunks, d.notifierBytes(), d.batch(), d.bufferEntries(),
                d.replay(), false, d.prefetchThreshold(), d.migrateOnFault(), d.evict(), d.thrashing(), d.thrashThreshold(),
                d.pinThreshold());
    }

    void assertCoherent() {
        assertThat(machine.checkInvariants()).isEmpty();
    }

    static long count(GpuVm vm, GpuStats.Counter c) {
        return vm.stats().get(c);
    }
}
