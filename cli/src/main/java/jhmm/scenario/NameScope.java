package jhmm.scenario;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The names a scenario has defined so far, tracked while parsing so that a reference to an
 * undefined process, device, file or mapping fails at its line before anything runs.
 * Processes and devices share one namespace, since either can start a line.
 */
final class NameScope {
    /** Words that start a line or an expectation themselves, so no actor may take them. */
    private static final Set<String> RESERVED =
            Set.of("machine", "process", "device", "file", "kernel", "expect", "check", "show", "ok", "prot");

    private final Map<String, Set<String>> mappings = new HashMap<>();
    private final Set<String> exited = new HashSet<>();
    /** Device name to the process that opened it ("" while not opened). */
    private final Map<String, String> devices = new HashMap<>();
    private final Set<String> files = new HashSet<>();

    void addProcess(Words at, String name) {
        requireNewActor(at, name);
        mappings.put(name, new HashSet<>());
    }

    void addDevice(Words at, String name) {
        requireNewActor(at, name);
        devices.put(name, "");
    }

    void addFile(Words at, String name) {
        if (files.contains(name)) {
            throw at.error("file '" + name + "' is already defined");
        }
        files.add(name);
    }

    private void requireNewActor(Words at, String name) {
        if (RESERVED.contains(name)) {
            throw at.error("'" + name + "' is a reserved word and cannot name a process or device");
        }
        if (isProcess(name) || isDevice(name)) {
            throw at.error("name '" + name + "' is already used by a " + (isProcess(name) ? "process" : "device"));
        }
    }

    boolean isProcess(String name) {
        return mappings.containsKey(name);
    }

    boolean isDevice(String name) {
        return devices.containsKey(name);
    }

    /** Fails unless {@code name} is a live process. */
    void requireProcess(Words at, String name) {
        if (!isProcess(name)) {
            throw at.error("undefined process '" + name + "' (define it with 'process " + name + "')");
        }
        if (exited.contains(name)) {
            throw at.error("process '" + name + "' has exited");
        }
    }

    void requireFile(Words at, String name) {
        if (!files.contains(name)) {
            throw at.error("undefined file '" + name + "' (define it with 'file " + name + " SIZE')");
        }
    }

    /**
     * A name may be mmapped again: the first mmap may have failed at run time, which only the
     * runner knows, so it refuses a name that still names a live mapping.
     */
    void addMapping(Target t) {
        mappings.get(t.process()).add(t.mapping());
    }

    void requireMapping(Words at, Target t) {
        if (!mappings.get(t.process()).contains(t.mapping())) {
            throw at.error("undefined mapping '" + t.mapping() + "' in process '" + t.process() + "'");
        }
    }

    void forgetMapping(Target t) {
        mappings.get(t.process()).remove(t.mapping());
    }

    /** The child inherits every mapping under the same name. */
    void fork(Words at, String parent, String child) {
        addProcess(at, child);
        mappings.get(child).addAll(mappings.get(parent));
    }

    void exit(String process) {
        exited.add(process);
        mappings.get(process).clear();
    }

    void open(String device, String process) {
        devices.put(device, process);
    }

    /** Fails unless {@code device} exists and was last opened by {@code process}. */
    void requireOpenedBy(Words at, String device, String process) {
        if (!isDevice(device)) {
            throw at.error("undefined device '" + device + "' (define it with 'device " + device + " dmirror')");
        }
        if (!process.equals(devices.get(device))) {
            throw at.error("device '" + device + "' is not open in process '" + process + "' (add '" + device + " open "
                    + process + "' first)");
        }
    }

    /** The process {@code device} mirrors; fails when it has not been opened. */
    String openedBy(Words at, String device) {
        String process = devices.get(device);
        if (process.isEmpty()) {
            throw at.error("device '" + device + "' is not open (add '" + device + " open P' first)");
        }
        requireProcess(at, process);
        return process;
    }
}
