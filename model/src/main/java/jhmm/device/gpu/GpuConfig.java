package jhmm.device.gpu;

import java.util.Arrays;
import jhmm.base.PageSize;

/**
 * The knobs of one GPU (devices-gpu-rdma.md §1.9). A {@link GpuPolicy} preset sets them all;
 * a caller that changes others builds a new record from the preset's values.
 *
 * @param vramBytes device memory, whole 2 MiB chunks (0: none, everything stays in system RAM)
 * @param chunks range sizes tried on a fault, largest first (drm_gpusvm's chunk_sizes)
 * @param notifierBytes the size of the aligned window each interval notifier covers
 * @param batch fault-buffer entries fetched per batch (0: drain the whole buffer)
 * @param bufferEntries the replayable fault buffer's capacity
 * @param replay when stalled warps are told to replay
 * @param prefetch whether the tree prefetcher widens a block's faults
 * @param prefetchThreshold the percentage a subtree must exceed to be prefetched whole
 * @param migrateOnFault whether a GPU fault migrates pages to VRAM (without advice)
 * @param evict whether a full VRAM evicts chunks (else the fault maps system memory)
 * @param thrashing whether thrashing pages are throttled, then pinned
 * @param thrashThreshold round trips of a page that make it thrashing
 * @param pinThreshold throttles after which a thrashing page is pinned in system memory
 */
public record GpuConfig(long vramBytes, long[] chunks, long notifierBytes, int batch, int bufferEntries,
        ReplayPolicy replay, boolean prefetch, int prefetchThreshold, boolean migrateOnFault, boolean evict,
        boolean thrashing, int thrashThreshold, int pinThreshold) {

    public static final long M2 = PageSize.PMD_SIZE;
    public static final long K64 = 64L << 10;
    public static final long K4 = PageSize.PAGE_SIZE;
    /** drm_gpusvm's default notifier window. */
    public static final long DEFAULT_NOTIFIER = 512L << 20;
    public static final long DEFAULT_VRAM = 64L << 20;
    public static final int DEFAULT_BUFFER = 1024;

    public GpuConfig {
        chunks = chunks.clone();
    }

    /** The preset of {@code policy} with 64 MiB of VRAM. */
    public static GpuConfig of(GpuPolicy policy) {
        long[] drm = {M2, K64, K4};
        return switch (policy) {
            case NVIDIA -> new GpuConfig(DEFAULT_VRAM, drm, DEFAULT_NOTIFIER, 256, DEFAULT_BUFFER, ReplayPolicy.BATCH_FLUSH,
                    true, 51, true, true, true, 3, 10);
            case NOUVEAU -> new GpuConfig(DEFAULT_VRAM, new long[] {K4}, DEFAULT_NOTIFIER, 0, DEFAULT_BUFFER, ReplayPolicy.ONCE,
                    false, 51, false, false, false, 3, 10);
            case AMDKFD -> new GpuConfig(DEFAULT_VRAM, new long[] {M2, K4}, DEFAULT_NOTIFIER, 1, DEFAULT_BUFFER, ReplayPolicy.BLOCK,
                    false, 51, true, true, false, 3, 10);
        };
    }

    @Override
    public long[] chunks() {
        return chunks.clone();
    }

    /** This configuration with {@code bytes} of VRAM. */
    public GpuConfig withVram(long bytes) {
        return new GpuConfig(bytes, chunks, notifierBytes, batch, bufferEntries, replay, prefetch, prefetchThreshold,
                migrateOnFault, evict, thrashing, thrashThreshold, pinThreshold);
    }

    /** Why this configuration cannot be built, or null. */
    public String problem() {
        if (vramBytes < 0 || vramBytes % M2 != 0) {
            return "vram must be whole 2M chunks";
        }
        if (chunks.length == 0) {
            return "chunks needs at least one size";
        }
        for (int i = 0; i < chunks.length; i++) {
            long c = chunks[i];
            if (Long.bitCount(c) != 1 || c < K4 || c > M2 || (i > 0 && c >= chunks[i - 1])) {
                return "chunks must be powers of two from 4K to 2M, largest first: " + Arrays.toString(chunks);
            }
        }
        if (chunks[chunks.length - 1] != K4) {
            return "chunks must end with 4K, so that every fault finds a range";
        }
        if (Long.bitCount(notifierBytes) != 1 || notifierBytes < M2) {
            return "notifier must be a power of two of at least 2M";
        }
        if (batch < 0 || bufferEntries < 1) {
            return "batch must be 0 (whole buffer) or more, buffer at least 1";
        }
        if (prefetchThreshold < 1 || prefetchThreshold > 100) {
            return "threshold is a percentage, 1 to 100";
        }
        return null;
    }
}
