package jhmm.device.gpu;

import jhmm.base.PageSize;

/**
 * A drm_gpusvm range: an aligned chunk of virtual address inside one notifier window, with the
 * pages get_pages found for it (a DMA page number, or a frame of this GPU's VRAM, per page) and
 * the DMA mappings made for them, one per CPU page order. Guarded by the VM's notifier lock.
 */
final class GpuRange {
    final long start;
    final long end;
    final GpuNotifier notifier;
    /** Whether the VMA was read-only when the range was made: get_pages then asks no write. */
    final boolean readOnly;
    /** Per page: the target get_pages found (DMA page number or VRAM frame). */
    final long[] target;
    /** Per page: {@link #WRITE}, {@link #VRAM}. */
    final byte[] flags;
    /** Per page: which of {@link #dmaAddr} reaches it, or -1 for VRAM (a GPU entry never spans two mappings). */
    final int[] mapping;
    static final byte WRITE = 1;
    static final byte VRAM = 2;
    /** The live DMA mappings: address and size of each. */
    long[] dmaAddr = new long[4];
    long[] dmaBytes = new long[4];
    int nDma;
    /** get_pages ran and no invalidation has touched the pages since. */
    boolean pagesValid;
    /** An UNMAP event reached the range: it waits for the garbage collector. */
    boolean unmapped;
    /** Only part of the range was unmapped: its device pages still mapped go back to RAM when it is collected. */
    boolean partial;

    GpuRange(long start, long end, GpuNotifier notifier, boolean readOnly) {
        this.start = start;
        this.end = end;
        this.notifier = notifier;
        this.readOnly = readOnly;
        this.target = new long[npages()];
        this.flags = new byte[npages()];
        this.mapping = new int[npages()];
    }

    int npages() {
        return (int) ((end - start) >>> PageSize.PAGE_SHIFT);
    }

    boolean contains(long addr) {
        return addr >= start && addr < end;
    }

    void addDma(long addr, long bytes) {
        if (nDma == dmaAddr.length) {
            dmaAddr = java.util.Arrays.copyOf(dmaAddr, nDma * 2);
            dmaBytes = java.util.Arrays.copyOf(dmaBytes, nDma * 2);
        }
        dmaAddr[nDma] = addr;
        dmaBytes[nDma] = bytes;
        nDma++;
    }

    @Override
    public String toString() {
        return String.format("range [%x, %x)", start, end);
    }
}
