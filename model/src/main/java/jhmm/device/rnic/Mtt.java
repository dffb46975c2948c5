package jhmm.device.rnic;

/**
 * The NIC's translation table for one umem (mlx5's MTT): per 4 KiB page of the region, the DMA
 * address the NIC uses and whether it may read and write through it, in primitive arrays. The
 * caller holds the umem's lock.
 */
final class Mtt {
    static final byte VALID = 1;
    static final byte WRITE = 2;
    /**
     * Entries one UMR zap covers at a time: 64-byte units of 8-byte entries
     * (MLX5_UMR_MTT_NUM_ENTRIES_ALIGNMENT), so an invalidation ends a run only at such a boundary.
     */
    static final int ZAP_ALIGN = 8;

    private final long[] dma;
    private final byte[] flags;
    private int valid;

    Mtt(int pages) {
        dma = new long[pages];
        flags = new byte[pages];
    }

    int size() {
        return dma.length;
    }

    boolean valid(int i) {
        return (flags[i] & VALID) != 0;
    }

    boolean writable(int i) {
        return (flags[i] & WRITE) != 0;
    }

    long dma(int i) {
        return dma[i];
    }

    /** Entries that translate now. */
    int validCount() {
        return valid;
    }

    /** Sets entry {@code i}; true when it was not valid before. */
    boolean set(int i, long dmaAddr, boolean write) {
        boolean fresh = !valid(i);
        if (fresh) {
            valid++;
        }
        dma[i] = dmaAddr;
        flags[i] = (byte) (VALID | (write ? WRITE : 0));
        return fresh;
    }

    /** Clears entry {@code i}; true when it was valid. */
    boolean clear(int i) {
        if (!valid(i)) {
            return false;
        }
        valid--;
        dma[i] = 0;
        flags[i] = 0;
        return true;
    }

    /**
     * Clears the valid entries of [from, to) as mlx5_ib_invalidate_range writes its zaps: a run
     * of valid entries goes in one UMR, and an invalid entry ends the run only where it starts a
     * new {@link #ZAP_ALIGN} unit (elsewhere the zap runs on over it, harmlessly). Returns
     * {zaps posted, entries cleared}.
     */
    long[] zap(int from, int to) {
        long zaps = 0;
        long cleared = 0;
        boolean inRun = false;
        for (int i = from; i < to; i++) {
            if (valid(i)) {
                inRun = true;
                clear(i);
                cleared++;
            } else if (inRun && (i & (ZAP_ALIGN - 1)) == 0) {
                zaps++;
                inRun = false;
            }
        }
        if (inRun) {
            zaps++;
        }
        return new long[] {zaps, cleared};
    }
}
