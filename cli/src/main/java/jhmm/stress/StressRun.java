package jhmm.stress;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import jhmm.device.dmirror.Dmirror;
import jhmm.device.dmirror.DmirrorDevice;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.ThpMode;

/**
 * The model used from many threads at once, as the kernel is: CPU threads of one process and
 * device threads mirroring and migrating its memory, all doing random operations. Every
 * {@link StressConfig#checkEvery} operations each thread waits at a barrier, and while all are
 * stopped (a quiescent point) the coherence checker runs. At the end everything is unmapped,
 * the devices closed and the process gone, and every frame, swap slot and device page must be
 * free again.
 */
public final class StressRun {
    private static final long RAM = 256L << 20;
    private static final long SWAP = 64L << 20;
    private static final long DEVICE_CHUNK = 8L << 20;
    /** Slots a CPU thread owns: the first a 2 MiB THP candidate, the others 64 pages, each in its own 2 MiB. */
    private static final int SLOTS = 6;
    private static final long BASE = 0x7e0000000000L;
    /** How long a round may take before the threads count as hung (a deadlock or livelock). */
    private static final long STOP_GRACE_MILLIS = 60_000;

    private final StressConfig config;
    private final Machine machine = new Machine(MachineConfig.defaults().withRam(RAM).withSwap(SWAP).withThp(ThpMode.ALWAYS));
    private final Violations violations = new Violations();
    private final AtomicLong cpuOps = new AtomicLong();
    private final AtomicLong deviceOps = new AtomicLong();
    private long checks;
    private volatile boolean stop;
    /** When the last quiescent point (or the start) was reached, in System.nanoTime(). */
    private volatile long lastProgress;

    public StressRun(StressConfig config) {
        this.config = config;
    }

    public StressResult run() throws InterruptedException {
        long freeAtStart = machine.physicalMemory().buddy().freePages();
        UserProcess proc = machine.createProcess("stress");
        SplittableRandom seeds = new SplittableRandom(config.seed());
        List<CpuWorker> cpus = new ArrayList<>();
        List<Slot> allSlots = new ArrayList<>();
        for (int i = 0; i < config.cpus(); i++) {
            Slot[] slots = slotsOf(i);
            allSlots.addAll(List.of(slots));
            CpuWorker w = new CpuWorker("cpu" + i, machine, proc, slots, seeds.split(), violations);
            w.mapAll();
            cpus.add(w);
        }
        List<DmirrorDevice> devices = new ArrayList<>();
        List<Dmirror> mirrors = new ArrayList<>();
        List<DeviceWorker> devs = new ArrayList<>();
        for (int i = 0; i < config.devices(); i++) {
            DmirrorDevice d = new DmirrorDevice("dev" + i, DmirrorDevice.MemoryType.PRIVATE, machine.memory(), DEVICE_CHUNK);
            Dmirror m = d.open(proc.mm());
            machine.addCoherenceCheck(m::staleEntries);
            devices.add(d);
            mirrors.add(m);
            devs.add(new DeviceWorker("dev" + i, m, allSlots.toArray(Slot[]::new), config.deviceMigration(), seeds.split(), violations));
        }
        long start = System.nanoTime();
        lastProgress = start;
        CyclicBarrier quiescent = new CyclicBarrier(config.threads(), () -> checkpoint(start));
        List<Thread> threads = new ArrayList<>();
        for (CpuWorker w : cpus) {
            threads.add(Thread.ofPlatform().daemon().name("stress-cpu").start(() -> loop(w::step, cpuOps, quiescent)));
        }
        for (DeviceWorker w : devs) {
            threads.add(Thread.ofPlatform().daemon().name("stress-dev").start(() -> loop(w::step, deviceOps, quiescent)));
        }
        List<String> hung = awaitAll(threads);
        long elapsed = (System.nanoTime() - start) / 1_000_000;
        if (!hung.isEmpty()) {
            // a deadlock or livelock: the state is not quiescent, so no teardown and no leak check
            violations.addAll(hung);
            return new StressResult(cpuOps.get(), deviceOps.get(), checks, violations.count(), violations.first(),
                    List.of("no teardown: threads hung"), elapsed);
        }
        cpus.forEach(CpuWorker::unmapAll);
        mirrors.forEach(Dmirror::close);
        proc.exit();
        return new StressResult(cpuOps.get(), deviceOps.get(), checks, violations.count(), violations.first(),
                leaks(freeAtStart, devices), elapsed);
    }

