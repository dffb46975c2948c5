package jhmm.device.rnic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import jhmm.dma.DmaDevice;
import jhmm.mm.MemorySystem;
import jhmm.mm.Mm;

/**
 * The machine's RDMA NICs. Kept together because {@code mm->pinned_vm} is one count per address space
 * whatever NIC charged it: {@link #violations} checks that it equals what the live pinned
 * regions of every NIC hold.
 */
public final class Rnics {
    private final MemorySystem sys;
    private final List<RnicDevice> devices = new CopyOnWriteArrayList<>();

    public Rnics(MemorySystem sys) {
        this.sys = sys;
    }

    /** A NIC named {@code name} that does its DMA as {@code dma}. */
    public RnicDevice add(String name, RnicConfig config, DmaDevice dma) {
        RnicDevice d = new RnicDevice(name, config, sys, dma);
        devices.add(d);
        return d;
    }

    public List<RnicDevice> devices() {
        return List.copyOf(devices);
    }

    /** Pages every NIC's pinned regions reach that their process no longer maps where they were pinned (stale, safe). */
    public long stalePinnedPages() {
        long n = 0;
        for (RnicDevice d : devices) {
            for (RnicContext c : d.contexts()) {
                n += c.stalePinnedPages();
            }
        }
        return n;
    }

    /** Every NIC's violations, then each address space whose pinned_vm differs from what the pinned regions hold. */
    public List<String> violations() {
        List<String> out = new ArrayList<>();
        Map<Mm, Long> held = new HashMap<>();
        for (RnicDevice d : devices) {
            out.addAll(d.violations());
            d.served().forEach(mm -> held.putIfAbsent(mm, 0L));
            for (RnicContext c : d.contexts()) {
                held.merge(c.mm(), c.pinnedPages(), Long::sum);
            }
        }
        held.forEach((mm, pages) -> {
            if (mm.pinnedVm() != pages) {
                out.add(String.format("%s: pinned_vm is %d pages but the NICs' pinned regions hold %d", mm, mm.pinnedVm(), pages));
            }
        });
        return out;
    }
}
