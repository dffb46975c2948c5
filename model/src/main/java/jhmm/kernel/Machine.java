package jhmm.kernel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import jhmm.base.Errno;
import jhmm.base.ErrnoException;
import jhmm.base.ByteSize;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.mm.FileInode;
import jhmm.mm.MemorySystem;
import jhmm.mm.MmInvariants;
import jhmm.mm.MmStats;
import jhmm.phys.PageBudget;
import jhmm.phys.PhysicalMemory;

/**
 * One simulated machine: physical memory, swap, the page cache's files and the processes.
 * Scenario files, tests and benchmarks start here.
 */
public final class Machine {
    private final MachineConfig config;
    private final PhysicalMemory phys;
    private final MemorySystem mm;
    private final Map<String, UserProcess> processes = new LinkedHashMap<>();
    private final Map<String, FileInode> files = new LinkedHashMap<>();
    /** Checks that layers above the kernel (devices, DMA) add to {@link #checkInvariants}. */
    private final List<Supplier<List<String>>> coherenceChecks = new CopyOnWriteArrayList<>();

    /** @throws IllegalArgumentException with a message for the user when the configuration cannot boot */
    public Machine(MachineConfig config) {
        this.config = config;
        PageBudget budget = PageBudget.ofThisJvm();
        check(config, budget);
        this.phys = new PhysicalMemory(config.ramBytes(), config.hugetlb2m(), config.hugetlb1g(), budget);
        this.mm = new MemorySystem(phys, config.swapBytes(), config.tunables());
    }

    /**
     * Refuses, before anything is allocated, a configuration that cannot boot in this JVM:
     * RAM, hugetlb pools, swap and mm settings the kernel would refuse, and sizes beyond
     * {@code budget}. @throws IllegalArgumentException with a message for the user
     */
    public static void check(MachineConfig config, PageBudget budget) {
        if (config.swapBytes() < 0 || (config.swapBytes() & (PageSize.PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("swap must be a whole number of pages: " + config.swapBytes());
        }
        // Swap slots cost heap as frames do, and RAM alone is checked by PhysicalMemory.
        long pages = (config.ramBytes() >>> PageSize.PAGE_SHIFT) + (config.swapBytes() >>> PageSize.PAGE_SHIFT);
        if (config.swapBytes() > 0 && !budget.fits(pages)) {
            throw new IllegalArgumentException(budget.refusal("ram=" + ByteSize.format(config.ramBytes()) + " with swap="
                    + ByteSize.format(config.swapBytes()), pages));
        }
        PhysicalMemory.checkLayout(config.ramBytes(), config.hugetlb2m(), config.hugetlb1g(), budget);
        config.tunables();
    }

    public MachineConfig config() {
        return config;
    }

    public PhysicalMemory physicalMemory() {
        return phys;
    }

    public MemorySystem memory() {
        return mm;
    }

    public MmStats stats() {
        return mm.stats();
    }

    /** A new process with an empty address space. */
    public UserProcess createProcess(String name) {
        if (processes.containsKey(name)) {
            throw new ErrnoException(Errno.EEXIST, "process " + name + " exists");
        }
        UserProcess p = new UserProcess(this, name, mm.newMm());
        processes.put(name, p);
        return p;
    }

    void adopt(UserProcess child) {
        processes.put(child.name(), child);
    }

    public UserProcess process(String name) {
        return processes.get(name);
    }

    /**
     * A regular file of {@code size} bytes whose contents are {@code initial} (indexed from the
     * file start), on storage only: no page of it is cached yet.
     */
    public FileInode createFile(String name, long size, Pattern initial) {
        return createFile(name, size, initial, false);
    }

    /**
     * As {@link #createFile(String, long, Pattern)}; with {@code cached} every page is also in
     * the page cache, as after a program wrote the file (ENOMEM when memory runs out).
     */
    public FileInode createFile(String name, long size, Pattern initial, boolean cached) {
        return createFile(name, size, initial, cached, FileInode.PAGE_WRITES);
    }

    /**
     * As {@link #createFile(String, long, Pattern, boolean)}, the program having written it in
     * {@code writeChunk}-byte write() calls: ext4 (Linux 6.16+) caches large writes in large
     * folios, which MADV_PAGEOUT then reclaims or splits whole.
     */
    public FileInode createFile(String name, long size, Pattern initial, boolean cached, long writeChunk) {
        if (files.containsKey(name)) {
            throw new ErrnoException(Errno.EEXIST, "file " + name + " exists");
        }
        if (size < 0) {
            throw new ErrnoException(Errno.EINVAL, "file size must not be negative");
        }
        if (!PageBudget.ofThisJvm().fits(PageSize.pageAlignUp(size) >>> PageSize.PAGE_SHIFT)) {
            throw new ErrnoException(Errno.ENOMEM, "file " + name + " of " + ByteSize.format(size) + " is more than this JVM can hold");
        }
        if (writeChunk < PageSize.PAGE_SIZE || (writeChunk & (PageSize.PAGE_SIZE - 1)) != 0) {
            throw new ErrnoException(Errno.EINVAL, "file writes must be whole pages");
        }
        FileInode f = mm.newFile(name, size, initial, writeChunk);
        if (cached && !mm.cacheFile(f)) {
            throw new ErrnoException(Errno.ENOMEM, "no memory to cache file " + name);
        }
        files.put(name, f);
        return f;
    }

    /** Migrates every page mapped in the range, as compaction or NUMA balancing would: 0, or -EAGAIN when some page could not move. */
    public int migrate(UserProcess p, long addr, long len) {
        return p.kernelRangeOp(addr, len, (m, s, e) -> mm.migrator().migrateRange(m, s, e));
    }

    /** Reclaims the pages mapped in the range to swap or their file: 0, or -EAGAIN when some page could not go. */
    public int swapout(UserProcess p, long addr, long len) {
        return p.kernelRangeOp(addr, len, (m, s, e) -> mm.reclaimer().swapoutRange(m, s, e));
    }

    /** split_huge_page of the folio mapped at {@code addr}: 0, -EINVAL (no large folio there), -EAGAIN (extra references). */
    public int splitThp(UserProcess p, long addr) {
        int pfn = p.frameAt(addr);
        if (pfn < 0) {
            return -Errno.EINVAL;
        }
        return mm.hugeMemory().splitHugePage(pfn);
    }

    /** Full compaction of RAM: returns the pages moved; those that could not move are counted in {@link #stats()}. */
    public long compact() {
        return mm.migrator().compact();
    }

    /** Coherence check over the whole machine: an empty list when everything adds up. */
    public List<String> checkInvariants() {
        List<String> out = new ArrayList<>(new MmInvariants(mm).check());
        for (Supplier<List<String>> check : coherenceChecks) {
            out.addAll(check.get());
        }
        return out;
    }

    /**
     * Adds a check to {@link #checkInvariants}: a device registers the test that its page table
     * still matches the CPU's (no stale mirror), DMA layers that no mapping leaked.
     */
    public void addCoherenceCheck(Supplier<List<String>> check) {
        coherenceChecks.add(check);
    }
}
