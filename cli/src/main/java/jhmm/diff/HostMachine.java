package jhmm.diff;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import jhmm.kernel.MachineConfig;
import jhmm.perf.host.HostSettings;
import jhmm.scenario.ScenarioParser;

/**
 * The host kernel's settings that change what a CPU-side scenario shows (THP mode, defrag,
 * zero pages, fault-around, shmem THP, swap, version-dependent behaviour), as a machine
 * configuration: the model runs each scenario set as the host is.
 */
public record HostMachine(HostSettings settings, MachineConfig config) {
    /** The settings of the kernel this JVM runs on. */
    public static HostMachine read() {
        HostSettings s = HostSettings.read();
        return new HostMachine(s, ScenarioParser.parse("host settings", "machine " + s.machineOptions()).machine());
    }

    /** The settings the host decides, each read from a machine configuration. */
    private static final List<Setting> SETTINGS = List.of(
            new Setting("thp", c -> c.thp().name().toLowerCase()),
            new Setting("thp-defrag", MachineConfig::thpDefrag),
            new Setting("thp-zero-page", MachineConfig::thpZeroPage),
            new Setting("max-ptes-none", MachineConfig::maxPtesNone),
            new Setting("shmem-thp", MachineConfig::shmemThp),
            new Setting("fault-around", MachineConfig::faultAroundBytes),
            new Setting("swap", MachineConfig::swapBytes),
            new Setting("thp-split-zero", MachineConfig::thpSplitZero));

    private record Setting(String name, Function<MachineConfig, Object> value) {}

    /**
     * Why a scenario's machine cannot be compared with this host (it sets one of the host's
     * settings to another value than the host has), or null when it can.
     */
    String conflict(MachineConfig scenario) {
        MachineConfig defaults = MachineConfig.defaults();
        List<String> differ = new ArrayList<>();
        for (Setting s : SETTINGS) {
            Object asked = s.value().apply(scenario);
            Object host = s.value().apply(config);
            if (!Objects.equals(asked, s.value().apply(defaults)) && !Objects.equals(asked, host)) {
                differ.add(s.name() + "=" + asked + " (the host has " + host + ")");
            }
        }
        return differ.isEmpty() ? null : "the scenario sets " + String.join(", ", differ);
    }

    /** The scenario's machine (its RAM, pools, IOMMU) with the host's settings. */
    MachineConfig apply(MachineConfig scenario) {
        return new MachineConfig(scenario.ramBytes(), config.thp(), scenario.hugetlb2m(), scenario.hugetlb1g(),
                config.swapBytes(), scenario.iommu(), config.thpDefrag(), config.thpZeroPage(), config.maxPtesNone(),
                config.shmemThp(), config.faultAroundBytes(), config.thpSplitZero());
    }

    /** One line for reports: the kernel and its settings. */
    public String describe() {
        return settings.describe();
    }

    /** The THP mode, for callers that only need it. */
    public jhmm.mm.ThpMode thp() {
        return config.thp();
    }
}
