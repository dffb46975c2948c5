package jhmm.hmm.api2019;

import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.mm.Fault;
import jhmm.mm.Mm;
import jhmm.mm.PageTable;
import jhmm.mm.PageWalkOps;
import jhmm.mm.Pte;
import jhmm.mm.Vma;

/**
 * The 5.2 walk callbacks (hmm_vma_walk_*): the case table of the 2019 API over the shared
 * page-walk core, writing the driver's encoding. {@code last} is the cursor the outer loop
 * restarts from and the count it returns.
 */
final class Hmm52Walk implements PageWalkOps {
    private final HmmRange range;
    private final Mm mm;
    private final boolean fault;
    long last;

    Hmm52Walk(HmmRange range, boolean fault) {
        this.range = range;
        this.mm = range.hmm.mm();
        this.fault = fault;
    }

    private long flag(int i) {
        return range.flags[i];
    }

    private long value(int i) {
        return range.values[i];
    }

    private int slot(long addr) {
        return (int) ((addr - range.start) >>> range.pageShift);
    }

    /** hmm_pfns_clear: values[NONE] over [addr, end), in base pages (as 5.2 does, whatever pageShift). */
    void clear(long addr, long end) {
        int i = (int) ((addr - range.start) >>> PageSize.PAGE_SHIFT);
        for (long a = addr; a < end && i < range.pfns.length; a += PageSize.PAGE_SIZE, i++) {
            range.pfns[i] = value(HmmRange.VALUE_NONE);
        }
    }

    /** hmm_pte_need_fault: bit 0 = fault, bit 1 = write fault. */
    private int needFault(long in, long cpu) {
        if (!fault) {
            return 0;
        }
        long req = (in & range.pfnFlagsMask) | range.defaultFlags;
        if ((req & flag(HmmRange.FLAG_VALID)) == 0) {
            return 0;
        }
        if ((cpu & flag(HmmRange.FLAG_DEVICE_PRIVATE)) != 0) {
            if ((req & flag(HmmRange.FLAG_DEVICE_PRIVATE)) != 0) {
                return 1 | ((req & flag(HmmRange.FLAG_WRITE)) != 0 ? 2 : 0);
            }
            return 0;
        }
        int need = (cpu & flag(HmmRange.FLAG_VALID)) == 0 ? 1 : 0;
        if ((req & flag(HmmRange.FLAG_WRITE)) != 0 && (cpu & flag(HmmRange.FLAG_WRITE)) == 0) {
            need = 3;
        }
        return need;
    }

    private int rangeNeedFault(long start, long end, long cpu) {
        int need = 0;
        for (int i = slot(start); i < slot(end) && i < range.pfns.length; i++) {
            need |= needFault(range.pfns[i], cpu);
            if ((need & 2) != 0) {
                break;
            }
        }
        return need;
    }

    /** hmm_vma_walk_hole_: values[NONE] over the span, faulting each page when asked. */
    private int hole(long addr, long end, int need, Vma vma) {
        last = addr;
        long step = 1L << range.pageShift;
        int i = slot(addr);
        for (; addr < end; addr += step, i++) {
            range.pfns[i] = value(HmmRange.VALUE_NONE);
            if (need != 0) {
                if (vma == null) {
                    return -Errno.EFAULT; // nothing to fault in a gap
                }
                int ret = mm.system().faultHandler().handle(vma, addr, (need & 2) != 0 ? Fault.FLAG_WRITE : 0);
                if (ret != Fault.OK && ret != Fault.RETRY) {
                    range.pfns[i] = value(HmmRange.VALUE_ERROR);
                    return -Errno.EFAULT;
                }
            }
        }
        return need != 0 ? -Errno.EBUSY : 0;
    }

    private int bad(long start, long end) {
        for (int i = slot(start); i < slot(end); i++) {
            range.pfns[i] = value(HmmRange.VALUE_ERROR);
        }
        return 0;
    }

    @Override
    public int pteHole(long start, long end, Vma vma) {
        return hole(start, end, rangeNeedFault(start, end, 0), vma);
    }

