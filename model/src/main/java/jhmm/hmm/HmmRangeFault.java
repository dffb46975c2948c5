package jhmm.hmm;

import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.mm.Fault;
import jhmm.mm.Mm;
import jhmm.mm.PageWalk;
import jhmm.mm.PageTable;
import jhmm.mm.PageWalkOps;
import jhmm.mm.Pte;
import jhmm.mm.Vma;
import jhmm.mm.VmFlags;
import jhmm.notifier.MmuNotifiers;
import jhmm.phys.DevPagemap;

/**
 * hmm_range_fault (mm/hmm.c, 6.x): fills {@link HmmRange#hmmPfns} with the CPU page table's
 * state over the range, faulting what the requests ask for. The caller holds the mmap lock
 * for reading and has read {@code notifierSeq} with mmu_interval_read_begin.
 *
 * <p>Returns 0, -EBUSY (the notifier sequence moved: restart from read_begin), -EFAULT (a
 * requested page cannot be made valid), or -EPERM (a write fault is needed in a VMA without
 * VM_WRITE). Any fault ends the walk and re-walks from the faulting address; on an error
 * return the slots below the failing address hold outputs and the rest their inputs.
 */
public final class HmmRangeFault implements PageWalkOps {
    private static final int NEED_FAULT = 1;
    private static final int NEED_WRITE_FAULT = 2;
    private static final int NEED_ALL = NEED_FAULT | NEED_WRITE_FAULT;

    private final HmmRange range;
    private final Mm mm;
    /** Where the next walk starts: every slot below it holds its output. */
    private long last;

    private HmmRangeFault(HmmRange range) {
        this.range = range;
        this.mm = range.notifier.mm();
        this.last = range.start;
    }

    public static int fault(HmmRange range) {
        HmmRangeFault walk = new HmmRangeFault(range);
        int ret;
        do {
            if (MmuNotifiers.checkRetry(range.notifier, range.notifierSeq)) {
                return -Errno.EBUSY;
            }
            ret = PageWalk.walkPageRange(walk.mm, walk.last, range.end, walk);
        } while (ret == -Errno.EBUSY);
        return ret;
    }

    private int index(long addr) {
        return (int) ((addr - range.start) >>> PageSize.PAGE_SHIFT);
    }

    /** hmm_pte_need_fault: what a slot's request needs given the CPU's permissions. */
    private int pteNeedFault(long in, long cpuFlags) {
        long req = (in & range.pfnFlagsMask) | range.defaultFlags;
        if ((req & HmmPfn.REQ_FAULT) == 0) {
            return 0;
        }
        if ((req & HmmPfn.REQ_WRITE) != 0 && (cpuFlags & HmmPfn.WRITE) == 0) {
            return NEED_ALL;
        }
        if ((cpuFlags & HmmPfn.VALID) == 0) {
            return NEED_FAULT;
        }
        return 0;
    }

    /** hmm_range_need_fault over the slots of [start, end). */
    private int rangeNeedFault(long start, long end, long cpuFlags) {
        if (((range.defaultFlags | range.pfnFlagsMask) & HmmPfn.REQ_FAULT) == 0) {
            return 0; // a pure snapshot reads no input
        }
        int required = 0;
        for (int i = index(start); i < index(end); i++) {
            required |= pteNeedFault(range.hmmPfns[i], cpuFlags);
            if (required == NEED_ALL) {
                break;
            }
        }
        return required;
    }

    /** hmm_pfns_fill: every slot of [start, end) gets {@code value}, keeping its sticky bits. */
    private int fill(long start, long end, long value) {
        for (int i = index(start); i < index(end); i++) {
            store(i, value);
        }
        return 0;
    }

    private void store(int i, long out) {
        range.hmmPfns[i] = (range.hmmPfns[i] & HmmPfn.INOUT_FLAGS) | out;
    }

    /** hmm_vma_fault: faults every page of [addr, end) with the same flags, then asks for a re-walk. */
    private int faultSpan(long addr, long end, int required, Vma vma) {
        last = addr;
        if ((required & NEED_WRITE_FAULT) != 0 && !vma.has(VmFlags.WRITE)) {
            return -Errno.EPERM;
        }
        int flags = (required & NEED_WRITE_FAULT) != 0 ? Fault.FLAG_WRITE : 0;
        if (mm.system().faultHandler().handleRange(vma, addr, end, flags) != Fault.OK) {
            return -Errno.EFAULT;
        }
        return -Errno.EBUSY;
    }

    @Override
    public int testWalk(long start, long end, Vma vma) {
        if (!vma.has(VmFlags.IO | VmFlags.PFNMAP) && vma.has(VmFlags.READ)) {
            return 0;
        }
        if (rangeNeedFault(start, end, 0) != 0) {
            return -Errno.EFAULT;
        }
        fill(start, end, HmmPfn.ERROR);
        return 1;
    }

    @Override
    public int pteHole(long start, long end, Vma vma) {
        int required = rangeNeedFault(start, end, 0);
        if (vma == null) {
            return required != 0 ? -Errno.EFAULT : fill(start, end, HmmPfn.ERROR);
        }
        if (required != 0) {
            return faultSpan(start, end, required, vma);
        }
        for (int i = index(start); i < index(end); i++) {
            store(i, 0);
        }
        return 0;
    }

