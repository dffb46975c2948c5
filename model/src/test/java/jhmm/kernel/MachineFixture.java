package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.mm.Mman;
import jhmm.mm.ThpMode;

/** A small machine and helpers shared by the CPU-side tests. */
class MachineFixture {
    static final long P = PageSize.PAGE_SIZE;
    static final long M2 = PageSize.PMD_SIZE;

    final Machine machine;
    final UserProcess p;

    MachineFixture() {
        this(MachineConfig.defaults().withRam(256L << 20).withSwap(64L << 20));
    }

    MachineFixture(MachineConfig config) {
        machine = new Machine(config);
        p = machine.createProcess("p");
    }

    static MachineFixture withThp(ThpMode mode) {
        return new MachineFixture(MachineConfig.defaults().withRam(256L << 20).withSwap(64L << 20).withThp(mode));
    }

    long anon(UserProcess proc, long len, int prot) {
        long a = proc.mmap(0, len, prot, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(a).as("mmap").isPositive();
        return a;
    }

    long anonAligned(UserProcess proc, long len, long align) {
        long a = proc.mmapAligned(len, align, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(a).as("mmap").isPositive();
        return a;
    }

    /** Maps one page at {@code addr} (MAP_FIXED) so that a mapping ending there cannot grow in place. */
    static void blockAbove(MachineFixture t, long addr) {
        long b = t.p.mmap(addr, P, Mman.PROT_READ, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0);
        assertThat(b).isEqualTo(addr);
    }

    static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;

    /** Asserts that [addr, addr+len) reads as {@code pat} placed at {@code origin}. */
    static void assertReads(UserProcess proc, long addr, long len, Pattern pat, long origin) {
        byte[] buf = new byte[(int) len];
        assertThat(proc.read(addr, buf, 0, (int) len)).as("read").isZero();
        for (int i = 0; i < len; i++) {
            if (buf[i] != pat.byteAt(addr - origin + i)) {
                throw new AssertionError(String.format("byte %d of %x: expected %d, got %d", i, addr, pat.byteAt(addr - origin + i), buf[i]));
            }
        }
    }

    void assertCoherent() {
        assertThat(machine.checkInvariants()).as("invariants").isEmpty();
    }
}
