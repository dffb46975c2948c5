package jhmm.stress;

import java.util.SplittableRandom;
import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;

/**
 * One CPU thread of the stressed process: random loads, stores, mmap, munmap, mprotect and
 * madvise over the slots it owns, and reclaim or migration of them as the kernel would do
 * meanwhile. Every load is checked against what the thread stored: with devices migrating
 * and mirroring the same pages, nothing stored may be lost or come back wrong.
 */
final class CpuWorker {
    static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;
    private static final int MAX_PAGES = 8;
    private static final int[] PROTS = {RW, Mman.PROT_READ, Mman.PROT_NONE};
    /** Names of the operations by fifths of the percentile {@link #step} draws, for slot histories. */
    private static final String[] OPS = {"store", "store", "store", "store", "store", "store", "store/load", "load", "load", "load",
        "load", "load", "load", "load", "mprotect", "mprotect/munmap", "munmap/dontneed", "dontneed", "pageout/swapout", "migrate"};

    private final String name;
    private final Machine machine;
    private final UserProcess proc;
    private final Slot[] slots;
    private final SplittableRandom rnd;
    private final Violations violations;
    private final byte[] buf = new byte[MAX_PAGES << 12];

    CpuWorker(String name, Machine machine, UserProcess proc, Slot[] slots, SplittableRandom rnd, Violations violations) {
        this.name = name;
        this.machine = machine;
        this.proc = proc;
        this.slots = slots;
        this.rnd = rnd;
        this.violations = violations;
    }

    /** Maps every slot read-write (before the threads start). */
    void mapAll() {
        for (Slot s : slots) {
            map(s);
        }
    }

    /** Unmaps every slot (teardown). */
    void unmapAll() {
        for (Slot s : slots) {
            if (s.prot != Slot.UNMAPPED) {
                expect("munmap", proc.munmap(s.addr, (long) s.pages << 12), 0);
                s.prot = Slot.UNMAPPED;
            }
        }
    }

    void step() {
        Slot s = slots[rnd.nextInt(slots.length)];
        if (s.prot == Slot.UNMAPPED) {
            map(s);
            return;
        }
        int first = rnd.nextInt(s.pages);
        int n = 1 + rnd.nextInt(Math.min(MAX_PAGES, s.pages - first));
        long addr = s.pageAddr(first);
        long len = (long) n << 12;
        int op = rnd.nextInt(100);
        s.did(OPS[Math.min(op / 5, OPS.length - 1)], first);
        if (op < 35) {
            store(s, first, n);
        } else if (op < 70) {
            load(s, first, n);
        } else if (op < 78) {
            int prot = PROTS[rnd.nextInt(PROTS.length)];
            expect("mprotect", proc.mprotect(s.addr, (long) s.pages << 12, prot), 0);
            s.did(prot == RW ? "rw" : prot == Mman.PROT_NONE ? "none" : "r", 0);
            s.prot = prot;
        } else if (op < 82) {
            expect("munmap", proc.munmap(s.addr, (long) s.pages << 12), 0);
            s.prot = Slot.UNMAPPED;
        } else if (op < 87) {
            expect("madvise(DONTNEED)", proc.madvise(addr, len, Mman.MADV_DONTNEED), 0);
            java.util.Arrays.fill(s.expected, first, first + n, 0);
        } else if (op < 90) {
            expect("madvise(PAGEOUT)", proc.madvise(addr, len, Mman.MADV_PAGEOUT), 0);
        } else if (op < 95) {
            expect("swapout", machine.swapout(proc, addr, len), 0, -Errno.EAGAIN);
        } else {
            expect("migrate", machine.migrate(proc, addr, len), 0, -Errno.EAGAIN, -Errno.ENOMEM);
        }
    }

    private void map(Slot s) {
        long got = proc.mmap(s.addr, (long) s.pages << 12, RW, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0);
        if (got != s.addr) {
            violations.add(name + ": mmap of its slot at " + Long.toHexString(s.addr) + " returned " + got);
            return;
        }
        s.prot = RW;
        java.util.Arrays.fill(s.expected, 0);
    }

    private void store(Slot s, int first, int n) {
        int c = 1 + rnd.nextInt(1 << 29);
        int ret = proc.write(s.pageAddr(first), (long) n << 12, Pattern.i32(c), s.pageAddr(first));
        if (s.prot != RW) {
            expect("store to a slot mapped without write", ret, -Errno.EFAULT);
            return;
        }
        if (expect("store", ret, 0)) {
            for (int i = 0; i < n; i++) {
                s.expected[first + i] = c + i * 1024; // word k of page i is i*1024 + k + c
            }
        }
    }

    private void load(Slot s, int first, int n) {
        int ret = proc.read(s.pageAddr(first), buf, 0, n << 12);
        if (s.prot == Mman.PROT_NONE) {
            expect("load from a PROT_NONE slot (after " + s.history() + ")", ret, -Errno.EFAULT);
            return;
        }
        if (!expect("load", ret, 0)) {
            return;
        }
        for (int i = 0; i < n; i++) {
            if (!PageCheck.holds(buf, i, s.expected[first + i])) {
                violations.add(String.format("%s: page %x reads other than what was stored there last (%s; after %s)", name,
                        s.pageAddr(first + i), s.expected[first + i] == 0 ? "zeros" : "pattern " + s.expected[first + i], s.history()));
            }
        }
    }

    /** Whether {@code ret} is one of {@code allowed}; a violation when not. */
    private boolean expect(String what, long ret, long... allowed) {
        for (long a : allowed) {
            if (ret == a) {
                return ret == allowed[0];
            }
        }
        violations.add(name + ": " + what + " returned " + ret);
        return false;
    }
}
