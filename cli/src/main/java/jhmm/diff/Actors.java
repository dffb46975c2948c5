package jhmm.diff;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The processes, files and mapping names a generated scenario has defined so far, tracked as
 * the parser tracks them, so every line the generator writes names only live things.
 * Insertion-ordered collections keep the generator deterministic for a seed.
 */
final class Actors {
    static final String PARENT = "p";

    private final Map<String, Map<String, MappingShape>> processes = new LinkedHashMap<>();
    private final Map<String, Long> files = new LinkedHashMap<>();
    private final Set<String> mappingNames = new LinkedHashSet<>();
    private int forks;

    Actors() {
        processes.put(PARENT, new LinkedHashMap<>());
    }

    String addFile(long size) {
        String name = "f" + (files.size() + 1);
        files.put(name, size);
        return name;
    }

    Map<String, Long> files() {
        return files;
    }

    List<String> children() {
        return processes.keySet().stream().filter(p -> !p.equals(PARENT)).toList();
    }

    Map<String, MappingShape> mappingsOf(String process) {
        return processes.get(process);
    }

    /** A name for a new mapping of {@code process}: sometimes one it used before and unmapped whole. */
    String mappingName(String process, Dice dice) {
        List<String> free = new ArrayList<>(mappingNames);
        free.removeAll(mappingsOf(process).keySet());
        if (!free.isEmpty() && dice.chance(0.3)) {
            return dice.pick(free);
        }
        String name = "m" + (mappingNames.size() + 1);
        mappingNames.add(name);
        return name;
    }

    void put(String process, String mapping, MappingShape shape) {
        mappingsOf(process).put(mapping, shape);
    }

    void forget(String process, String mapping) {
        mappingsOf(process).remove(mapping);
    }

    int forks() {
        return forks;
    }

    /** The child's name; it inherits every mapping under the same names. */
    String fork(String parent) {
        forks++;
        String child = "c" + forks;
        processes.put(child, new LinkedHashMap<>(mappingsOf(parent)));
        return child;
    }

    void exit(String child) {
        processes.remove(child);
    }
}
