package jhmm.hmm;

import java.util.ArrayList;
import java.util.List;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.dma.DmaDevice;
import jhmm.dma.DmaDirection;
import jhmm.dma.DmaIovaState;

/**
 * The hmm-dma helpers of Linux 6.16+ (include/linux/hmm-dma.h, mm/hmm.c): a driver keeps one
 * {@link HmmDmaMap} per mirrored region, points {@link HmmRange#hmmPfns} at its
 * {@code pfnList}, and after {@link HmmRangeFault#fault} maps entries one index at a time with
 * {@link #mapPfn}, undoing them with {@link #unmapPfn}. With an IOMMU the whole map is one
 * IOVA window reserved up front and entries are linked into it (the two-step IOVA API);
 * without one each entry is a {@code dma_map_page} whose address is kept in {@code dmaList}.
 *
 * <p>Whether an entry is mapped is recorded in the entry itself: {@link HmmPfn#DMA_MAPPED}
 * (and the P2P bits) are sticky, kept by every output of hmm_range_fault, while VALID and the
 * pfn are rewritten by it. The helpers do not compare the two, and the model keeps the
 * consequences the specification lists (section 4.8) literally:
 * <ul>
 *   <li>an entry re-faulted to another pfn while still DMA_MAPPED is "already mapped": in IOVA
 *       mode {@link #mapPfn} returns the old IOVA, which still reaches the old frame;
 *   <li>an entry whose VALID bit is gone (the page was unmapped and the slot re-faulted
 *       without REQ_FAULT) is refused by {@link #unmapPfn}, so its mapping stays live.
 * </ul>
 * Drivers avoid both by unmapping affected indices inside their invalidate callback, while the
 * old outputs are still in {@code pfnList}.
 *
 * <p>The IOVA reservation is {@code nrEntries * PAGE_SIZE} bytes while entry offsets are
 * {@code idx * dmaEntrySize}; the arithmetic is reproduced as written, so an entry size above
 * PAGE_SIZE makes the links of the upper entries fall outside the window and fail.
 *
 * <p>Not modelled: PCI peer-to-peer. The model has no PCI topology, so no page is ever a P2P
 * page: {@code pci_p2pdma_state} always answers PCI_P2PDMA_MAP_NONE, the {@code p2pdma_state}
 * argument is omitted, and {@link HmmPfn#P2PDMA} / {@link HmmPfn#P2PDMA_BUS} are only ever
 * cleared here (by {@link #unmapPfn} and the map error path), never set.
 *
 * <p>dma_need_unmap: the model's {@link DmaDevice} tracks every mapping it hands out and reports
 * the ones never undone, as the kernel does with CONFIG_DMA_API_DEBUG, under which
 * {@code dma_need_unmap} is true for every device. So without an IOVA window every map keeps a
 * {@code dmaList}, and the "stateless mapping, map again" branch of an already-mapped entry is
 * never taken.
 */
public final class HmmDma {
    private HmmDma() {}

    /** struct hmm_dma_map. */
    public static final class HmmDmaMap {
        /** The IOVA window ({@link DmaIovaState#used()} false in per-page mode). */
        public final DmaIovaState state = new DmaIovaState();
        /** The HMM pfn entries: the driver's {@code range.hmm_pfns}. */
        public long[] pfnList;
        /** The DMA address of each entry in per-page mode; null in IOVA mode. */
        public long[] dmaList;
        /** Bytes mapped per entry. */
        public long dmaEntrySize;
        /** The kernel's WARN_ON_ONCEs hit on this map, in order. */
        public final List<String> warnings = new ArrayList<>();

        /** {@code dma_use_iova(&map->state)}. */
        public boolean usesIova() {
            return state.used();
        }
    }

    /** dma_need_unmap: true for every model device (see the class comment). */
    private static boolean needUnmap(DmaDevice dev) {
        return true;
    }

    /**
     * hmm_dma_map_alloc: 0, -EOPNOTSUPP when the device needs cache syncs (not coherent) or is
     * addressing-limited (it would bounce through the swiotlb, and "the HMM API violates normal
     * DMA buffer ownership rules and cannot transfer ownership"). Otherwise a zeroed pfnList of
     * {@code nrEntries}, then one IOVA window of {@code nrEntries * PAGE_SIZE} bytes if the
     * device can have one; if not, and the device needs unmaps, a zeroed dmaList.
     */
    public static int alloc(DmaDevice dev, HmmDmaMap map, int nrEntries, long dmaEntrySize) {
        if ((long) nrEntries * PageSize.PAGE_SIZE / dmaEntrySize == 0) {
            // WARN_ON_ONCE: a warning, not an error
            map.warnings.add("hmm_dma_map_alloc: nr_entries * PAGE_SIZE / dma_entry_size is 0");
        }
        if (dev.needsSync() || dev.addressingLimited()) {
            return -Errno.EOPNOTSUPP;
        }
        map.dmaEntrySize = dmaEntrySize;
        map.pfnList = new long[nrEntries];
        boolean useIova = dev.iovaTryAlloc(map.state, (long) nrEntries * PageSize.PAGE_SIZE);
        if (!useIova && needUnmap(dev)) {
            map.dmaList = new long[nrEntries];
        }
        return 0;
    }

