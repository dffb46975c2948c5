package jhmm.mm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;

/**
 * An address space (struct mm_struct): its VMAs in address order, its page table, the mmap
 * lock (a read/write lock: faults and walks read, layout changes write) and the page-table
 * locks: split locks in each PTE and PMD table, and mm->page_table_lock for the levels above
 * (see {@link PageTable}).
 */
public final class Mm {
    final int id;
    final MemorySystem sys;
    /** mm->page_table_lock: the PGD and PUD levels' lock; PMD and PTE tables have their own. */
    private final ReentrantLock pageTableLock = new ReentrantLock();
    final PageTable pt = new PageTable(pageTableLock);
    final TreeMap<Long, Vma> vmas = new TreeMap<>();
    private final ReentrantReadWriteLock mmapLock = new ReentrantReadWriteLock();
    private volatile MmuNotifierHook hook = MmuNotifierHook.NONE;
    volatile boolean dead;
    /** MMF_HAS_PINNED: set by the first FOLL_PIN call on this mm, never cleared; fork reads it. */
    private volatile boolean hasPinned;
    /**
     * {@code mm->pinned_vm}: pages drivers pinned long-term on this mm's behalf and charge against the
     * owner's RLIMIT_MEMLOCK (RDMA memory registration). GUP itself does not count here.
     */
    private final AtomicLong pinnedVm = new AtomicLong();
    /** mm->write_protect_seq: odd while fork write-protects a COW mapping (one writer: fork, under the mmap write lock). */
    private volatile int writeProtectSeq;
    /**
     * Resident pages by kind (MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES): per-CPU counters in
     * the kernel (percpu_counter), updated under whichever split lock the change holds.
     */
    final LongAdder rssAnon = new LongAdder();
    final LongAdder rssFile = new LongAdder();
    final LongAdder rssShmem = new LongAdder();

    Mm(int id, MemorySystem sys) {
        this.id = id;
        this.sys = sys;
    }

    public int id() {
        return id;
    }

    public MemorySystem system() {
        return sys;
    }

    public PageTable pageTable() {
        return pt;
    }

    public ReentrantReadWriteLock mmapLock() {
        return mmapLock;
    }

    /** mm->page_table_lock: guards the PGD and PUD levels (and PUD leaves). */
    public ReentrantLock pageTableLock() {
        return pageTableLock;
    }

    /**
     * pte_offset_map_lock where a PTE table is, pmd_lock where a huge leaf or nothing is: takes
     * and returns the lock guarding {@code addr}'s lowest entry, the page_table_lock where there
     * is no PMD table (nothing mapped, or a PUD leaf). The caller unlocks what it got.
     */
    public ReentrantLock lockEntry(long addr) {
        return lock(addr, false, false);
    }

    /** __handle_mm_fault: as {@link #lockEntry} after pud_alloc and pmd_alloc, so that the PMD lock guards a none entry. */
    ReentrantLock lockFault(long addr) {
        return lock(addr, true, false);
    }

    /** pte_alloc_map_lock: as {@link #lockFault}, giving a none PMD entry an empty PTE table first; a huge leaf stays. */
    ReentrantLock lockPte(long addr) {
        return lock(addr, true, true);
    }

    /**
     * Reads the PMD entry without a lock, takes the lock it points to (its PTE table's, or the
     * PMD table's own for none or a leaf), and looks again: a table freed, moved or made
     * meanwhile sends it round once more, as pte_offset_map_lock re-checks pmd_same.
     */
    private ReentrantLock lock(long addr, boolean allocPmd, boolean allocPte) {
        while (true) {
            int pmdId = allocPmd ? allocPmd(addr) : pt.pmdTableId(addr);
            if (pmdId < 0) {
                pageTableLock.lock();
                if (pt.pmdTableId(addr) < 0) {
                    return pageTableLock;
                }
                pageTableLock.unlock();
                continue;
            }
            long e = pt.pmdEntryLockless(pmdId, addr);
            ReentrantLock l = pt.tableLock(Pte.table(e) ? Pte.pfn(e) : pmdId);
            if (l == null) {
                continue; // the PTE table was freed since the entry was read
            }
            l.lock();
            long now = pt.pmdEntryLockless(pmdId, addr);
            if (Pte.table(e)) {
                if (now == e && pt.tableLock(Pte.pfn(e)) == l) {
                    return l;
                }
            } else if (now == 0 && allocPte) {
                pt.pteTable(addr, true); // pte_alloc: populated under the PMD lock, then its own lock is taken
            } else if (!Pte.table(now)) {
                return l;
            }
            l.unlock();
        }
    }

