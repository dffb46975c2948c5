package jhmm.mm;

import java.util.ArrayList;
import java.util.List;
import jhmm.base.Pattern;
import jhmm.phys.PhysicalMemory;

/**
 * Everything the address spaces share: physical memory, swap, the mm tunables (THP policy,
 * fault-around, ...), the registry of
 * reverse-map roots (anon_vmas and files, named by the int id a frame stores), the list of
 * live address spaces and the machine-wide counters. The mm operations hang off it.
 */
public final class MemorySystem {
    /** Pages the allocator's slow path tries to free at once (SWAP_CLUSTER_MAX). */
    private static final int RECLAIM_BATCH = 32;
    final PhysicalMemory phys;
    final SwapSpace swap;
    private volatile MmTunables tunables;
    final MmStats stats = new MmStats();
    private final List<Object> mappings = new ArrayList<>();
    private final List<Mm> mms = new ArrayList<>();
    /**
     * What a CPU fault on each device's private pages calls, scanned by identity: there are a
     * handful, and a hash of the pagemap's identity is not stable under Lincheck's model checking.
     */
    private volatile DeviceFaultHandler[] deviceFaults = {};

    private record DeviceFaultHandler(jhmm.phys.DevPagemap pgmap, MigrateToRam onCpuFault) {}
    private int nextMmId = 1;

    final Rmap rmap = new Rmap(this);
    final Fault fault = new Fault(this);
    final Zap zap = new Zap(this);
    final HugeMemory huge = new HugeMemory(this);
    final ShmemThp shmemThp = new ShmemThp(this);
    final Filemap filemap = new Filemap(this);
    final Reclaim reclaim = new Reclaim(this);
    final Migrate migrate = new Migrate(this);
    final DeferredSplit deferredSplit = new DeferredSplit(this);

    public MemorySystem(PhysicalMemory phys, long swapBytes, MmTunables tunables) {
        this.phys = phys;
        this.swap = new SwapSpace(swapBytes);
        this.tunables = tunables;
        mappings.add(null); // id 0 means "no mapping"
    }

    public PhysicalMemory phys() {
        return phys;
    }

    public SwapSpace swap() {
        return swap;
    }

    public MmStats stats() {
        return stats;
    }

    public ThpMode thp() {
        return tunables.thp();
    }

    public void setThp(ThpMode mode) {
        tunables = tunables.withThp(mode);
    }

    public MmTunables tunables() {
        return tunables;
    }

    /** Registers device memory: its frames, and what a CPU fault on its private pages calls; -1 when it cannot. */
    public int memremapPages(jhmm.phys.DevPagemap pgmap, int nrPages, MigrateToRam onCpuFault) {
        int first = phys.memremapPages(pgmap, nrPages);
        if (first >= 0 && onCpuFault != null) {
            synchronized (this) {
                DeviceFaultHandler[] more = java.util.Arrays.copyOf(deviceFaults, deviceFaults.length + 1);
                more[deviceFaults.length] = new DeviceFaultHandler(pgmap, onCpuFault);
                deviceFaults = more;
            }
        }
        return first;
    }

    MigrateToRam migrateToRam(int pfn) {
        jhmm.phys.DevPagemap m = phys.pgmap(pfn);
        for (DeviceFaultHandler h : deviceFaults) {
            if (h.pgmap() == m) {
                return h.onCpuFault();
            }
        }
        return null;
    }

    /** handle_mm_fault, for the layers that fault on a process's behalf (GUP, HMM). */
    public Fault faultHandler() {
        return fault;
    }

    public Migrate migrator() {
        return migrate;
    }

    public Reclaim reclaimer() {
        return reclaim;
    }

    public HugeMemory hugeMemory() {
        return huge;
    }

    synchronized AnonVma newAnonVma() {
        AnonVma a = new AnonVma(mappings.size());
        mappings.add(a);
        return a;
    }

    /** A regular file, or (name null) the shmem object behind a shared anonymous mapping. */
    public synchronized FileInode newFile(String name, long size, Pattern initial) {
        return newFile(name, size, initial, FileInode.PAGE_WRITES);
    }

    /** {@link #newFile(String, long, Pattern)} written in {@code writeChunk}-byte calls. */
    public synchronized FileInode newFile(String name, long size, Pattern initial, long writeChunk) {
        FileInode f = new FileInode(mappings.size(), name, size, name == null, initial, writeChunk);
        mappings.add(f);
        return f;
    }

    /** Brings every page of {@code f} into the page cache, as writing it would; false when out of memory. */
    public boolean cacheFile(FileInode f) {
        return filemap.readAll(f);
    }

    synchronized Object mappingById(int id) {
        return mappings.get(id);
    }

    public synchronized Mm newMm() {
        Mm mm = new Mm(nextMmId++, this);
        mms.add(mm);
        return mm;
    }

    synchronized void removeMm(Mm mm) {
        mms.remove(mm);
    }

    /** The live address spaces. */
    public synchronized List<Mm> mms() {
        return List.copyOf(mms);
    }

    /** Every file the machine knows, shmem objects included. */
    public synchronized List<FileInode> files() {
        List<FileInode> out = new ArrayList<>();
        for (Object o : mappings) {
            if (o instanceof FileInode f) {
                out.add(f);
            }
        }
        return out;
    }

    /** A system-RAM folio with one reference for the caller (reclaiming if needed); -1 when out of memory. */
    public int allocSystemFolio(int order) {
        return allocFolio(order);
    }

    /**
     * Allocates a folio, reclaiming when memory is short, as the page allocator's slow path
     * does: first the deferred-split shrinker frees the unmapped pages of partly mapped THPs,
     * then reclaim swaps out and drops clean page cache; -1 when nothing can be freed.
     */
    int allocFolio(int order) {
        int pfn = phys.allocFolio(order);
        if (pfn < 0 && order == 0 && (deferredSplit.scan(RECLAIM_BATCH) > 0 || reclaim.shrink(RECLAIM_BATCH) > 0)) {
            pfn = phys.allocFolio(order);
        }
        return pfn;
    }
}