    /**
     * hmm_dma_map_free: gives the IOVA window back (dma_iova_free, which unlinks nothing) and
     * drops both lists. Entries still mapped are not unmapped: they leak.
     */
    public static void free(DmaDevice dev, HmmDmaMap map) {
        if (map.state.used()) {
            dev.iovaDestroy(map.state);
        }
        map.pfnList = null;
        map.dmaList = null;
    }

    /**
     * hmm_dma_map_pfn: the DMA address of entry {@code idx}, or {@link DmaDevice#MAPPING_ERROR}.
     * Always DMA_BIDIRECTIONAL, whatever the entry's WRITE bit. The entry's VALID bit is not
     * looked at: whatever pfn the entry holds is mapped.
     *
     * <ol>
     *   <li>Already DMA_MAPPED (and not P2PDMA_BUS), e.g. mapped for read and now wanted for
     *       write: IOVA mode returns {@code iova + idx * dmaEntrySize} without relinking, even
     *       if the entry's pfn changed since; per-page mode returns the stored
     *       {@code dmaList[idx]}.
     *   <li>IOVA mode: link the entry's frame at {@code idx * dmaEntrySize} for
     *       {@code dmaEntrySize} bytes, then sync the IOTLB (a sync failure would unlink; the
     *       model's sync cannot fail).
     *   <li>Per-page mode: {@code dma_map_page} of {@code dmaEntrySize} bytes; the address is
     *       kept in {@code dmaList[idx]}.
     *   <li>DMA_MAPPED is set on the entry.
     * </ol>
     * On error P2PDMA is cleared on the entry and MAPPING_ERROR returned.
     */
    public static long mapPfn(DmaDevice dev, HmmDmaMap map, int idx) {
        DmaIovaState state = map.state;
        long[] dmaAddrs = map.dmaList;
        long[] pfns = map.pfnList;
        int pfn = HmmPfn.pfn(pfns[idx]);
        long offset = idx * map.dmaEntrySize;
        long dmaAddr;

        if ((pfns[idx] & HmmPfn.DMA_MAPPED) != 0 && (pfns[idx] & HmmPfn.P2PDMA_BUS) == 0) {
            // already programmed to the device: no unlink and relink just to resync flags
            if (state.used()) {
                return state.base() + offset;
            }
            if (needUnmap(dev)) {
                return dmaAddrs[idx];
            }
            // stateless mapping: continue to remapping
        }

        // pci_p2pdma_state(): always PCI_P2PDMA_MAP_NONE in this model (no P2P)

        if (state.used()) {
            if (dev.iovaLink(state, pfn, offset, map.dmaEntrySize, DmaDirection.BIDIRECTIONAL) != 0) {
                return mapError(pfns, idx);
            }
            dev.iovaSync(state); // dma_iova_sync: cannot fail in the model, so no unlink path
            dmaAddr = state.base() + offset;
        } else {
            if (needUnmap(dev) && dmaAddrs == null) {
                map.warnings.add("hmm_dma_map_pfn: the device needs unmaps but the map has no dma_list");
                return mapError(pfns, idx);
            }
            dmaAddr = dev.mapPage(pfn, 0, map.dmaEntrySize, DmaDirection.BIDIRECTIONAL);
            if (dmaAddr == DmaDevice.MAPPING_ERROR) {
                return mapError(pfns, idx);
            }
            if (needUnmap(dev)) {
                dmaAddrs[idx] = dmaAddr;
            }
        }
        pfns[idx] |= HmmPfn.DMA_MAPPED;
        return dmaAddr;
    }

    private static long mapError(long[] pfns, int idx) {
        pfns[idx] &= ~HmmPfn.P2PDMA;
        return DmaDevice.MAPPING_ERROR;
    }

    /**
     * hmm_dma_unmap_pfn: false, doing nothing, unless the entry has both VALID and DMA_MAPPED.
     * Otherwise unlinks {@code [idx * dmaEntrySize, +dmaEntrySize)} from the IOVA window, or
     * unmaps {@code dmaList[idx]}, clears DMA_MAPPED, P2PDMA and P2PDMA_BUS and returns true.
     */
    public static boolean unmapPfn(DmaDevice dev, HmmDmaMap map, int idx) {
        final long validDma = HmmPfn.VALID | HmmPfn.DMA_MAPPED;
        DmaIovaState state = map.state;
        long[] dmaAddrs = map.dmaList;
        long[] pfns = map.pfnList;

        if ((pfns[idx] & validDma) != validDma) {
            return false;
        }
        if ((pfns[idx] & HmmPfn.P2PDMA_BUS) != 0) {
            // no need to unmap bus-address P2P mappings (never set in this model)
        } else if (state.used()) {
            dev.iovaUnlink(state, idx * map.dmaEntrySize, map.dmaEntrySize, DmaDirection.BIDIRECTIONAL);
        } else if (needUnmap(dev)) {
            dev.unmapPage(dmaAddrs[idx], map.dmaEntrySize, DmaDirection.BIDIRECTIONAL);
        }
        pfns[idx] &= ~(HmmPfn.DMA_MAPPED | HmmPfn.P2PDMA | HmmPfn.P2PDMA_BUS);
        return true;
    }
}
