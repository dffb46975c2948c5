package jhmm.device.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import jhmm.dma.DmaDevice;
import jhmm.mm.MemorySystem;
import jhmm.mm.Mm;

/**
 * A GPU with shared virtual memory on HMM: its knobs, its DMA identity, its VRAM (device-private
 * memory registered with memremap_pages), its replayable fault buffer and the address spaces it
 * mirrors. The device object is the owner cookie it gives HMM and migration.
 */
public final class GpuDevice {
    private final String name;
    private final GpuConfig config;
    private final MemorySystem sys;
    private final DmaDevice dma;
    private final Vram vram;
    final FaultBuffer faultBuffer;
    private final List<GpuVm> vms = new CopyOnWriteArrayList<>();

    /** @throws IllegalArgumentException when {@code config} is not buildable ({@link GpuConfig#problem}) */
    public GpuDevice(String name, GpuConfig config, MemorySystem sys, DmaDevice dma) {
        String problem = config.problem();
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        this.name = name;
        this.config = config;
        this.sys = sys;
        this.dma = dma;
        this.faultBuffer = new FaultBuffer(config.bufferEntries());
        this.vram = config.vramBytes() == 0 ? null : new Vram(this, sys, (int) (config.vramBytes() / GpuConfig.M2));
    }

    public String name() {
        return name;
    }

    public GpuConfig config() {
        return config;
    }

    public DmaDevice dma() {
        return dma;
    }

    MemorySystem system() {
        return sys;
    }

    /** The VRAM, or null when the GPU has none. */
    Vram vram() {
        return vram;
    }

    /** VRAM chunks in use by some address space, and in total. */
    public int vramChunksUsed() {
        return vram == null ? 0 : vram.chunksUsed();
    }

    /** Starts mirroring {@code mm} (the device file opened by its process). */
    public GpuVm open(Mm mm) {
        GpuVm vm = new GpuVm(this, mm);
        vms.add(vm);
        return vm;
    }

    void closed(GpuVm vm) {
        vms.remove(vm);
    }

    /** The GPU's part of check invariants: stale entries, leaked DMA mappings, VRAM accounting. */
    public List<String> violations() {
        List<String> out = new ArrayList<>();
        long dmaHeld = 0;
        for (GpuVm vm : vms) {
            out.addAll(vm.svm.staleEntries(20));
            dmaHeld += vm.svm.dmaMappingsHeld();
        }
        if (dmaHeld != dma.liveMappings()) {
            out.add(String.format("%s: %d DMA mappings live but its ranges hold %d (leaked or lost)", name,
                    dma.liveMappings(), dmaHeld));
        }
        out.addAll(dma.violations());
        if (vram != null) {
            out.addAll(vram.accountingErrors());
        }
        return out;
    }

    @Override
    public String toString() {
        return name;
    }
}
