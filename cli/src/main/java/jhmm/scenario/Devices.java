package jhmm.scenario;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jhmm.device.dmirror.Dmirror;
import jhmm.device.dmirror.DmirrorDevice;
import jhmm.kernel.Machine;
import jhmm.dma.DmaDevice;
import jhmm.dma.DmaSystem;
import jhmm.dmamap.RangeDmaMapper;
import jhmm.kernel.UserProcess;

/**
 * The scenario's devices and their open files. {@code D open P} makes a new mirror of P's
 * address space and the device's later lines act through it; earlier mirrors stay open (as
 * a file descriptor would) until their process exits.
 */
final class Devices {
    private final Map<String, DmirrorDevice> devices = new HashMap<>();
    private final Map<String, Dmirror> current = new HashMap<>();
    private final Map<String, String> openedBy = new HashMap<>();
    private final List<Dmirror> open = new ArrayList<>();
    private final DmaSystem dma;
    private final Map<String, DmaDevice> dmaDevices = new HashMap<>();
    /** The DMA mappings made with dma-map, by device and mapping name. */
    private final Map<String, RangeDmaMapper> mappers = new HashMap<>();

    Devices(Machine machine) {
        this.dma = new DmaSystem(machine.physicalMemory(), machine.config().iommu());
        machine.addCoherenceCheck(this::staleEntries);
    }

    void add(String name, DmirrorDevice device, int dmaMaskBits) {
        devices.put(name, device);
        DmaDevice d = dma.device(name, dmaMaskBits, true);
        dmaDevices.put(name, d);
    }

    /** The machine's DMA setup, which every device (a GPU too) gets its DMA identity from. */
    DmaSystem dmaSystem() {
        return dma;
    }

    DmaDevice dmaDevice(String name) {
        device(name);
        return dmaDevices.get(name);
    }

    void addMapper(String device, Target t, RangeDmaMapper m) {
        if (mappers.putIfAbsent(device + " " + t, m) != null) {
            throw new StepFailure("device '" + device + "' already has a DMA mapping of " + t.mapping() + " (dma-unmap it first)");
        }
    }

    RangeDmaMapper removeMapper(String device, Target t) {
        RangeDmaMapper m = mappers.remove(device + " " + t);
        if (m == null) {
            throw new StepFailure("device '" + device + "' has no DMA mapping of " + t.mapping());
        }
        return m;
    }

    /** DMA mappings nobody unmapped: they leak past the end of the scenario. */
    int mappersLeft() {
        return mappers.size();
    }

    DmirrorDevice device(String name) {
        DmirrorDevice d = devices.get(name);
        if (d == null) {
            throw new StepFailure("device '" + name + "' does not exist");
        }
        return d;
    }

    void open(String device, String processName, UserProcess p) {
        Dmirror m = device(device).open(p.mm());
        current.put(device, m);
        openedBy.put(device, processName);
        open.add(m);
    }

    /** The mirror the device's commands go through. */
    Dmirror mirror(String device) {
        Dmirror m = current.get(device);
        if (m == null) {
            throw new StepFailure("device '" + device + "' is not open (its process exited)");
        }
        return m;
    }

    /** The mirror the device's commands go through, or empty when it is not open. */
    Optional<Dmirror> openMirror(String device) {
        return Optional.ofNullable(current.get(device));
    }

    /** The process the device was last opened on. */
    String openedBy(String device) {
        return openedBy.get(device);
    }

    /** The mappings the device has dma-mapped and not unmapped yet, as {@code P M}, sorted. */
    List<String> dmaMappingsOf(String device) {
        String prefix = device + " ";
        return mappers.keySet().stream().filter(k -> k.startsWith(prefix)).map(k -> k.substring(prefix.length())).sorted().toList();
    }

    /** A process exits: its files close, so its mirrors go. */
    void processExited(UserProcess p) {
        open.removeIf(m -> {
            if (m.mm() != p.mm()) {
                return false;
            }
            m.close();
            current.values().remove(m);
            return true;
        });
    }

    private List<String> staleEntries() {
        List<String> out = new ArrayList<>();
        for (Dmirror m : open) {
            out.addAll(m.staleEntries());
        }
        for (DmaDevice d : dmaDevices.values()) {
            out.addAll(d.violations());
        }
        for (RangeDmaMapper m : mappers.values()) {
            out.addAll(m.reach().violations());
        }
        return out;
    }

    /** Pages the DMA mappings reach, held, that their process no longer maps there (safe but stale). */
    long stale() {
        return mappers.values().stream().mapToLong(m -> m.reach().stale()).sum();
    }
}
