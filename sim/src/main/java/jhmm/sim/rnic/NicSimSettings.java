package jhmm.sim.rnic;

import static jhmm.sim.config.SettingValues.choice;

import com.typesafe.config.Config;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jhmm.base.EnumCounts;
import jhmm.base.PageSize;
import jhmm.device.rnic.MrType;
import jhmm.mm.ThpMode;
import jhmm.sim.cost.CostModel;
import jhmm.sim.cost.NicCostModel;
import jhmm.sim.result.SimSettings;
import jhmm.sim.result.Units;

/**
 * Everything one NIC simulation runs with, read from the configuration: the workload, the
 * buffer and rounds, the memory region's kind and the peer's operations, the costs.
 *
 * @param memlockBytes RLIMIT_MEMLOCK, {@link Long#MAX_VALUE} for unlimited
 */
public record NicSimSettings(NicWorkload workload, long footprint, int rounds, long seed, double cpuTouch, MrType mr,
        boolean prefetch, NicOp op, long message, int qps, double sparseFraction, boolean populate, long memlockBytes,
        ThpMode thp, CostModel cost, NicCostModel nicCost) implements SimSettings {

    /**
     * @throws IllegalArgumentException naming the key, for a value that cannot run
     * @throws com.typesafe.config.ConfigException for a key that is missing or of the wrong type
     */
    public static NicSimSettings from(NicWorkload workload, Config c) {
        Config w = c.getConfig("jhmm.sim.workload");
        Config n = c.getConfig("jhmm.sim.nic");
        long footprint = w.getBytes("footprint");
        if (footprint <= 0 || footprint % PageSize.PMD_SIZE != 0) {
            throw new IllegalArgumentException("jhmm.sim.workload.footprint must be a positive multiple of 2MiB");
        }
        int rounds = w.getInt("iterations");
        if (rounds < 1) {
            throw new IllegalArgumentException("jhmm.sim.workload.iterations must be 1 or more");
        }
        double touch = fraction(w.getDouble("cpu-touch"), "jhmm.sim.workload.cpu-touch");
        long message = n.getBytes("message");
        if (message < 1 || footprint % message != 0) {
            throw new IllegalArgumentException("jhmm.sim.nic.message: " + Units.bytes(message) + " does not divide the footprint "
                    + Units.bytes(footprint));
        }
        int qps = n.getInt("qps");
        if (qps < 1 || qps > 4096) {
            throw new IllegalArgumentException("jhmm.sim.nic.qps: " + qps + " is not between 1 and 4096");
        }
        double sparse = fraction(n.getDouble("sparse-fraction"), "jhmm.sim.nic.sparse-fraction");
        String memlock = n.getString("memlock");
        long memlockBytes = memlock.equals("unlimited") ? Long.MAX_VALUE : n.getBytes("memlock");
        return new NicSimSettings(workload, footprint, rounds, w.getLong("seed"), touch,
                choice(MrType.class, "jhmm.sim.nic.mr", n.getString("mr")), onOff(n.getString("prefetch"), "jhmm.sim.nic.prefetch"),
                choice(NicOp.class, "jhmm.sim.nic.op", n.getString("op")), message, qps, sparse,
                onOff(n.getString("populate"), "jhmm.sim.nic.populate"), memlockBytes,
                choice(ThpMode.class, "jhmm.sim.machine.thp", c.getString("jhmm.sim.machine.thp")), CostModel.from(c),
                NicCostModel.from(c));
    }

    @Override
    public String workloadName() {
        return workload.word();
    }

    @Override
    public String workloadDescription() {
        return workload.description();
    }

    /** The settings a line each: the buffer and rounds, the region, the peer. */
    @Override
    public List<String> setup() {
        return List.of(
                String.format(Locale.ROOT, "buffer   %s%s, %d round%s, seed %d, CPU pages %s", Units.bytes(footprint),
                        populate ? " the process wrote first" : " the NIC touches first", rounds, rounds == 1 ? "" : "s", seed,
                        thp == ThpMode.NEVER ? "4 KiB" : "THP " + EnumCounts.word(thp)),
                String.format(Locale.ROOT, "region   %s%s, RLIMIT_MEMLOCK %s", switch (mr) {
                    case PINNED -> "pinned at registration (pin_user_pages FOLL_LONGTERM, DMA-mapped scatter list)";
                    case ODP -> "explicit ODP over the buffer (nothing pinned; the NIC faults)";
                    case IMPLICIT -> "implicit ODP over the address space (1 GiB children on first touch)";
                }, mr != MrType.PINNED && prefetch ? ", prefetched whole before the first round" : "",
                        memlockBytes == Long.MAX_VALUE ? "unlimited" : Units.bytes(memlockBytes)),
                String.format(Locale.ROOT, "peer     RDMA %s of %s on %d queue pair%s%s", EnumCounts.word(op).toUpperCase(Locale.ROOT),
                        Units.bytes(message), qps, qps == 1 ? "" : "s", workload.sparse()
                                ? String.format(Locale.ROOT, ", %.3g of the messages a round", sparseFraction) : ""));
    }

    /** The settings as a tree for JSON. */
    @Override
    public Map<String, Object> tree() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("footprintBytes", footprint);
        out.put("rounds", rounds);
        out.put("seed", seed);
        out.put("cpuTouch", cpuTouch);
        out.put("mr", EnumCounts.word(mr));
        out.put("prefetch", prefetch);
        out.put("op", EnumCounts.word(op));
        out.put("messageBytes", message);
        out.put("qps", qps);
        out.put("sparseFraction", sparseFraction);
        out.put("populate", populate);
        out.put("memlockBytes", memlockBytes == Long.MAX_VALUE ? "unlimited" : memlockBytes);
        out.put("thp", EnumCounts.word(thp));
        return out;
    }

    /** Messages in the buffer. */
    long messages() {
        return footprint / message;
    }

    private static double fraction(double v, String key) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(key + ": " + v + " is not between 0 and 1");
        }
        return v;
    }

    private static boolean onOff(String v, String key) {
        return switch (v) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException(key + ": \"" + v + "\" is not on or off");
        };
    }
}