    /** pud_alloc and pmd_alloc under the page_table_lock where the PMD table is missing; its id, or -1 under a PUD leaf. */
    private int allocPmd(long addr) {
        int id = pt.pmdTableId(addr);
        if (id >= 0 || Pte.leaf(pt.pud(addr))) {
            return id;
        }
        pageTableLock.lock();
        try {
            return pt.allocPmdTable(addr);
        } finally {
            pageTableLock.unlock();
        }
    }

    /** pmd_lock: takes and returns the split lock of the PMD table covering {@code addr}, made if missing (a PUD leaf's: the page_table_lock). */
    ReentrantLock pmdLock(long addr) {
        int id = allocPmd(addr);
        ReentrantLock l = id < 0 ? pageTableLock : pt.tableLock(id);
        l.lock();
        return l;
    }

    /** pud_lock: the page_table_lock, taken. */
    ReentrantLock pudLock() {
        pageTableLock.lock();
        return pageTableLock;
    }

    /**
     * Frees the PTE table of {@code addr}'s window if it is empty, under the PMD lock and then the
     * table's own (free_pgtables after an unmap, PT_RECLAIM, retract_page_tables).
     */
    void freeEmptyPteTable(long addr) {
        int pmdId = pt.pmdTableId(addr);
        if (pmdId < 0) {
            return;
        }
        ReentrantLock pml = pt.tableLock(pmdId);
        pml.lock();
        try {
            long e = pt.pmdEntryLockless(pmdId, addr);
            if (Pte.table(e)) {
                ReentrantLock ptl = pt.tableLock(Pte.pfn(e));
                ptl.lock();
                try {
                    pt.freeEmptyPteTable(addr);
                } finally {
                    ptl.unlock();
                }
            }
        } finally {
            pml.unlock();
        }
    }

    /**
     * As {@link #freeEmptyPteTable}, for a caller that holds the PTE table's lock: the PMD lock
     * ranks above it, so it is only tried, and a busy one leaves the empty table in place (as
     * the kernel leaves empty tables it does not get to reclaim).
     */
    void tryFreeEmptyPteTable(long addr) {
        int pmdId = pt.pmdTableId(addr);
        ReentrantLock pml = pmdId < 0 ? null : pt.tableLock(pmdId);
        if (pml != null && pml.tryLock()) {
            try {
                pt.freeEmptyPteTable(addr);
            } finally {
                pml.unlock();
            }
        }
    }

    public boolean isDead() {
        return dead;
    }

    /** mm_set_has_pinned_flag: a FOLL_PIN call is working on this mm. */
    public void setHasPinned() {
        hasPinned = true;
    }

    /** MMF_HAS_PINNED: whether FOLL_PIN was ever used on this mm. */
    public boolean hasPinned() {
        return hasPinned;
    }

    /** atomic64_add_return on {@code mm->pinned_vm}: adds {@code pages} (negative to give back) and returns the new total. */
    public long addPinnedVm(long pages) {
        return pinnedVm.addAndGet(pages);
    }

    /** {@code mm->pinned_vm} now. */
    public long pinnedVm() {
        return pinnedVm.get();
    }

    /** The write_protect_seq count GUP-fast samples: odd while fork is write-protecting pages. */
    public int writeProtectSeq() {
        return writeProtectSeq;
    }

    /** Fork starts or ends write-protecting a COW mapping (raw_write_seqcount_begin / _end); fork is the one writer. */
    void bumpWriteProtectSeq() {
        writeProtectSeq++;
    }

