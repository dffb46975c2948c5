package jhmm.phys;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The state of every page frame (the kernel's struct page array), one slot per PFN in
 * primitive arrays.
 *
 * <p>As in the kernel, a large folio keeps folio-wide state in its first frames: the reference
 * count of the folio lives at the head; {@code aux[head]} is the entire (PMD/PUD) mapcount and
 * {@code aux[head+1]} the folio pin count. {@code mapcount[pfn]} counts the PTEs that map that
 * one frame. Every frame of a folio records the folio's order, so a frame finds its head by
 * alignment. Reference counts change with atomic operations, as {@code folio_ref_*} do.
 */
public final class PageFrames {
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

    int nrFrames;
    int[] refcount;
    int[] mapcount;
    int[] aux;
    int[] flags;
    byte[] order;
    /** anon_vma id (ANON) or file id (PAGECACHE); 0 when neither. */
    int[] mapping;
    /** Page index: the virtual page number at first fault (anon) or the file page offset. Free buddy blocks keep their list links here. */
    long[] index;

    PageFrames(int nrFrames) {
        this.nrFrames = nrFrames;
        refcount = new int[nrFrames];
        mapcount = new int[nrFrames];
        aux = new int[nrFrames];
        flags = new int[nrFrames];
        order = new byte[nrFrames];
        mapping = new int[nrFrames];
        index = new long[nrFrames];
    }

    /**
     * Adds frames past the current end (memremap_pages of device memory). The arrays are
     * replaced, so no other thread may be touching frames meanwhile: devices add memory while
     * they are set up or, for a test device's new chunk, from its own ioctl.
     */
    void grow(int newTotal) {
        refcount = java.util.Arrays.copyOf(refcount, newTotal);
        mapcount = java.util.Arrays.copyOf(mapcount, newTotal);
        aux = java.util.Arrays.copyOf(aux, newTotal);
        flags = java.util.Arrays.copyOf(flags, newTotal);
        order = java.util.Arrays.copyOf(order, newTotal);
        mapping = java.util.Arrays.copyOf(mapping, newTotal);
        index = java.util.Arrays.copyOf(index, newTotal);
        nrFrames = newTotal;
    }

    public int nrFrames() {
        return nrFrames;
    }

    public int order(int pfn) {
        return order[pfn];
    }

    public int nrPages(int pfn) {
        return 1 << order[pfn];
    }

    /** The head frame of the folio {@code pfn} belongs to. */
    public int head(int pfn) {
        return pfn & ~((1 << order[pfn]) - 1);
    }

    public boolean isLarge(int pfn) {
        return order[pfn] != 0;
    }

    public int flags(int pfn) {
        return flags[pfn];
    }

    public boolean test(int pfn, int flag) {
        return (flags[pfn] & flag) != 0;
    }

    /** folio_trylock: takes the head's LOCKED bit atomically; false when someone else holds it. */
    public boolean tryLock(int pfn) {
        int h = head(pfn);
        while (true) {
            int f = (int) INTS.getVolatile(flags, h);
            if ((f & PageFlags.LOCKED) != 0) {
                return false;
            }
            if (INTS.compareAndSet(flags, h, f, f | PageFlags.LOCKED)) {
                return true;
            }
        }
    }

    /** folio_unlock. */
    public void unlock(int pfn) {
        int h = head(pfn);
        while (true) {
            int f = (int) INTS.getVolatile(flags, h);
            if (INTS.compareAndSet(flags, h, f, f & ~PageFlags.LOCKED)) {
                return;
            }
        }
    }

    public void set(int pfn, int flag) {
        flags[pfn] |= flag;
    }

    public void clear(int pfn, int flag) {
        flags[pfn] &= ~flag;
    }

    public int mapping(int pfn) {
        return mapping[pfn];
    }

    public long index(int pfn) {
        return index[pfn];
    }

    public void setMapping(int pfn, int mappingId, long pageIndex) {
        mapping[pfn] = mappingId;
        index[pfn] = pageIndex;
    }

    /** Reference count of the folio containing {@code pfn}. */
    public int refcount(int pfn) {
        return (int) INTS.getVolatile(refcount, head(pfn));
    }

    /** Adds {@code n} to the folio's reference count and returns the new count. */
    public int refAdd(int pfn, int n) {
        return (int) INTS.getAndAdd(refcount, head(pfn), n) + n;
    }

    /** PTE mappings of this one frame. */
    public int pteMapcount(int pfn) {
        return (int) INTS.getVolatile(mapcount, pfn);
    }

    public void pteMapcountAdd(int pfn, int n) {
        INTS.getAndAdd(mapcount, pfn, n);
    }

    /** PMD or PUD mappings of the whole folio. */
    public int entireMapcount(int pfn) {
        int h = head(pfn);
        return order[h] == 0 ? 0 : (int) INTS.getVolatile(aux, h);
    }

    public void entireMapcountAdd(int pfn, int n) {
        INTS.getAndAdd(aux, head(pfn), n);
    }

    /** How many times this frame is mapped, through PTEs or through its folio's PMD/PUD. */
    public int mapcount(int pfn) {
        return pteMapcount(pfn) + entireMapcount(pfn);
    }

    /** True when any frame of the folio is mapped anywhere. */
    public boolean folioMapped(int pfn) {
        int h = head(pfn);
        if (entireMapcount(h) > 0) {
            return true;
        }
        int n = 1 << order[h];
        for (int i = 0; i < n; i++) {
            if (pteMapcount(h + i) > 0) {
                return true;
            }
        }
        return false;
    }

    /** Sum over the folio of PTE mapcounts plus its entire mapcount times its size. */
    public int folioTotalMapcount(int pfn) {
        int h = head(pfn);
        int n = 1 << order[h];
        int total = n * entireMapcount(h);
        for (int i = 0; i < n; i++) {
            total += pteMapcount(h + i);
        }
        return total;
    }

    /** The pin count of a large folio (small folios count pins in the refcount, with a bias). */
    public int largePincount(int pfn) {
        int h = head(pfn);
        return order[h] == 0 ? 0 : (int) INTS.getVolatile(aux, h + 1);
    }

    void largePincountAdd(int pfn, int n) {
        INTS.getAndAdd(aux, head(pfn) + 1, n);
    }

    /** Makes {@code [head, head + 2^order)} one folio (compound page). */
    void makeFolio(int head, int folioOrder) {
        int n = 1 << folioOrder;
        for (int i = 0; i < n; i++) {
            order[head + i] = (byte) folioOrder;
            flags[head + i] = i == 0 ? (folioOrder > 0 ? PageFlags.HEAD : 0) : PageFlags.TAIL;
            mapcount[head + i] = 0;
            mapping[head + i] = 0;
            index[head + i] = 0;
            refcount[head + i] = 0;
            aux[head + i] = 0;
        }
    }
}