    @Override
    public int pmdEntry(long pmd, long[] ptes, long start, long end, Vma vma) {
        if (Pte.leaf(pmd)) {
            if (Pte.isMigration(pmd)) {
                if (rangeNeedFault(start, end, 0) != 0) {
                    last = start;
                    mm.system().faultHandler().waitForMigration(mm, start);
                    return -Errno.EBUSY;
                }
                return 0; // 5.2 leaves these slots exactly as the caller gave them
            }
            if (!Pte.present(pmd)) {
                return bad(start, end);
            }
            return hugePmd(pmd, start, end, vma);
        }
        for (long addr = start; addr < end; addr += PageSize.PAGE_SIZE) {
            int r = pte(PageTable.entry(ptes, addr), addr, end, vma);
            if (r != 0) {
                return r;
            }
        }
        last = end;
        return 0;
    }

    private int hugePmd(long pmd, long start, long end, Vma vma) {
        long cpu = Pte.protnone(pmd) ? 0 : flag(HmmRange.FLAG_VALID) | (Pte.writable(pmd) ? flag(HmmRange.FLAG_WRITE) : 0);
        int need = rangeNeedFault(start, end, cpu);
        if (Pte.protnone(pmd) || need != 0) {
            return hole(start, end, need, vma);
        }
        long pfn = Pte.pfn(pmd) + ((start & ~PageSize.PMD_MASK) >>> PageSize.PAGE_SHIFT);
        for (int i = slot(start); i < slot(end); i++, pfn++) {
            range.pfns[i] = range.encode(pfn) | cpu;
        }
        last = end;
        return 0;
    }

    /** hmm_vma_handle_pte (5.2). */
    private int pte(long e, long addr, long end, Vma vma) {
        int i = slot(addr);
        long orig = range.pfns[i];
        range.pfns[i] = value(HmmRange.VALUE_NONE);
        if (Pte.none(e)) {
            int need = needFault(orig, 0);
            return need != 0 ? hole(addr, end, need, vma) : 0;
        }
        if (!Pte.present(e)) {
            if (Pte.isSwap(e) || Pte.isMigration(e)) {
                return 0; // 5.2 defect: the fault decision is never made for these
            }
            if (Pte.isDevicePrivate(e)) {
                long cpu = flag(HmmRange.FLAG_VALID) | flag(HmmRange.FLAG_DEVICE_PRIVATE)
                        | (Pte.kindWritable(e) ? flag(HmmRange.FLAG_WRITE) : 0);
                int need = needFault(orig, cpu);
                if (need != 0) {
                    return hole(addr, end, need, vma);
                }
                range.pfns[i] = range.encode(Pte.pfn(e)) | cpu;
                return 0;
            }
            range.pfns[i] = value(HmmRange.VALUE_ERROR);
            last = addr;
            return -Errno.EFAULT;
        }
        long cpu = Pte.protnone(e) ? 0 : flag(HmmRange.FLAG_VALID) | (Pte.writable(e) ? flag(HmmRange.FLAG_WRITE) : 0);
        int need = needFault(orig, cpu);
        if (need != 0) {
            return hole(addr, end, need, vma);
        }
        if (Pte.special(e)) {
            // 5.2: any special PTE, the zero page included, stops the walk
            range.pfns[i] = value(HmmRange.VALUE_SPECIAL);
            last = addr;
            return -Errno.EFAULT;
        }
        range.pfns[i] = range.encode(Pte.pfn(e)) | cpu; // VALID even for PROT_NONE: the encoder adds it
        return 0;
    }

    @Override
    public int hugetlbEntry(long entry, int order, long start, long end, Vma vma) {
        long size = 1L << (order + PageSize.PAGE_SHIFT);
        long mask = size - 1;
        long pfnInc = 1;
        long step = PageSize.PAGE_SIZE;
        if (range.pageShift != PageSize.PAGE_SHIFT) {
            if ((start & mask) != 0 || end < start + size) {
                return -Errno.EINVAL;
            }
            pfnInc = size >>> PageSize.PAGE_SHIFT;
            step = size;
        }
        int i = slot(start);
        long orig = range.pfns[i];
        range.pfns[i] = value(HmmRange.VALUE_NONE);
        long cpu = Pte.accessible(entry) ? flag(HmmRange.FLAG_VALID) | (Pte.writable(entry) ? flag(HmmRange.FLAG_WRITE) : 0) : 0;
        int need = needFault(orig, cpu);
        if (need != 0) {
            return hole(start, end, need, vma);
        }
        long pfn = Pte.pfn(entry) + ((start & mask) >>> range.pageShift);
        for (long a = start; a < end; a += step, i++, pfn += pfnInc) {
            range.pfns[i] = range.encode(pfn) | cpu;
        }
        last = end;
        return 0;
    }
}