    /**
     * Waits for every thread; when no quiescent point was reached for a while (a round takes
     * far less), says where each thread still running is stuck.
     */
    private List<String> awaitAll(List<Thread> threads) throws InterruptedException {
        while (threads.stream().anyMatch(Thread::isAlive)) {
            Thread.sleep(100);
            if ((System.nanoTime() - lastProgress) / 1_000_000 > STOP_GRACE_MILLIS) {
                List<String> out = new ArrayList<>();
                for (Thread t : threads) {
                    if (t.isAlive()) {
                        StackTraceElement[] at = t.getStackTrace();
                        out.add(t.getName() + " hung at " + (at.length == 0 ? "?" : at[0]) + (at.length > 1 ? " < " + at[1] : ""));
                    }
                }
                return out;
            }
        }
        return List.of();
    }

    private static Slot[] slotsOf(int cpu) {
        Slot[] slots = new Slot[SLOTS];
        for (int s = 0; s < SLOTS; s++) {
            long addr = BASE + ((long) cpu * SLOTS + s) * (2L << 20);
            slots[s] = new Slot(addr, s == 0 ? 512 : 64);
        }
        return slots;
    }

    /** Runs {@code checkEvery} steps, waits for the others at the barrier, again until told to stop. */
    private void loop(Runnable step, AtomicLong ops, CyclicBarrier quiescent) {
        try {
            while (!stop) {
                for (int i = 0; i < config.checkEvery(); i++) {
                    try {
                        step.run();
                    } catch (RuntimeException e) {
                        // the model's state is broken from here on: stop, and say where it broke
                        StackTraceElement[] at = e.getStackTrace();
                        violations.add(Thread.currentThread().getName() + ": the model threw " + e + (at.length > 0 ? " at " + at[0] : ""));
                        stop = true;
                        quiescent.reset();
                        return;
                    }
                }
                ops.addAndGet(config.checkEvery());
                quiescent.await();
            }
        } catch (InterruptedException | BrokenBarrierException e) {
            stop = true; // another thread stopped the run
        }
    }

    /** Every thread is waiting: the machine must add up. Decides whether the run goes on. */
    private void checkpoint(long start) {
        checks++;
        lastProgress = System.nanoTime();
        violations.addAll(machine.checkInvariants());
        long done = cpuOps.get() + deviceOps.get();
        boolean timeUp = config.durationMillis() > 0 && (System.nanoTime() - start) / 1_000_000 >= config.durationMillis();
        stop = config.durationMillis() > 0 ? timeUp : done >= config.operations();
    }

    /** What teardown left behind: every RAM frame, swap slot, device page and held reference must be back. */
    private List<String> leaks(long freeAtStart, List<DmirrorDevice> devices) {
        List<String> out = new ArrayList<>(machine.checkInvariants());
        long free = machine.physicalMemory().buddy().freePages();
        if (free != freeAtStart) {
            out.add((freeAtStart - free) + " RAM frames not freed after teardown");
        }
        int swap = machine.memory().swap().usedSlots();
        if (swap != 0) {
            out.add(swap + " swap slots not freed after teardown");
        }
        for (DmirrorDevice d : devices) {
            if (d.pagesInUse() != 0) {
                out.add(d.name() + ": " + d.pagesInUse() + " device pages not freed after teardown");
            }
        }
        if (machine.physicalMemory().externalRefs() != 0) {
            out.add(machine.physicalMemory().externalRefs() + " references held outside the kernel after teardown");
        }
        return out;
    }
}
