package jhmm.sim.gpu;

import static jhmm.sim.config.SettingValues.choice;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jhmm.base.EnumCounts;
import jhmm.device.gpu.GpuConfig;
import jhmm.device.gpu.GpuPolicy;
import jhmm.device.gpu.ReplayPolicy;
import jhmm.mm.ThpMode;
import jhmm.sim.cost.CostModel;
import jhmm.sim.result.SimSettings;
import jhmm.sim.result.Units;
import jhmm.sim.workload.AccessSource;
import jhmm.sim.workload.Trace;
import jhmm.sim.workload.Workload;
import jhmm.sim.workload.WorkloadSpec;

/**
 * Everything one simulation runs with, read from the configuration (reference.conf with the
 * user's overrides): the workload and its settings, the GPU's knobs (a driver preset with the
 * keys that override it), the CPU side and the costs.
 */
public record GpuSimSettings(AccessSource source, WorkloadSpec spec, boolean pinUpFront, GpuPolicy policy, GpuConfig gpu,
        ThpMode thp, CostModel cost) implements SimSettings {

    private static final long M2 = GpuConfig.M2;

    @Override
    public String workloadName() {
        return source.name();
    }

    @Override
    public String workloadDescription() {
        return source.description();
    }

    /** The settings a line each: the buffer and kernels, the GPU, the driver's knobs. */
    @Override
    public List<String> setup() {
        long vram = gpu.vramBytes();
        long fp = spec.footprint();
        String fit = vram >= fp ? "the buffer fits"
                : String.format(Locale.ROOT, "oversubscribed: the buffer is %.0f %% of it", 100.0 * fp / vram);
        return List.of(
                String.format(Locale.ROOT, "buffer   %s, %d kernel%s of %d warps, seed %d, CPU pages %s", Units.bytes(fp),
                        spec.iterations(), spec.iterations() == 1 ? "" : "s", spec.warps(), spec.seed(),
                        thp == ThpMode.NEVER ? "4 KiB" : "THP " + EnumCounts.word(thp)),
                String.format(Locale.ROOT, "GPU      %s, VRAM %s (%s), PCIe Gen%d", pinUpFront
                        ? "pins the buffer and DMA-maps it up front (mode pin)" : "mirrors the buffer (mode mirror)",
                        Units.bytes(vram), fit, cost.linkGeneration()),
                String.format(Locale.ROOT, "driver   policy %s: chunks %s, prefetch %s, batch %d, replay %s, thrashing %s,"
                                + " migrate on fault %s", EnumCounts.word(policy), chunks(gpu.chunks()), onOffWord(gpu.prefetch()),
                        gpu.batch(), EnumCounts.word(gpu.replay()), onOffWord(gpu.thrashing()), onOffWord(gpu.migrateOnFault())));
    }

    /** The settings as a tree for JSON. */
    @Override
    public Map<String, Object> tree() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("footprintBytes", spec.footprint());
        out.put("iterations", spec.iterations());
        out.put("warps", spec.warps());
        out.put("seed", spec.seed());
        out.put("mode", pinUpFront ? "pin" : "mirror");
        out.put("vramBytes", gpu.vramBytes());
        out.put("policy", EnumCounts.word(policy));
        out.put("chunks", gpu.chunks());
        out.put("prefetch", gpu.prefetch());
        out.put("batch", gpu.batch());
        out.put("replay", EnumCounts.word(gpu.replay()));
        out.put("thrashing", gpu.thrashing());
        out.put("migrateOnFault", gpu.migrateOnFault());
        out.put("thp", EnumCounts.word(thp));
        out.put("linkGeneration", cost.linkGeneration());
        return out;
    }

    private static String onOffWord(boolean on) {
        return on ? "on" : "off";
    }

    private static String chunks(long[] c) {
        List<String> out = new ArrayList<>();
        for (long v : c) {
            out.add(v >= 1 << 20 ? (v >> 20) + "M" : (v >> 10) + "K");
        }
        return String.join(",", out);
    }

    /**
     * @throws IllegalArgumentException naming the key, for a value that cannot run
     * @throws ConfigException for a key that is missing or of the wrong type
     */
    public static GpuSimSettings from(Workload workload, Config c) {
        Config w = c.getConfig("jhmm.sim.workload");
        WorkloadSpec spec = spec(w, w.getBytes("footprint"), w.getInt("iterations"), w.getInt("warps"));
        return from(workload.source(spec), spec, c);
    }

    /** A recorded trace's settings: its footprint, kernels and warps; the rest from {@code c}. */
    public static GpuSimSettings from(Trace trace, Config c) {
        WorkloadSpec spec = spec(c.getConfig("jhmm.sim.workload"), trace.footprint(), trace.kernels(), trace.warps());
        return from(trace, spec, c);
    }

    private static WorkloadSpec spec(Config w, long footprint, int iterations, int warps) {
        return new WorkloadSpec(footprint, iterations, warps, w.getLong("seed"), w.getBytes("stride"), w.getDouble("zipf-exponent"),
                w.getDouble("access-fraction"), w.getDouble("cpu-touch"));
    }

    private static GpuSimSettings from(AccessSource source, WorkloadSpec spec, Config c) {
        String problem = spec.problem();
        if (problem != null) {
            throw new IllegalArgumentException("jhmm.sim.workload: " + problem);
        }
        Config g = c.getConfig("jhmm.sim.gpu");
        GpuPolicy policy = choice(GpuPolicy.class, "jhmm.sim.gpu.policy", g.getString("policy"));
        GpuConfig p = GpuConfig.of(policy);
        GpuConfig gpu = new GpuConfig(vram(g, spec.footprint()), knob(g, "chunks", p.chunks(), GpuSimSettings::sizes),
                p.notifierBytes(),
                knob(g, "batch", p.batch(), Integer::parseInt), p.bufferEntries(),
                knob(g, "replay", p.replay(), v -> choice(ReplayPolicy.class, "jhmm.sim.gpu.replay", v)),
                knob(g, "prefetch", p.prefetch(), GpuSimSettings::onOff),
                knob(g, "prefetch-threshold", p.prefetchThreshold(), Integer::parseInt),
                knob(g, "migrate-on-fault", p.migrateOnFault(), GpuSimSettings::onOff), p.evict(),
                knob(g, "thrashing", p.thrashing(), GpuSimSettings::onOff), p.thrashThreshold(), p.pinThreshold());
        String bad = gpu.problem();
        if (bad != null) {
            throw new IllegalArgumentException("jhmm.sim.gpu: " + bad);
        }
        ThpMode thp = choice(ThpMode.class, "jhmm.sim.machine.thp", c.getString("jhmm.sim.machine.thp"));
        boolean pin = switch (g.getString("mode")) {
            case "mirror" -> false;
            case "pin" -> true;
            default -> throw new IllegalArgumentException("jhmm.sim.gpu.mode: \"" + g.getString("mode") + "\" is not mirror or pin");
        };
        return new GpuSimSettings(source, spec, pin, policy, gpu, thp, CostModel.from(c));
    }

    private static long vram(Config g, long footprint) {
        int over = g.getInt("oversubscription");
        if (over < 0) {
            throw new IllegalArgumentException("jhmm.sim.gpu.oversubscription: " + over + " is below 0");
        }
        if (over > 0) {
            return Math.max(M2, footprint * 100 / over / M2 * M2);
        }
        String v = g.getString("vram");
        long bytes = v.equals("fit") ? footprint : g.getBytes("vram");
        return (bytes + M2 - 1) / M2 * M2;
    }

    private static <T> T knob(Config g, String key, T preset, java.util.function.Function<String, T> parse) {
        String v = g.getString(key);
        if (v.equals("preset")) {
            return preset;
        }
        try {
            return parse.apply(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("jhmm.sim.gpu." + key + ": \"" + v + "\" is not a number or preset");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().startsWith("jhmm.") ? e.getMessage() : "jhmm.sim.gpu." + key + ": " + e.getMessage());
        }
    }

    /** A list of sizes, largest first: {@code 2M,64K,4K}. */
    private static long[] sizes(String v) {
        String[] parts = v.split(",");
        long[] out = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String t = parts[i].trim().toUpperCase(Locale.ROOT);
            long unit = t.endsWith("K") ? 1L << 10 : t.endsWith("M") ? 1L << 20 : 0;
            if (unit == 0) {
                throw new IllegalArgumentException("\"" + v + "\" is not a list of sizes such as 2M,64K,4K");
            }
            out[i] = Long.parseLong(t.substring(0, t.length() - 1)) * unit;
        }
        return out;
    }

    private static boolean onOff(String v) {
        return switch (v) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException("\"" + v + "\" is not on, off or preset");
        };
    }
}
