package jhmm.device.rnic;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CopyOnWriteArraySet;
import jhmm.dma.DmaDevice;
import jhmm.mm.MemorySystem;
import jhmm.mm.Mm;

/**
 * One RDMA NIC: its DMA identity (segments up to 2 GiB, as mlx5_core sets), the setting its
 * users run with, and the contexts processes opened on it. Made by {@link Rnics#add}.
 */
public final class RnicDevice {
    /** dma_set_max_seg_size of mlx5_core. */
    static final long MAX_SEGMENT = 2L << 30;

    private final String name;
    private final RnicConfig config;
    private final MemorySystem sys;
    private final DmaDevice dma;
    private final List<RnicContext> contexts = new CopyOnWriteArrayList<>();
    /** Every address space a context was opened on, for the pinned_vm check after the contexts close. */
    private final Set<Mm> served = new CopyOnWriteArraySet<>();

    RnicDevice(String name, RnicConfig config, MemorySystem sys, DmaDevice dma) {
        this.name = name;
        this.config = config;
        this.sys = sys;
        this.dma = dma;
        dma.setMaxSegmentSize(MAX_SEGMENT);
    }

    public String name() {
        return name;
    }

    public RnicConfig config() {
        return config;
    }

    public DmaDevice dma() {
        return dma;
    }

    MemorySystem system() {
        return sys;
    }

    /** The device file opened by the process of {@code mm}: a context with the configured RLIMIT_MEMLOCK. */
    public RnicContext open(Mm mm) {
        RnicContext c = new RnicContext(this, mm, config.memlockBytes() >>> jhmm.base.PageSize.PAGE_SHIFT);
        contexts.add(c);
        served.add(mm);
        return c;
    }

    void closed(RnicContext c) {
        contexts.remove(c);
    }

    /** The contexts open now. */
    public List<RnicContext> contexts() {
        return List.copyOf(contexts);
    }

    Set<Mm> served() {
        return served;
    }

    /**
     * The NIC's part of check invariants: ODP entries the CPU no longer backs, pinned pages that
     * lost their pin, and DMA mappings live on the device other than those the regions hold.
     */
    List<String> violations() {
        List<String> out = new ArrayList<>();
        int[] held = {0};
        for (RnicContext c : contexts) {
            out.addAll(c.violations(held));
        }
        if (held[0] != dma.liveMappings()) {
            out.add(String.format("%s: %d DMA mappings live but its regions hold %d (leaked or lost)", name,
                    dma.liveMappings(), held[0]));
        }
        out.addAll(dma.violations());
        return out;
    }

    @Override
    public String toString() {
        return name;
    }
}
