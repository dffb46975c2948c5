package jhmm.device.gpu;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import jhmm.base.PageSize;

/**
 * The GPU's own page table: one entry word per 4 KiB of virtual address, kept in a primitive
 * array per 2 MiB block. A 64 KiB or 2 MiB entry is stored in each of the 4 KiB slots it covers
 * with its size class, so that a lookup anywhere inside it finds it. The target is a device
 * frame for VRAM, else the DMA page number the GPU reaches system memory through. Each block's
 * array starts with a bitmap of its valid slots, so that a walk visits only those, and a word
 * saying whether the block changed since an observer last asked (a timing layer keeps its own
 * view of what the GPU maps and refreshes only those blocks).
 */
final class GpuPageTable {
    static final long VALID = 1L << 63;
    static final long WRITE = 1L << 62;
    static final long VRAM = 1L << 61;
    private static final int SIZE_SHIFT = 58;
    /** The bits that say what kind of entry it is, apart from its target: writable, VRAM, size class. */
    static final long KIND = WRITE | VRAM | 3L << SIZE_SHIFT;
    private static final long TARGET_MASK = (1L << 52) - 1;
    /** Size classes: 4 KiB, 64 KiB, 2 MiB entries. */
    static final int SIZE_4K = 0;
    static final int SIZE_64K = 1;
    static final int SIZE_2M = 2;
    static final int[] PAGES = {1, 16, 512};
    private static final int NR = PageSize.HPAGE_PMD_NR;
    /** Words of the valid-slot bitmap before the slots. */
    private static final int BITS = NR / Long.SIZE;
    /** The word after the bitmap: 1 while the block is in {@link #changed}. */
    private static final int CHANGED = BITS;
    private static final int SLOTS = BITS + 1;

    private final Map<Long, long[]> blocks = new HashMap<>();
    /** Blocks changed since the last {@link #drainChanged}, each once. */
    private long[] changed = new long[16];
    private int nChanged;

    static long entry(long target, boolean write, boolean vram, int sizeClass) {
        return VALID | (write ? WRITE : 0) | (vram ? VRAM : 0) | ((long) sizeClass << SIZE_SHIFT) | (target & TARGET_MASK);
    }

    static long target(long e) {
        return e & TARGET_MASK;
    }

    static int sizeClass(long e) {
        return (int) ((e >>> SIZE_SHIFT) & 3);
    }

    static boolean writable(long e) {
        return (e & WRITE) != 0;
    }

    static boolean vram(long e) {
        return (e & VRAM) != 0;
    }

    /** The entry word that translates page {@code vpn}, or 0. */
    long load(long vpn) {
        long[] b = blocks.get(vpn / NR);
        return b == null ? 0 : b[SLOTS + (int) (vpn % NR)];
    }

    void store(long vpn, long e) {
        long[] b = blocks.computeIfAbsent(vpn / NR, k -> new long[SLOTS + NR]);
        int i = (int) (vpn % NR);
        b[SLOTS + i] = e;
        b[i / Long.SIZE] |= 1L << i;
        markChanged(vpn / NR, b);
    }

    private void markChanged(long block, long[] b) {
        if (b[CHANGED] != 0) {
            return;
        }
        b[CHANGED] = 1;
        if (nChanged == changed.length) {
            changed = java.util.Arrays.copyOf(changed, nChanged * 2);
        }
        changed[nChanged++] = block;
    }

    /**
     * Hands each block changed since the last call to {@code v}, with its slots' entries (all 0
     * for a block that is gone), and forgets them.
     */
    void drainChanged(BlockVisitor v) {
        long[] none = null;
        for (int k = 0; k < nChanged; k++) {
            long[] b = blocks.get(changed[k]);
            if (b != null) {
                b[CHANGED] = 0;
            } else if (none == null) {
                none = new long[SLOTS + NR];
            }
            v.visit(changed[k] * NR, b != null ? b : none, SLOTS);
        }
        nChanged = 0;
    }

    /** What {@link #drainChanged} hands each block: its first page, and its entries at {@code entries[from + i]}. */
    interface BlockVisitor {
        void visit(long firstVpn, long[] entries, int from);
    }

    /** Clears [firstVpn, endVpn); returns how many valid slots were cleared. */
    int zap(long firstVpn, long endVpn) {
        int n = 0;
        for (long v = firstVpn; v < endVpn; ) {
            long[] b = blocks.get(v / NR);
            long blockEnd = Math.min(endVpn, (v / NR + 1) * NR);
            for (long x = v; b != null && x < blockEnd; x++) {
                int i = (int) (x % NR);
                if ((b[i / Long.SIZE] & (1L << i)) != 0) {
                    b[i / Long.SIZE] &= ~(1L << i);
                    b[SLOTS + i] = 0;
                    n++;
                    markChanged(v / NR, b);
                }
            }
            v = blockEnd;
        }
        return n;
    }

    /** What {@link #forEach} hands each valid slot. */
    interface SlotVisitor {
        void visit(long vpn, long entry);
    }

    void forEach(SlotVisitor v) {
        for (Iterator<Map.Entry<Long, long[]>> it = blocks.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, long[]> block = it.next();
            long[] b = block.getValue();
            boolean any = false;
            for (int w = 0; w < BITS; w++) {
                for (long bits = b[w]; bits != 0; bits &= bits - 1) {
                    int i = w * Long.SIZE + Long.numberOfTrailingZeros(bits);
                    any = true;
                    v.visit(block.getKey() * NR + i, b[SLOTS + i]);
                }
            }
            if (!any) {
                it.remove(); // an empty block: the GPU frees its page-table page
            }
        }
    }
}
