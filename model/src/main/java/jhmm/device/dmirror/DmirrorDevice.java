package jhmm.device.dmirror;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import jhmm.mm.MemorySystem;
import jhmm.mm.Mm;

/**
 * One of the kernel test module's devices (/dev/hmm_dmirrorN): a fake device with its own MMU.
 * The device object is the owner cookie its mirrors hand to HMM and to migration, so two
 * devices never recognise each other's pages. Each open of the device creates a mirror of the
 * opener's address space.
 */
public final class DmirrorDevice {
    /** The device's memory kind (uapi HMM_DMIRROR_MEMORY_DEVICE_*), or none. */
    public enum MemoryType {
        PRIVATE,
        COHERENT,
        NONE
    }

    /** The kernel module's chunk size (DEVMEM_CHUNK_SIZE). */
    public static final long DEFAULT_CHUNK = 256L << 20;

    private final String name;
    private final MemoryType memoryType;
    private final List<Dmirror> mirrors = new CopyOnWriteArrayList<>();
    private final DmirrorMemory memory;

    /** A device without memory of its own (memory=none): it mirrors but cannot migrate. */
    public DmirrorDevice(String name, MemoryType memoryType) {
        this(name, memoryType, null, 0);
    }

    /**
     * A device whose memory is added in chunks of {@code chunkBytes} in {@code sys}'s frame
     * space (the module registers one chunk at load).
     */
    public DmirrorDevice(String name, MemoryType memoryType, MemorySystem sys, long chunkBytes) {
        this.name = name;
        this.memoryType = memoryType;
        this.memory = memoryType == MemoryType.NONE || sys == null ? null
                : new DmirrorMemory(this, sys, chunkBytes, (vma, addr, pfn) -> DmirrorMigration.migrateToRam(this, vma, addr, pfn));
    }

    DmirrorMemory memory() {
        return memory;
    }

    /** Device pages handed out and not yet freed (calloc - cfree). */
    public long pagesInUse() {
        return memory == null ? 0 : memory.inUse();
    }

    public String name() {
        return name;
    }

    public MemoryType memoryType() {
        return memoryType;
    }

    /** dmirror_fops_open: a new mirror of {@code mm} with a notifier over the whole address space. */
    public Dmirror open(Mm mm) {
        Dmirror m = new Dmirror(this, mm);
        mirrors.add(m);
        return m;
    }

    void closed(Dmirror m) {
        mirrors.remove(m);
    }

    @Override
    public String toString() {
        return name;
    }
}
