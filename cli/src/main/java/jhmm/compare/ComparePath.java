package jhmm.compare;

import jhmm.dma.DmaDevice;
import jhmm.dmamap.CoreRangeMapper;
import jhmm.dmamap.GupRangeMapper;
import jhmm.dmamap.Hmm2019RangeMapper;
import jhmm.dmamap.HmmDmaRangeMapper;
import jhmm.dmamap.RangeDmaMapper;
import jhmm.mm.Mm;

/** The ways of mapping the buffer that the comparison puts side by side. */
public enum ComparePath {
    HMM_2019("hmm-2019") {
        @Override
        RangeDmaMapper mapper(Mm mm, DmaDevice dev) {
            return new Hmm2019RangeMapper(mm, dev);
        }
    },
    HMM_DMA("hmm-dma") {
        @Override
        RangeDmaMapper mapper(Mm mm, DmaDevice dev) {
            return new HmmDmaRangeMapper(mm, dev);
        }
    },
    GUP("gup") {
        @Override
        RangeDmaMapper mapper(Mm mm, DmaDevice dev) {
            return new GupRangeMapper(mm, dev);
        }
    },
    CORE_PIN("core mode=pin") {
        @Override
        RangeDmaMapper mapper(Mm mm, DmaDevice dev) {
            return new CoreRangeMapper(mm, dev, CoreRangeMapper.Mode.PIN, null);
        }
    },
    CORE_MIRROR("core mode=mirror") {
        @Override
        RangeDmaMapper mapper(Mm mm, DmaDevice dev) {
            return new CoreRangeMapper(mm, dev, CoreRangeMapper.Mode.MIRROR, null);
        }
    };

    private final String label;

    ComparePath(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    abstract RangeDmaMapper mapper(Mm mm, DmaDevice dev);
}