    @Override
    public int pmdEntry(long pmd, long[] ptes, long start, long end, Vma vma) {
        if (Pte.leaf(pmd)) {
            return pmdLeaf(pmd, start, end, vma);
        }
        for (long addr = start; addr < end; addr += PageSize.PAGE_SIZE) {
            int ret = pte(PageTable.entry(ptes, addr), addr, end, vma);
            if (ret != 0) {
                return ret;
            }
        }
        return 0;
    }

    private int pmdLeaf(long pmd, long start, long end, Vma vma) {
        if (Pte.isMigration(pmd)) {
            if (rangeNeedFault(start, end, 0) != 0) {
                last = start;
                mm.system().faultHandler().waitForMigration(mm, start);
                return -Errno.EBUSY;
            }
            return fill(start, end, 0);
        }
        if (!Pte.present(pmd)) {
            if (Pte.isDevicePrivate(pmd)) {
                return devicePrivatePmd(pmd, start, end, vma);
            }
            return rangeNeedFault(start, end, 0) != 0 ? -Errno.EFAULT : fill(start, end, HmmPfn.ERROR);
        }
        long cpu = Pte.protnone(pmd) ? 0 : HmmPfn.VALID | (Pte.writable(pmd) ? HmmPfn.WRITE : 0) | HmmPfn.orderBits(HmmPfn.PMD_ORDER);
        int required = rangeNeedFault(start, end, cpu);
        if (required != 0) {
            return faultSpan(start, end, required, vma);
        }
        long pfn = Pte.pfn(pmd) + ((start & ~PageSize.PMD_MASK) >>> PageSize.PAGE_SHIFT);
        storeRun(index(start), index(end), pfn, cpu);
        return 0;
    }

    /** Slots [from, to) get consecutive frames from {@code pfn} with {@code cpu} flags, keeping their sticky bits. */
    private void storeRun(int from, int to, long pfn, long cpu) {
        long[] slots = range.hmmPfns;
        long first = pfn - from;
        for (int i = from; i < to; i++) {
            slots[i] = (slots[i] & HmmPfn.INOUT_FLAGS) | (first + i) | cpu;
        }
    }

    private int devicePrivatePmd(long pmd, long start, long end, Vma vma) {
        int pfn = Pte.pfn(pmd);
        if (ownedByCaller(pfn)) {
            long cpu = HmmPfn.VALID | (Pte.kindWritable(pmd) ? HmmPfn.WRITE : 0) | HmmPfn.orderBits(HmmPfn.PMD_ORDER);
            storeRun(index(start), index(end), pfn + ((start & ~PageSize.PMD_MASK) >>> PageSize.PAGE_SHIFT), cpu);
            return 0;
        }
        int required = rangeNeedFault(start, end, 0);
        return required != 0 ? faultSpan(start, end, required, vma) : fill(start, end, HmmPfn.ERROR);
    }

    private boolean ownedByCaller(int pfn) {
        DevPagemap m = mm.system().phys().pgmap(pfn);
        return m != null && range.devPrivateOwner != null && m.owner() == range.devPrivateOwner;
    }

    /** hmm_vma_handle_pte for the page at {@code addr}; {@code end} closes the walk chunk. */
    private int pte(long e, long addr, long end, Vma vma) {
        int i = index(addr);
        long in = range.hmmPfns[i];
        if (Pte.none(e)) {
            int required = pteNeedFault(in, 0);
            if (required != 0) {
                return faultSpan(addr, end, required, vma);
            }
            store(i, 0);
            return 0;
        }
        if (!Pte.present(e)) {
            if (Pte.isDevicePrivate(e) && ownedByCaller(Pte.pfn(e))) {
                store(i, Pte.pfn(e) | HmmPfn.VALID | (Pte.kindWritable(e) ? HmmPfn.WRITE : 0));
                return 0;
            }
            int required = pteNeedFault(in, 0);
            if (required == 0) {
                store(i, 0);
                return 0;
            }
            if (Pte.isSwap(e) || Pte.isDevicePrivate(e) || Pte.isDeviceExclusive(e)) {
                return faultSpan(addr, end, required, vma);
            }
            if (Pte.isMigration(e)) {
                last = addr;
                mm.system().faultHandler().waitForMigration(mm, addr);
                return -Errno.EBUSY;
            }
            return -Errno.EFAULT;
        }
        long cpu = Pte.protnone(e) ? 0 : HmmPfn.VALID | (Pte.writable(e) ? HmmPfn.WRITE : 0);
        int required = pteNeedFault(in, cpu);
        if (required != 0) {
            return faultSpan(addr, end, required, vma);
        }
        if (Pte.special(e) && !mm.system().phys().isZeroPfn(Pte.pfn(e))) {
            if (pteNeedFault(in, 0) != 0) {
                return -Errno.EFAULT;
            }
            store(i, HmmPfn.ERROR);
            return 0;
        }
        store(i, Pte.pfn(e) | cpu);
        return 0;
    }

    @Override
    public int hugetlbEntry(long entry, int order, long start, long end, Vma vma) {
        int i = index(start);
        long in = range.hmmPfns[i]; // only the first slot's request counts
        long cpu = HmmPfn.orderBits(order);
        if (Pte.accessible(entry)) {
            cpu |= HmmPfn.VALID | (Pte.writable(entry) ? HmmPfn.WRITE : 0);
        }
        int required = pteNeedFault(in, cpu);
        if (required != 0) {
            return faultSpan(start, end, required, vma);
        }
        long size = 1L << (order + PageSize.PAGE_SHIFT);
        storeRun(i, index(end), Pte.pfn(entry) + ((start & (size - 1)) >>> PageSize.PAGE_SHIFT), cpu);
        return 0;
    }
}
