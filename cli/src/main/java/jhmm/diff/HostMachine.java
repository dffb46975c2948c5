package jhmm.diff;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jhmm.kernel.MachineConfig;
import jhmm.mm.ThpMode;

/**
 * The host kernel's settings that change what a CPU-side scenario shows, read from /sys and
 * /proc, and the model's machine set to match them.
 */
public record HostMachine(ThpMode thp, boolean swap, String release) {
    /** The settings of the kernel this JVM runs on. */
    public static HostMachine read() {
        return new HostMachine(thpMode(), hasSwap(), firstLine(Path.of("/proc/sys/kernel/osrelease"), "unknown"));
    }

    /** Why a scenario's machine cannot be compared with this host, or null when it can. */
    String conflict(MachineConfig scenario) {
        if (scenario.swapBytes() > 0 && !swap) {
            return "the scenario has swap, the host has none";
        }
        if (scenario.thp() != MachineConfig.defaults().thp() && scenario.thp() != thp) {
            return "the scenario sets thp=" + scenario.thp().name().toLowerCase() + ", the host has "
                    + thp.name().toLowerCase();
        }
        return null;
    }

    /** The scenario's machine with the host's settings. */
    MachineConfig apply(MachineConfig scenario) {
        return scenario.withThp(thp);
    }

    /** One line for reports: the kernel and its settings. */
    public String describe() {
        return "Linux " + release + ", thp=" + thp.name().toLowerCase() + ", swap " + (swap ? "on" : "off");
    }

    private static ThpMode thpMode() {
        String line = firstLine(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"), "[madvise]");
        int open = line.indexOf('[');
        String word = open < 0 ? "madvise" : line.substring(open + 1, line.indexOf(']', open));
        return ThpMode.valueOf(word.toUpperCase());
    }

    private static boolean hasSwap() {
        try {
            return Files.readAllLines(Path.of("/proc/swaps")).size() > 1;
        } catch (IOException e) {
            return false;
        }
    }

    private static String firstLine(Path file, String fallback) {
        try {
            return Files.readAllLines(file).stream().findFirst().orElse(fallback).strip();
        } catch (IOException e) {
            return fallback;
        }
    }
}
