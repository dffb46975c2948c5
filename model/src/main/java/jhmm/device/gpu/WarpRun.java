package jhmm.device.gpu;

import java.util.Arrays;
import jhmm.base.Errno;
import jhmm.base.PageSize;

/**
 * One GPU kernel over [addr, addr+len) and the driver servicing its faults. The kernel's warps
 * run a grid-stride loop: warp w touches the 128-byte lines w, w+N, w+2N, ... (32 threads of 4
 * bytes each). A warp whose line misses the GPU page table stalls and writes a fault into the
 * replayable buffer. The driver's bottom half ({@link FaultService}) then services it batch by
 * batch, and the warps replay as the policy says; replayed warps retry their line.
 */
final class WarpRun {
    static final int LINE = 128;
    /** Replays in a row that let no warp move on before the kernel is declared stuck. */
    private static final int MAX_IDLE_REPLAYS = 64;

    private final GpuVm vm;
    private final GpuConfig config;
    private final FaultService service;
    private final long addr;
    private final long lines;
    private final GpuAccess kind;
    private final int warps;
    /** Per warp: the index of its next line (lines w + k*warps). */
    private final long[] next;
    private final boolean[] stalled;
    private long progress;

    WarpRun(GpuVm vm, long addr, long len, GpuAccess kind, int warps) {
        this.vm = vm;
        this.config = vm.device().config();
        this.service = vm.faultService();
        this.addr = addr;
        this.lines = (len + LINE - 1) / LINE;
        this.kind = kind;
        this.warps = warps;
        this.next = new long[warps];
        this.stalled = new boolean[warps];
        for (int w = 0; w < warps; w++) {
            next[w] = w;
        }
    }

    int run() {
        if (warps < 1) {
            return -Errno.EINVAL;
        }
        advance();
        int idle = 0;
        while (anyStalled()) {
            long before = progress;
            int ret = serviceBuffer();
            if (ret < 0) {
                return ret;
            }
            if (service.pending() == 0 && anyStalled()) {
                replay(); // faults the full buffer dropped: the warps raise them again
            }
            idle = progress == before ? idle + 1 : 0;
            if (idle > MAX_IDLE_REPLAYS) {
                return -Errno.EBUSY;
            }
        }
        return 0;
    }

    private boolean anyStalled() {
        for (boolean s : stalled) {
            if (s) {
                return true;
            }
        }
        return false;
    }

    /** The running warps go on in lockstep, a line each per step, until each finishes or misses. */
    private void advance() {
        boolean moved = true;
        while (moved) {
            moved = false;
            for (int w = 0; w < warps; w++) {
                if (stalled[w] || next[w] >= lines) {
                    continue;
                }
                long vpn = (addr + next[w] * LINE) >>> PageSize.PAGE_SHIFT;
                if (vm.translate(vpn, kind) != GpuTranslation.MISS) {
                    next[w] += warps;
                    progress++;
                    moved = true;
                } else {
                    stalled[w] = true;
                    vm.raiseFault(vpn, kind);
                }
            }
        }
    }

    private void replay() {
        vm.replayed();
        Arrays.fill(stalled, false);
        advance();
    }

    /** Batches until the buffer is empty; 0, or the error of a fault that could not be serviced. */
    private int serviceBuffer() {
        while (service.pending() > 0) {
            int ret = service.serviceBatch(config.replay() == ReplayPolicy.BLOCK ? this::replay : null);
            if (ret < 0) {
                return ret;
            }
            if (config.replay() == ReplayPolicy.BATCH_FLUSH) {
                service.flush();
            }
            if (config.replay() == ReplayPolicy.BATCH || config.replay() == ReplayPolicy.BATCH_FLUSH) {
                replay();
            }
        }
        if (config.replay() == ReplayPolicy.ONCE) {
            replay();
        }
        return 0;
    }
}
