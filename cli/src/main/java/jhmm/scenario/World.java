package jhmm.scenario;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import jhmm.kernel.Machine;
import jhmm.kernel.Process;
import jhmm.mm.FileInode;

/**
 * The running scenario's machine and the names it gave: processes with their mapping tables,
 * and files. Names that parsed can still be missing here when the call that made them failed.
 */
final class World {
    private final Machine machine;
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Map<String, Map<String, Mapping>> mappings = new HashMap<>();
    private final Map<String, FileInode> files = new HashMap<>();
    /** Names whose pages a call on another mapping removed, with that call, for the next use's message. */
    private final Map<Target, String> removedBy = new HashMap<>();
    private final Devices devices;

    World(Machine machine) {
        this.machine = machine;
        this.devices = new Devices(machine);
    }

    Devices devices() {
        return devices;
    }

    Machine machine() {
        return machine;
    }

    /** Adds a process whose mapping table starts as a copy of {@code inherited}. */
    void addProcess(String name, Process p, Map<String, Mapping> inherited) {
        processes.put(name, p);
        mappings.put(name, new HashMap<>(inherited));
    }

    Process process(String name) {
        Process p = processes.get(name);
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
    Map<String, Process> processes() {
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
            String by = removedBy.get(t);
            if (by != null) {
                throw StepFailure.badInput("mapping '" + t.mapping() + "' of process '" + t.process()
                        + "' no longer exists: its pages were all unmapped by '" + by + "'");
            }
            throw new StepFailure("mapping '" + t.mapping() + "' of process '" + t.process()
                    + "' does not exist (its mmap failed, or it was unmapped)");
        }
        return m;
    }

    /**
     * [start, end) of {@code process} was unmapped or replaced by the call {@code by} made on
     * another mapping: every other name whose pages all lay there is forgotten, and its next
     * use says what removed it rather than leaving the reader to guess.
     */
    void rangeRemoved(String process, long start, long end, Target by, String call) {
        Map<String, Mapping> table = mappings.get(process);
        table.entrySet().removeIf(e -> {
            Mapping m = e.getValue();
            boolean gone = !e.getKey().equals(by.mapping()) && m.start() >= start && m.start() + m.length() <= end;
            if (gone) {
                removedBy.put(new Target(process, e.getKey()), by.process() + " " + call + " " + by.mapping());
            }
            return gone;
        });
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
