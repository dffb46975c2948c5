package jhmm.sim.gpu;

import java.util.Arrays;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.device.gpu.GpuStats;
import jhmm.sim.engine.Actor;
import jhmm.sim.engine.Engine;

/**
 * The process's host program: launches the workload's kernels one after the other, each when
 * the last warp of the one before has finished, and between two kernels lets the CPU write the
 * part of the buffer the workload says (2 MiB at a time: its faults pull pages back from VRAM).
 */
final class HostProgram implements Actor {
    private enum Step { LAUNCH, KERNEL, CPU, DONE }

    private static final long CHUNK = PageSize.PMD_SIZE;

    private final GpuSim sim;
    final int id;
    private final long[] kernelPs;
    private Step step = Step.LAUNCH;
    private int kernel;
    private long kernelStart;
    /** The CPU's writes after the kernel that just ended: (offset, length) pairs, and how far it got. */
    private long[] cpuWrites;
    private int cpuRun;
    private long cpuDone;
    private long endedAt;
    private boolean pinned;
    private java.util.function.IntConsumer kernelEnded = k -> { };

    HostProgram(GpuSim sim, Engine engine) {
        this.sim = sim;
        this.id = engine.register(this);
        this.kernelPs = new long[sim.settings.spec().iterations()];
    }

    void onKernelEnd(java.util.function.IntConsumer listener) {
        kernelEnded = listener;
    }

    long[] kernelTimes() {
        return Arrays.copyOf(kernelPs, kernel);
    }

    long endedAt() {
        return endedAt;
    }

    @Override
    public void wake(Engine e) {
        long now = e.now();
        switch (step) {
            case LAUNCH -> launch(e, now);
            case KERNEL -> kernelEnded(e, now);
            case CPU -> cpuChunk(e, now);
            case DONE -> { }
        }
    }

    private void launch(Engine e, long now) {
        if (kernel == 0 && sim.settings.pinUpFront() && !pinned) {
            pinned = true;
            e.schedule(id, sim.pinUpFront(now), GpuSim.PHASE_HOST);
            return;
        }
        kernelStart = now;
        step = Step.KERNEL;
        WarpActor[] warps = sim.warps;
        sim.kernelStarted(warps.length);
        for (int w = 0; w < warps.length; w++) {
            warps[w].start(sim.settings.source().warp(kernel, w));
            e.schedule(warps[w].id, now + sim.cost.kernelLaunch(), GpuSim.PHASE_WARP);
        }
    }

    private void kernelEnded(Engine e, long now) {
        kernelPs[kernel++] = now - kernelStart;
        endedAt = now;
        kernelEnded.accept(kernel);
        sim.sample(now);
        if (kernel == kernelPs.length) {
            step = Step.DONE;
            return;
        }
        cpuWrites = sim.settings.source().cpuWrites(kernel - 1);
        cpuRun = 0;
        cpuDone = 0;
        if (cpuWrites.length > 0) {
            step = Step.CPU;
            cpuChunk(e, now);
        } else {
            launch(e, now);
        }
    }

    /** The CPU writes the next 2 MiB of its share; the next kernel is launched after the last. */
    private void cpuChunk(Engine e, long now) {
        long at = cpuWrites[cpuRun] + cpuDone;
        long len = Math.min(CHUNK - at % CHUNK, cpuWrites[cpuRun + 1] - cpuDone);
        GpuStats before = sim.vm.stats().snapshot();
        long faultsBefore = sim.cpuFaults();
        int ret = sim.process.write(sim.buf + at, len, Pattern.i32(kernel), sim.buf + at);
        if (ret != 0) {
            sim.fail("the CPU's write between kernels failed: " + Errno.name(ret));
            return;
        }
        long touch = (len + PageSize.PAGE_SIZE - 1 >>> PageSize.PAGE_SHIFT) * sim.cost.cpuTouchPage();
        sim.charge(Charge.CPU, touch);
        long end = sim.chargeModelWork(now + touch, before, faultsBefore, sim.cpuFaults() - faultsBefore);
        sim.residency.sync(sim.vm);
        cpuDone += len;
        if (cpuDone == cpuWrites[cpuRun + 1]) {
            cpuRun += 2;
            cpuDone = 0;
        }
        if (cpuRun == cpuWrites.length) {
            step = Step.LAUNCH;
        }
        e.schedule(id, end, GpuSim.PHASE_HOST);
    }
}