    public long rss() {
        return rssAnon.sum() + rssFile.sum() + rssShmem.sum();
    }

    /** Attaches the listener for this address space's page-table changes (the mmu-notifier layer). */
    public void setNotifierHook(MmuNotifierHook h) {
        hook = h == null ? MmuNotifierHook.NONE : h;
    }

    public MmuNotifierHook notifierHook() {
        return hook;
    }

    /** The PTE for {@code addr}, read under the page-table lock (0 when there is no PTE table). */
    public long readPte(long addr) {
        ReentrantLock ptl = lockEntry(addr);
        try {
            return pt.pte(addr);
        } finally {
            ptl.unlock();
        }
    }

    /** The VMA containing {@code addr}, or null (find_vma_intersection for one address). */
    public Vma findVma(long addr) {
        Map.Entry<Long, Vma> e = vmas.floorEntry(addr);
        return e != null && e.getValue().end > addr ? e.getValue() : null;
    }

    /** VMAs overlapping [start, end), in address order. */
    public List<Vma> vmasIn(long start, long end) {
        List<Vma> out = new ArrayList<>();
        Map.Entry<Long, Vma> first = vmas.floorEntry(start);
        long from = first != null && first.getValue().end > start ? first.getKey() : start;
        for (Vma v : vmas.subMap(from, true, end, false).values()) {
            out.add(v);
        }
        return out;
    }

    public List<Vma> allVmas() {
        return new ArrayList<>(vmas.values());
    }

    void insert(Vma v) {
        vmas.put(v.start, v);
    }

    void remove(Vma v) {
        vmas.remove(v.start);
    }

    /** mmu_notifier_invalidate_range_start with a blockable range. */
    NotifierRange invalidateStart(NotifierEvent event, long start, long end) {
        return invalidateStart(event, start, end, null);
    }

    NotifierRange invalidateStart(NotifierEvent event, long start, long end, Object owner) {
        NotifierRange r = new NotifierRange(this, start, end, event, true, owner);
        hook.invalidateRangeStart(r);
        return r;
    }

    void invalidateEnd(NotifierRange r) {
        hook.invalidateRangeEnd(r);
    }

    /** The RSS counters (MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES), and none for pages rss leaves out. */
    static final int ANON = 0;
    static final int FILE = 1;
    static final int SHMEM = 2;
    static final int NO_COUNTER = -1;

    /**
     * add_mm_counter(mm, mm_counter(folio), pages) for pages of the folio of {@code pfn} mapped
     * in {@code v}: the counter follows the folio, so an anonymous copy in a private file
     * mapping counts as anonymous.
     */
    void rssAddFolio(Vma v, int pfn, long pages) {
        add(counterOf(v, pfn), pages);
    }

    /** add_mm_counter for pages of {@code v}: hugetlb pages are not counted in rss, as in the kernel. */
    void rssAdd(Vma v, long pages) {
        add(counterOf(v), pages);
    }

    /** mm_counter: the counter a page of the folio of {@code pfn} mapped in {@code v} counts in. */
    int counterOf(Vma v, int pfn) {
        PageFrames f = sys.phys.frames();
        return !v.isHugetlb() && f.test(f.head(pfn), PageFlags.ANON) ? ANON : counterOf(v);
    }

    private static int counterOf(Vma v) {
        if (v.isHugetlb()) {
            return NO_COUNTER;
        }
        return v.file == null ? ANON : v.file.shmem ? SHMEM : FILE;
    }

    /** add_mm_rss_vec: a walk's counts, added once. */
    void rssAddCounters(long anon, long file, long shmem) {
        add(ANON, anon);
        add(FILE, file);
        add(SHMEM, shmem);
    }

    private void add(int counter, long pages) {
        if (pages == 0) {
            return;
        }
        switch (counter) {
            case ANON -> rssAnon.add(pages);
            case FILE -> rssFile.add(pages);
            case SHMEM -> rssShmem.add(pages);
            default -> { }
        }
    }

    @Override
    public String toString() {
        return "mm" + id;
    }
}
