package jhmm.device.dmirror;

import java.util.ArrayList;
import java.util.List;
import jhmm.base.Errno;
import jhmm.base.ErrnoException;
import jhmm.base.PageSize;
import jhmm.mm.MemorySystem;
import jhmm.mm.MigrateToRam;
import jhmm.phys.DevPagemap;

/**
 * The test device's memory (lib/test_hmm.c's chunks and free lists): device frames registered
 * in chunks, a free list of base pages and one of PMD-sized folios, and the counters of pages
 * handed out and returned. A private device adds chunks on demand (the first large request
 * adds a chunk of the large kind); a coherent device has exactly one chunk, so its large
 * allocations always fail. A device page's data lives in its own frame here (the kernel keeps
 * it in a hidden "backing" system page).
 */
final class DmirrorMemory {
    private static final int NR = PageSize.HPAGE_PMD_NR;
    private static final int MAX_CHUNKS = 64;

    private final DmirrorDevice device;
    private final MemorySystem sys;
    private final int chunkPages;
    private final MigrateToRam onCpuFault;
    private final List<DevPagemap> chunks = new ArrayList<>();
    private final IntStack freeBase = new IntStack();
    private final IntStack freeLarge = new IntStack();
    /** The mirror that migrated each allocated device frame (the backing page's private pointer). */
    private final java.util.Map<Integer, Dmirror> migratedBy = new java.util.concurrent.ConcurrentHashMap<>();
    long calloc;
    long cfree;

    DmirrorMemory(DmirrorDevice device, MemorySystem sys, long chunkBytes, MigrateToRam onCpuFault) {
        this.device = device;
        this.sys = sys;
        this.chunkPages = (int) (chunkBytes >>> PageSize.PAGE_SHIFT) & ~(NR - 1);
        this.onCpuFault = onCpuFault;
        // Module load gives every device one chunk of base pages, and fails when it cannot.
        if (chunkPages > 0 && !addChunk(false)) {
            throw new ErrnoException(Errno.ENOMEM, "no room for " + chunkPages + " frames of device memory");
        }
    }

    private DevPagemap.Type type() {
        return device.memoryType() == DmirrorDevice.MemoryType.COHERENT ? DevPagemap.Type.COHERENT : DevPagemap.Type.PRIVATE;
    }

    /** dmirror_allocate_chunk: false when no more chunks can be added. */
    private boolean addChunk(boolean large) {
        boolean coherent = type() == DevPagemap.Type.COHERENT;
        if (chunkPages == 0 || chunks.size() >= MAX_CHUNKS || (coherent && !chunks.isEmpty())) {
            return false;
        }
        DevPagemap pgmap = new DevPagemap(type(), device, this::folioFree);
        int first = sys.memremapPages(pgmap, chunkPages, type() == DevPagemap.Type.PRIVATE ? onCpuFault : null);
        if (first < 0) {
            return false; // memremap_pages failed: more device memory than the machine can hold
        }
        chunks.add(pgmap);
        thread(first, large);
        return true;
    }

    private void thread(int first, boolean large) {
        for (int pfn = first; pfn < first + chunkPages; ) {
            if (large && (pfn & (NR - 1)) == 0 && pfn + NR <= first + chunkPages) {
                freeLarge.push(pfn);
                pfn += NR;
            } else {
                freeBase.push(pfn);
                pfn++;
            }
        }
    }

    /** A device folio of order 0 or PMD order with one reference, or -1 (ENOMEM). */
    synchronized int alloc(int order) {
        IntStack list = order == 0 ? freeBase : freeLarge;
        if (list.isEmpty() && !addChunk(order != 0)) {
            return -1;
        }
        if (list.isEmpty()) {
            return -1;
        }
        int pfn = list.pop();
        sys.phys().initDeviceFolio(pfn, order);
        calloc += 1L << order;
        return pfn;
    }

    /** dmirror_devmem_free: the last reference to a device folio went. */
    private synchronized void folioFree(int head, int order) {
        for (int i = 0; i < 1 << order; i++) {
            migratedBy.remove(head + i);
        }
        cfree += 1L << order;
        if (order == 0) {
            freeBase.push(head);
        } else {
            freeLarge.push(head);
        }
    }

    /**
     * Records the mirror that migrated the folio at {@code head} for each of its pages, so that
     * the pages keep it when the folio is split (dmirror_devmem_folio_split copies the backing
     * page's mirror pointer to every tail).
     */
    void setMigratedBy(int head, Dmirror mirror) {
        int nr = 1 << sys.phys().frames().order(head);
        for (int i = 0; i < nr; i++) {
            migratedBy.put(head + i, mirror);
        }
    }

    Dmirror migratedBy(int pfn) {
        return migratedBy.get(pfn);
    }

    MemorySystem system() {
        return sys;
    }

    List<DevPagemap> chunks() {
        return List.copyOf(chunks);
    }

    /** Pages handed out and not yet returned. */
    synchronized long inUse() {
        return calloc - cfree;
    }

    /** A growable stack of ints (the free lists). */
    private static final class IntStack {
        private int[] items = new int[64];
        private int size;

        void push(int v) {
            if (size == items.length) {
                items = java.util.Arrays.copyOf(items, size * 2);
            }
            items[size++] = v;
        }

        int pop() {
            return items[--size];
        }

        boolean isEmpty() {
            return size == 0;
        }
    }
}
