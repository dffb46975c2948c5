package jhmm.dma;

/** struct dma_iova_state: one reserved IOVA window of the two-step DMA API. */
public final class DmaIovaState {
    long base = -1;
    long size;

    /** dma_use_iova: whether a window was reserved. */
    public boolean used() {
        return base >= 0;
    }

    public long base() {
        return base;
    }
}
