package jhmm.scenario;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jhmm.device.dmirror.Dmirror;
import jhmm.device.dmirror.DmirrorDevice;
import jhmm.kernel.Machine;
import jhmm.kernel.Process;

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

    Devices(Machine machine) {
        machine.addCoherenceCheck(this::staleEntries);
    }

    void add(String name, DmirrorDevice device) {
        devices.put(name, device);
    }

    DmirrorDevice device(String name) {
        DmirrorDevice d = devices.get(name);
        if (d == null) {
            throw new StepFailure("device '" + name + "' does not exist");
        }
        return d;
    }

    void open(String device, String processName, Process p) {
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

    /** A process exits: its files close, so its mirrors go. */
    void processExited(Process p) {
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
        return out;
    }
}
