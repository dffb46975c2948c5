package jhmm.device.gpu;

import java.util.Arrays;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.device.gpu.GpuStats.Counter;
import jhmm.mm.Vma;

/**
 * One GPU kernel over [addr, addr+len) and the driver servicing its faults. The kernel's warps
 * run a grid-stride loop: warp w touches the 128-byte lines w, w+N, w+2N, ... (32 threads of 4
 * bytes each). A warp whose line misses the GPU page table stalls and writes a fault into the
 * replayable buffer. The driver then works as nvidia-uvm's bottom half: fetch a batch, merge
 * duplicates (keeping the most intrusive access), sort, service per 2 MiB block (with the
 * prefetcher's additions), and replay as the policy says; replayed warps retry their line.
 */
final class WarpRun {
    static final int LINE = 128;
    private static final int BLOCK_PAGES = PageSize.HPAGE_PMD_NR;
    /** Replays in a row that let no warp move on before the kernel is declared stuck. */
    private static final int MAX_IDLE_REPLAYS = 64;

    private final GpuVm vm;
    private final GpuConfig config;
    private final GpuStats st;
    private final FaultBuffer buf;
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
        this.st = vm.stats();
        this.buf = vm.device().faultBuffer;
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
            if (buf.size() == 0 && anyStalled()) {
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
                if (grants(vm.svm.translate(vpn))) {
                    next[w] += warps;
                    progress++;
                    moved = true;
                } else {
                    stalled[w] = true;
                    st.inc(buf.push(vpn, (byte) kind.ordinal()) ? Counter.FAULTS : Counter.DROPPED);
                }
            }
        }
    }

    private boolean grants(long e) {
        return e != 0 && (!kind.writes() || GpuPageTable.writable(e));
    }

    private void replay() {
        st.inc(Counter.REPLAYS);
        Arrays.fill(stalled, false);
        advance();
    }

    /** Batches until the buffer is empty; 0, or the error of a fault that could not be serviced. */
    private int serviceBuffer() {
        long[] batch = new long[buf.capacity()];
        while (buf.size() > 0) {
            int n = coalesce(batch, buf.fetch(config.batch(), batch));
            st.inc(Counter.BATCHES);
            for (int i = 0; i < n; ) {
                int j = i;
                long block = (batch[i] >>> 2) / BLOCK_PAGES;
                while (j < n && (batch[j] >>> 2) / BLOCK_PAGES == block) {
                    j++;
                }
                int ret = serviceBlock(batch, i, j);
                if (ret < 0) {
                    return ret;
                }
                st.inc(Counter.UNITS);
                if (config.replay() == ReplayPolicy.BLOCK) {
                    replay();
                }
                i = j;
            }
            if (config.replay() == ReplayPolicy.BATCH_FLUSH) {
                st.add(Counter.FLUSHED, buf.flush());
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

    /** Sorts the batch by page and access and keeps one entry per page, the most intrusive; returns the count. */
    private int coalesce(long[] batch, int n) {
        Arrays.sort(batch, 0, n);
        int out = 0;
        for (int i = 0; i < n; i++) {
            if (out > 0 && batch[out - 1] >>> 2 == batch[i] >>> 2) {
                batch[out - 1] = batch[i]; // sorted: a later entry of the page is at least as intrusive
                st.inc(Counter.DUPLICATES);
            } else {
                batch[out++] = batch[i];
            }
        }
        return out;
    }

    /** Services the faults batch[i..j) of one 2 MiB block, and what the prefetcher adds to them. */
    private int serviceBlock(long[] batch, int i, int j) {
        long base = (batch[i] >>> 2) & -BLOCK_PAGES;
        boolean[] faulted = new boolean[BLOCK_PAGES];
        boolean thrashing = false;
        for (int k = i; k < j; k++) {
            long vpn = batch[k] >>> 2;
            faulted[(int) (vpn - base)] = true;
            GpuAccess access = GpuAccess.values()[(int) (batch[k] & 3)];
            if (vm.svm.grants(vpn, access)) {
                continue; // an earlier fault's range already maps it
            }
            Thrashing.Hint hint = vm.thrashHint(vpn);
            thrashing |= hint != Thrashing.Hint.NONE;
            if (hint == Thrashing.Hint.THROTTLE) {
                continue; // skipped this pass: its warps wait for a later replay
            }
            int ret = vm.fault(vpn << PageSize.PAGE_SHIFT, access,
                    hint == Thrashing.Hint.PIN ? GpuVm.Placement.SYS : GpuVm.Placement.POLICY);
            if (ret < 0) {
                return ret;
            }
        }
        if (config.prefetch() && !thrashing) { // the prefetcher leaves thrashing regions alone
            prefetch(base, faulted, batch[i] >>> 2);
        }
        return 0;
    }

    private void prefetch(long base, boolean[] faulted, long firstVpn) {
        Vma vma = vm.vmaAt(firstVpn << PageSize.PAGE_SHIFT);
        if (vma == null) {
            return;
        }
        long baseVa = base << PageSize.PAGE_SHIFT;
        int lo = (int) Math.max(0, (vma.start() - baseVa) >> PageSize.PAGE_SHIFT);
        int hi = (int) Math.min(BLOCK_PAGES, (vma.end() - baseVa) >> PageSize.PAGE_SHIFT);
        boolean[] resident = new boolean[BLOCK_PAGES];
        for (int k = 0; k < BLOCK_PAGES; k++) {
            resident[k] = vm.svm.grants(base + k, GpuAccess.READ);
        }
        boolean[] add = Prefetcher.mask(faulted, resident, lo, hi, config.prefetchThreshold());
        for (int k = 0; k < BLOCK_PAGES; k++) {
            if (add[k] && !vm.svm.grants(base + k, GpuAccess.READ)) {
                st.inc(Counter.PREFETCHED);
                vm.fault((base + k) << PageSize.PAGE_SHIFT, GpuAccess.READ, GpuVm.Placement.POLICY); // a prefetch that fails is dropped
            }
        }
    }
}
