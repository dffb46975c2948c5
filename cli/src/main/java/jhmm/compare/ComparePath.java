package jhmm.compare;

import jhmm.device.gpu.GpuSvmRangeMapper;
import jhmm.device.rnic.MrType;
import jhmm.device.rnic.RnicRangeMapper;
import jhmm.dma.DmaDevice;
import jhmm.dmamap.CoreRangeMapper;
import jhmm.dmamap.GupRangeMapper;
import jhmm.dmamap.Hmm2019RangeMapper;
import jhmm.dmamap.HmmDmaRangeMapper;
import jhmm.dmamap.RangeDmaMapper;
import jhmm.mm.Mm;

/** The ways of mapping the buffer that the comparison puts side by side. */
public enum ComparePath {
    HMM_2019("hmm-2019",
            "hmm_range_dma_map as Linux 5.2 shipped it: a mirror, one DMA mapping per 4 KiB page") {
        @Override
        RangeDmaMapper mapper(Mm mm, DmaDevice dev) {
            return new Hmm2019RangeMapper(mm, dev);
        }
    },
    HMM_DMA("hmm-dma",
            "today's hmm-dma helpers (hmm_dma_map_alloc, hmm_dma_map_pfn): a mirror") {
        @Override
        RangeDmaMapper mapper(Mm mm, DmaDevice dev) {
            return new HmmDmaRangeMapper(mm, dev);
        }
    },
    GPU_SVM("gpusvm",
            "drm_gpusvm get_pages (GPU drivers: xe): a mirror, one DMA mapping per CPU page") {
        @Override
        RangeDmaMapper mapper(Mm mm, DmaDevice dev) {
            return new GpuSvmRangeMapper(mm, dev);
        }
    },
    RNIC_PINNED("rnic pinned",
            "an RDMA registration, pinned (ib_umem_get: FOLL_LONGTERM pins, dma_map_sg)") {
        @Override
        RangeDmaMapper mapper(Mm mm, DmaDevice dev) {
            return new RnicRangeMapper(mm, dev, MrType.PINNED);
        }
    },
    RNIC_ODP("rnic odp",
            "an RDMA registration with on-demand paging (ib_umem_odp), prefetched: a mirror") {
        @Override
        RangeDmaMapper mapper(Mm mm, DmaDevice dev) {
            return new RnicRangeMapper(mm, dev, MrType.ODP);
        }
    },
    GUP("gup",
            "pin_user_pages + dma_map_sg, as most drivers do it: pins every page") {
        @Override
        RangeDmaMapper mapper(Mm mm, DmaDevice dev) {
            return new GupRangeMapper(mm, dev);
        }
    },
    CORE_PIN("core mode=pin",
            "jhmm's one core with GUP's semantics: pins") {
        @Override
        RangeDmaMapper mapper(Mm mm, DmaDevice dev) {
            return new CoreRangeMapper(mm, dev, CoreRangeMapper.Mode.PIN, null);
        }
    },
    CORE_MIRROR("core mode=mirror",
            "jhmm's one core as a mirror (interval notifier, hmm_range_fault)") {
        @Override
        RangeDmaMapper mapper(Mm mm, DmaDevice dev) {
            return new CoreRangeMapper(mm, dev, CoreRangeMapper.Mode.MIRROR, null);
        }
    };

    private final String label;
    private final String description;

    ComparePath(String label, String description) {
        this.label = label;
        this.description = description;
    }

    public String label() {
        return label;
    }

    /** What the path is, in a line for the table's header. */
    public String description() {
        return description;
    }

    abstract RangeDmaMapper mapper(Mm mm, DmaDevice dev);
}
