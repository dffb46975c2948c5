package jhmm.scenario;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import jhmm.kernel.Machine;
import jhmm.kernel.UserProcess;
import jhmm.mm.FileInode;

/**
 * The running scenario's machine and the names it gave: processes with their mapping tables,
 * and files. Names that parsed can still be missing here when the call that made them failed.
 */
final class World {
    private final Machine machine;
    private final Map<String, UserProcess> processes = new LinkedHashMap<>();
    private final Map<String, Map<String, Mapping>> mappings = new HashMap<>();
    private final Map<String, FileInode> files = new HashMap<>();
    /** Names whose pages a call on another mapping removed, with that call, for the next use's message. */
    private final Map<Target, String> removedBy = new HashMap<>();
    private final Devices devices;

    World(Machine machine) {
        this.machine = machine;
        this.devices = new Devices(machine);
    }

    /** Devices other than dmirrors that {@code show} can print: their names and what they print. */
    private final Map<String, java.util.function.Supplier<String>> shown = new java.util.HashMap<>();

    void showable(String device, java.util.function.Supplier<String> text) {
        shown.put(device, text);
    }

    /** What {@code show DEVICE} prints for a device that registered itself, if it did. */
    java.util.Optional<String> showText(String device) {
        return java.util.Optional.ofNullable(shown.get(device)).map(java.util.function.Supplier::get);
    }

    Devices devices() {
        return devices;
    }

    Machine machine() {
        return machine;
    }

    /** Adds a process whose mapping table starts as a copy of {@code inherited}. */
    void addProcess(String name, UserProcess p, Map<String, Mapping> inherited) {
        processes.put(name, p);
        mappings.put(name, new HashMap<>(inherited));
    }

    UserProcess process(String name) {
        UserProcess p = processes.get(name);
        if (p == null) {
            throw new StepFailure("process '" + name + "' does not exist (the fork that made it failed)");
        }
        return p;
    }

    Map<String, Mapping> mappingsOf(String process) {
        process(process);
        return Map.copyOf(mappings.get(process));
    }

    /** The processes in the order they were made, exited ones included. */
    Map<String, UserProcess> processes() {
        return java.util.Collections.unmodifiableMap(processes);
    }

    /** The mapping table of {@code process} as it stands, or an empty one for a name never made. */
    Map<String, Mapping> liveMappingsOf(String process) {
        return mappings.getOrDefault(process, Map.of());
    }

    Mapping mapping(Target t) {
        process(t.process());
        Mapping m = mappings.get(t.process()).get(t.mapping());
        if (m == null) {
            throw new StepFailure("mapping '" + t.mapping() + "' of process '" + t.process()
                    + "' does not exist (its mmap failed, or it was unmapped)");
        }
        return m;
    }

    /**
     * [start, end) of {@code process} was unmapped or replaced by {@code call} on another
     * mapping: every other name whose pages all lay there keeps its place (a call on it gets
     * the errno the kernel gives for an unmapped range), and is noted, so that a failure of
     * its next use can say what removed its pages.
     */
    void rangeRemoved(String process, long start, long end, Target on, String call) {
        mappings.get(process).forEach((name, m) -> {
            if (!name.equals(on.mapping()) && m.start() >= start && m.start() + m.length() <= end) {
                removedBy.put(new Target(process, name), on.process() + " " + call + " " + on.mapping());
            }
        });
    }

    /** Why {@code t} has no pages when another call removed them all: a note for a failure's message, or "". */
    String removedNote(Target t) {
        String by = removedBy.get(t);
        return by == null ? "" : " (mapping '" + t.mapping() + "' has no pages: '" + by + "' unmapped them all)";
    }

    /** Fails, as bad input, when {@code t} still names a mapping: mmap under a live name would lose it. */
    void requireUnused(Target t) {
        process(t.process());
        if (mappings.get(t.process()).containsKey(t.mapping())) {
            throw StepFailure.badInput("mapping '" + t.mapping() + "' of process '" + t.process()
                    + "' already exists (munmap it first, or use another name)");
        }
    }

    void putMapping(Target t, Mapping m) {
        removedBy.remove(t);
        mappings.get(t.process()).put(t.mapping(), m);
    }

    void forgetMapping(Target t) {
        mappings.get(t.process()).remove(t.mapping());
    }

    void addFile(String name, FileInode inode) {
        files.put(name, inode);
    }

    FileInode file(String name) {
        FileInode f = files.get(name);
        if (f == null) {
            throw new StepFailure("file '" + name + "' does not exist (creating it failed)");
        }
        return f;
    }
}
