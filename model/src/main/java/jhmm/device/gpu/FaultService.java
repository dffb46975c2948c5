package jhmm.device.gpu;

import java.util.Arrays;
import jhmm.base.PageSize;
import jhmm.device.gpu.GpuStats.Counter;
import jhmm.mm.Vma;

/**
 * nvidia-uvm's fault bottom half for one address space: fetch a batch from the replayable fault
 * buffer, merge duplicates (keeping the most intrusive access), sort, service per 2 MiB block
 * with the prefetcher's additions; and the flush of the buffer before a BATCH_FLUSH replay.
 * When to flush and replay is the caller's: the functional kernel run ({@link WarpRun}) does it
 * at once, a timing layer after the time the batch took.
 */
public final class FaultService {
    private static final int BLOCK_PAGES = PageSize.HPAGE_PMD_NR;

    private final GpuVm vm;
    private final GpuConfig config;
    private final GpuStats st;
    private final FaultBuffer buf;
    private final long[] batch;
    private final boolean[] faulted = new boolean[BLOCK_PAGES];
    private final boolean[] resident = new boolean[BLOCK_PAGES];

    FaultService(GpuVm vm) {
        this.vm = vm;
        this.config = vm.device().config();
        this.st = vm.stats();
        this.buf = vm.device().faultBuffer;
        this.batch = new long[buf.capacity()];
    }

    /** Fault-buffer entries waiting for the driver. */
    public int pending() {
        return buf.size();
    }

    /**
     * Services one batch: returns the 2 MiB blocks serviced (0 when the buffer was empty), or the
     * -errno of a fault that could not be serviced. {@code afterBlock} runs after each block (the
     * BLOCK replay policy's replay point), or is null.
     */
    public int serviceBatch(Runnable afterBlock) {
        if (buf.size() == 0) {
            return 0;
        }
        int n = coalesce(buf.fetch(config.batch(), batch));
        st.inc(Counter.BATCHES);
        int blocks = 0;
        for (int i = 0; i < n; ) {
            int j = i;
            long block = (batch[i] >>> 2) / BLOCK_PAGES;
            while (j < n && (batch[j] >>> 2) / BLOCK_PAGES == block) {
                j++;
            }
            int ret = serviceBlock(i, j);
            if (ret < 0) {
                return ret;
            }
            st.inc(Counter.UNITS);
            blocks++;
            if (afterBlock != null) {
                afterBlock.run();
            }
            i = j;
        }
        return blocks;
    }

    /** Discards the entries waiting in the buffer (their warps fault again after the replay if still unmapped). */
    public void flush() {
        st.add(Counter.FLUSHED, buf.flush());
    }

    /** Sorts the batch by page and access and keeps one entry per page, the most intrusive; returns the count. */
    private int coalesce(int n) {
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
    private int serviceBlock(int i, int j) {
        long base = (batch[i] >>> 2) & -BLOCK_PAGES;
        Arrays.fill(faulted, false);
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
            prefetch(base, batch[i] >>> 2);
        }
        return 0;
    }

    private void prefetch(long base, long firstVpn) {
        Vma vma = vm.vmaAt(firstVpn << PageSize.PAGE_SHIFT);
        if (vma == null) {
            return;
        }
        long baseVa = base << PageSize.PAGE_SHIFT;
        int lo = (int) Math.max(0, (vma.start() - baseVa) >> PageSize.PAGE_SHIFT);
        int hi = (int) Math.min(BLOCK_PAGES, (vma.end() - baseVa) >> PageSize.PAGE_SHIFT);
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
