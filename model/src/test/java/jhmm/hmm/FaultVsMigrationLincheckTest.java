package jhmm.hmm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import jhmm.mm.NotifierRange;
import jhmm.mm.PageStates;
import jhmm.notifier.MmuIntervalNotifier;
import jhmm.notifier.MmuNotifiers;
import jhmm.testing.Budget;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.lincheck.LincheckAssertionError;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Model checking (Lincheck) of the HMM driver protocol of Documentation/mm/hmm.rst against a
 * CPU-side invalidation, on real jhmm objects: a device fault ({@code mmu_interval_read_begin},
 * {@code hmm_range_fault} under the mmap read lock, the driver's update lock,
 * {@code mmu_interval_read_retry}, then the device page table) races page migration, which
 * replaces the page's PTE through a CLEAR invalidation (mmu_notifier_invalidate_range_start
 * calling the interval notifier, whose callback takes the same lock, calls
 * {@code mmu_interval_set_seq} and erases the device entry) and maps the data at a new frame.
 *
 * <p>The kernel's guarantee checked: once the fault has finished, the device never maps a
 * frame the CPU no longer maps at that address ("the lock must be held before calling
 * mmu_interval_read_retry() to avoid any race with a concurrent CPU page table update").
 * {@code check()} reads the device entry under the driver lock and says whether it is absent
 * or equal to the frame the CPU maps now; run sequentially it is always true, so any
 * interleaving where it returns false is a non-linearizable result that Lincheck reports.
 *
 * <p>The canonical protocol must pass. Two drivers with planted bugs must be caught: one that
 * never calls read_retry, and one that calls it before taking its update lock (the window
 * between the check and the lock lets the whole invalidation run in between).
 */
class FaultVsMigrationLincheckTest {
    private static final long P = PageSize.PAGE_SIZE;

    /** How the test driver orders read_retry and its update lock. */
    enum Protocol {
        /** read_retry under the update lock, retry from read_begin when it says so. */
        CANONICAL,
        /** Planted bug: programs whatever hmm_range_fault returned. */
        NO_READ_RETRY,
        /** Planted bug: read_retry, then take the update lock. */
        READ_RETRY_BEFORE_LOCK
    }

    /**
     * The device side: an interval notifier over one page and a device page table of one entry,
     * behind the driver's update lock (lib/test_hmm.c's mutex, reduced to what the race needs).
     */
    static final class OnePageMirror {
        private final long addr;
        private final Protocol protocol;
        private final ReentrantLock mutex = new ReentrantLock();
        private final MmuIntervalNotifier sub;
        /** The frame the device maps at {@code addr}, or -1. Guarded by {@link #mutex}. */
        private int devicePfn = -1;

        OnePageMirror(UserProcess proc, long addr, Protocol protocol) {
            this.addr = addr;
            this.protocol = protocol;
            this.sub = MmuNotifiers.insert(proc.mm(), addr, P, this::invalidate);
        }

        /** The invalidate callback: lock, set_seq, erase the device entry, unlock. */
        private boolean invalidate(MmuIntervalNotifier s, NotifierRange range, long curSeq) {
            mutex.lock();
            try {
                s.setSeq(curSeq);
                devicePfn = -1;
            } finally {
                mutex.unlock();
            }
            return true;
        }

        /** The device fault: 0, or the error hmm_range_fault returned. */
        int fault() {
            HmmRange range = new HmmRange(sub, addr, addr + P, new long[1]);
            range.defaultFlags = HmmPfn.REQ_FAULT;
            while (true) {
                range.notifierSeq = MmuNotifiers.readBegin(sub);
                int ret;
                sub.mm().mmapLock().readLock().lock();
                try {
                    ret = HmmRangeFault.fault(range);
                } finally {
                    sub.mm().mmapLock().readLock().unlock();
                }
                if (ret == -Errno.EBUSY) {
                    continue;
                }
                if (ret != 0) {
                    return ret;
                }
                if (protocol == Protocol.READ_RETRY_BEFORE_LOCK && MmuNotifiers.readRetry(sub, range.notifierSeq)) {
                    continue;
                }
                mutex.lock();
                try {
                    if (protocol == Protocol.CANONICAL && MmuNotifiers.readRetry(sub, range.notifierSeq)) {
                        continue;
                    }
                    devicePfn = HmmPfn.pfn(range.hmmPfns[0]);
                    return 0;
                } finally {
                    mutex.unlock();
                }
            }
        }

        /** Under the update lock: the device entry is absent or names the frame the CPU maps now. */
        boolean coherent() {
            mutex.lock();
            try {
                return devicePfn < 0 || devicePfn == PageStates.frameAt(sub.mm(), addr);
            } finally {
                mutex.unlock();
            }
        }
    }

    /**
     * The Lincheck test state, built afresh for every invocation: a machine with one process,
     * one anonymous page written by the CPU, and the test driver's notifier over it.
     */
    public abstract static class Race {
        private final Machine machine = new Machine(MachineConfig.defaults().withRam(4L << 20));
        private final UserProcess proc = machine.createProcess("p");
        private final long addr;
        private final OnePageMirror mirror;

        Race(Protocol protocol) {
            addr = proc.mmap(0, P, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
            if (addr < 0 || proc.write(addr, P, Pattern.i32(0), addr) != 0) {
                throw new IllegalStateException("setup: mmap/write failed " + addr);
            }
            mirror = new OnePageMirror(proc, addr, protocol);
        }

        /** The device faults the page in and maps the frame hmm_range_fault returned. */
        @Operation
        public int fault() {
            return mirror.fault();
        }

        /** The CPU side moves the page to a new frame (compaction/NUMA migration). */
        @Operation
        public int migrate() {
            return machine.migrate(proc, addr, P);
        }

        /** The device never maps a frame the CPU no longer maps at the address. */
        @Operation
        public boolean check() {
            return mirror.coherent();
        }
    }

    public static final class CanonicalRace extends Race {
        public CanonicalRace() {
            super(Protocol.CANONICAL);
        }
    }

    public static final class NoReadRetryRace extends Race {
        public NoReadRetryRace() {
            super(Protocol.NO_READ_RETRY);
        }
    }

    public static final class ReadRetryBeforeLockRace extends Race {
        public ReadRetryBeforeLockRace() {
            super(Protocol.READ_RETRY_BEFORE_LOCK);
        }
    }

    private static Actor actor(String name) {
        try {
            Method m = Race.class.getMethod(name);
            return new Actor(m, List.of());
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * fault || migrate, then check; and the variants with check inside one of the threads. Each
     * invocation costs some 25-45 ms of CPU under Lincheck's instrumentation (the migration
     * path walks the rmap and the page table), so the counts stay small.
     */
    private static ModelCheckingOptions options(Budget budget) {
        ExecutionScenario afterwards = new ExecutionScenario(
                List.of(), List.of(List.of(actor("fault")), List.of(actor("migrate"))), List.of(actor("check")), null);
        ExecutionScenario faultThenCheck = new ExecutionScenario(
                List.of(), List.of(List.of(actor("fault"), actor("check")), List.of(actor("migrate"))), List.of(), null);
        ExecutionScenario refault = new ExecutionScenario(
                List.of(actor("fault")), List.of(List.of(actor("fault")), List.of(actor("migrate"), actor("check"))), List.of(actor("check")), null);
        return new ModelCheckingOptions()
                .iterations(0)
                .invocationsPerIteration(budget.get())
                .addCustomScenario(afterwards)
                .addCustomScenario(faultThenCheck)
                .addCustomScenario(refault);
    }

    /**
     * The canonical protocol: read_begin (which waits out an exclusive period whose callback
     * already ran), read_retry under the lock the invalidate callback takes. With
     * mmu_interval_read_begin mutated not to wait, this test fails after 57 to 64 invocations
     * per scenario (docs/testing.md): its budget must stay above that to guard the model's own
     * side of the protocol.
     */
    @Test
    void readRetryUnderTheUpdateLockNeverLeavesAStaleDeviceEntry() {
        options(Budget.DEEP_RACE).check(CanonicalRace.class);
    }

    /** Planted bug: without read_retry, a migration between hmm_range_fault and the lock leaves the old frame mapped. */
    @Test
    void plantedBugSkippingReadRetryIsCaught() {
        assertCaughtStaleEntry(NoReadRetryRace.class);
    }

    /**
     * Planted bug: read_retry outside the update lock misses an invalidation that runs before the
     * lock is taken. The window is one point among the fault's many (more since frame state lives
     * in sections, each access a step more), so it takes more invocations to be tried (65 to 80).
     */
    @Test
    void plantedBugReadRetryBeforeTakingTheLockIsCaught() {
        assertCaughtStaleEntry(ReadRetryBeforeLockRace.class);
    }

    /** Lincheck must fail with invalid results where check() returned false: not an exception, not a hang. */
    private static void assertCaughtStaleEntry(Class<? extends Race> race) {
        // the stale interleaving shows up within the budget (docs/testing.md); no minimisation,
        // the scenario is already minimal
        assertThatThrownBy(() -> options(Budget.DEEPER_RACE).minimizeFailedScenario(false).check(race))
                .isInstanceOf(LincheckAssertionError.class)
                .satisfies(e -> {
                    String report = e.getMessage();
                    assertThat(report).contains("= Invalid execution results =");
                    assertThat(report).contains("check(): false");
                    assertThat(report).doesNotContain("has hung").doesNotContain("unexpected exception");
                });
    }
}
