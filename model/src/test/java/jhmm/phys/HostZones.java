package jhmm.phys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The host kernel's zones as /proc/zoneinfo shows them: each zone's numbers (min, low, high,
 * managed) and its first CPU's page-list numbers (batch, high_min, high_max), with how many CPUs
 * have a list. Zones without pages are left out.
 */
record HostZones(List<Zone> zones) {
    record Zone(String name, Map<String, Long> values, int cpus) {
        long get(String key) {
            Long v = values.get(key);
            if (v == null) {
                throw new IllegalStateException("zone " + name + " has no " + key + " in /proc/zoneinfo");
            }
            return v;
        }
    }

    static final Path ZONEINFO = Path.of("/proc/zoneinfo");

    static HostZones read() throws IOException {
        List<Zone> zones = new ArrayList<>();
        String name = null;
        Map<String, Long> values = null;
        int cpus = 0;
        for (String line : Files.readAllLines(ZONEINFO)) {
            String t = line.strip();
            if (t.startsWith("Node ")) {
                add(zones, name, values, cpus);
                name = t.substring(t.indexOf("zone") + 4).strip();
                values = new HashMap<>();
                cpus = 0;
                continue;
            }
            if (values == null) {
                continue;
            }
            if (t.startsWith("cpu:")) {
                cpus++;
                continue;
            }
            String[] w = t.replace(":", " ").split("\\s+");
            if (w.length == 2 && w[1].matches("\\d+") && cpus <= 1) {
                values.putIfAbsent(cpus == 0 ? w[0] : "pcp." + w[0], Long.parseLong(w[1]));
            }
        }
        add(zones, name, values, cpus);
        return new HostZones(zones);
    }

    private static void add(List<Zone> zones, String name, Map<String, Long> values, int cpus) {
        if (name != null && values.getOrDefault("managed", 0L) > 0 && cpus > 0) {
            zones.add(new Zone(name, values, cpus));
        }
    }
}
