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
 * array starts with a bitmap of its valid slots, so that a walk visits only those.
 */
final class GpuPageTable {
    static final long VALID = 1L << 63;
    static final long WRITE = 1L << 62;
    static final long VRAM = 1L << 61;
    private static final int SIZE_SHIFT = 58;
    private static final long TARGET_MASK = (1L << 52) - 1;
    /** Size classes: 4 KiB, 64 KiB, 2 MiB entries. */
    static final int SIZE_4K = 0;
    static final int SIZE_64K = 1;
    static final int SIZE_2M = 2;
    static final int[] PAGES = {1, 16, 512};
    private static final int NR = PageSize.HPAGE_PMD_NR;
    /** Words of the valid-slot bitmap before the slots. */
    private static final int BITS = NR / Long.SIZE;

    private final Map<Long, long[]> blocks = new HashMap<>();

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
        return b == null ? 0 : b[BITS + (int) (vpn % NR)];
    }

    void store(long vpn, long e) {
        long[] b = blocks.computeIfAbsent(vpn / NR, k -> new long[BITS + NR]);
        int i = (int) (vpn % NR);
        b[BITS + i] = e;
        b[i / Long.SIZE] |= 1L << i;
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
                    b[BITS + i] = 0;
                    n++;
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
                    v.visit(block.getKey() * NR + i, b[BITS + i]);
                }
            }
            if (!any) {
                it.remove(); // an empty block: the GPU frees its page-table page
            }
        }
    }
}
