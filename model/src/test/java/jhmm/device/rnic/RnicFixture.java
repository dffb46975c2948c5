package jhmm.device.rnic;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.dma.DmaSystem;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import jhmm.mm.PageStates;
import jhmm.mm.Pte;
import jhmm.mm.ThpMode;

/** A machine with one process and a NIC it opened, for the NIC tests. */
final class RnicFixture {
    static final long P = PageSize.PAGE_SIZE;
    static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;

    final Machine machine;
    final UserProcess p;
    final DmaSystem dma;
    final Rnics nics;
    final RnicDevice nic;
    final RnicContext ctx;

    RnicFixture() {
        this(RnicConfig.defaults(), true);
    }

    RnicFixture(RnicConfig config, boolean iommu) {
        machine = new Machine(MachineConfig.defaults().withRam(128L << 20).withThp(ThpMode.NEVER).withIommu(iommu));
        p = machine.createProcess("p");
        dma = new DmaSystem(machine.physicalMemory(), iommu);
        nics = new Rnics(machine.memory());
        nic = nics.add("nic", config, dma.device("nic", 64, true));
        machine.addCoherenceCheck(nics::violations);
        ctx = nic.open(p.mm());
    }

    /** An anonymous read-write mapping of {@code len}, written with i32 from its start when {@code written}. */
    long anon(long len, boolean written) {
        long a = p.mmap(0, len, RW, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(a).as("mmap").isPositive();
        if (written) {
            assertThat(p.write(a, len, Pattern.i32(0), a)).isZero();
        }
        return a;
    }

    MemoryRegion register(MrType type, long addr, long len) {
        RnicOp op = ctx.register(type, addr, len, true);
        assertThat(op.errno()).as("registration").isZero();
        return op.mr();
    }

    /** The frame the CPU maps at {@code addr}, or -1. */
    int frame(long addr) {
        long e = PageStates.entryAt(p.mm(), addr);
        return Pte.present(e) ? Pte.pfn(e) : -1;
    }

    /** The process's bytes at [addr, addr+len) match {@code pattern} indexed from {@code origin}. */
    boolean holds(jhmm.kernel.UserProcess proc, long addr, int len, Pattern pattern, long origin) {
        byte[] got = new byte[len];
        assertThat(proc.read(addr, got, 0, len)).isZero();
        byte[] want = new byte[len];
        pattern.fill(addr - origin, want, 0, len);
        return java.util.Arrays.equals(got, want);
    }

    void assertCoherent() {
        assertThat(machine.checkInvariants()).isEmpty();
    }
}
