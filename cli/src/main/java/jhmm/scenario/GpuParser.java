package jhmm.scenario;

import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import jhmm.device.gpu.GpuAccess;
import jhmm.device.gpu.GpuConfig;
import jhmm.device.gpu.GpuPolicy;
import jhmm.device.gpu.Preferred;
import jhmm.device.gpu.ReplayPolicy;

/** {@code device NAME gpu ...} and the lines that start with a GPU's name. */
final class GpuParser {
    private static final Form<GpuPolicy> POLICY = Form.words("POLICY", GpuPolicy.values());
    private static final Form<ReplayPolicy> REPLAY = Form.words("REPLAY", ReplayPolicy.values());
    private static final Form<GpuAccess> ACCESS = Form.words("ACCESS", GpuAccess.values());
    private static final Form<Preferred> PREFERRED = Form.words("WHERE", Preferred.values());
    private static final Form<Boolean> ON_OFF = Form.oneOf("on|off", Map.of("on", true, "off", false));
    private static final Form<long[]> CHUNKS = new Form<>("SIZES", GpuParser::sizes, "sizes joined by commas, e.g. 2M,64K,4K", false);
    /** Warps a kernel may have: enough for any scenario, few enough to keep a run small. */
    private static final long MAX_WARPS = 1 << 16;
    private static final Map<String, Form<?>> OPTIONS = Map.ofEntries(
            Map.entry("policy", POLICY), Map.entry("vram", Form.SIZE), Map.entry("chunks", CHUNKS),
            Map.entry("notifier", Form.SIZE), Map.entry("batch", Form.COUNT), Map.entry("buffer", Form.COUNT),
            Map.entry("replay", REPLAY), Map.entry("prefetch", ON_OFF), Map.entry("threshold", Form.COUNT),
            Map.entry("migrate", ON_OFF), Map.entry("evict", ON_OFF), Map.entry("thrashing", ON_OFF),
            Map.entry("dma-mask", Form.COUNT));

    private final NameScope names;
    private final Set<String> gpus = new HashSet<>();

    GpuParser(NameScope names) {
        this.names = names;
    }

    boolean isGpu(String device) {
        return gpus.contains(device);
    }

    /** The rest of {@code device NAME gpu ...}, on a machine of {@code ramBytes}. */
    GpuCommand.NewGpu define(Words w, String name, long ramBytes) {
        Options o = w.options(OPTIONS, Set.of());
        GpuConfig d = GpuConfig.of(o.get("policy", POLICY).orElse(GpuPolicy.NVIDIA));
        GpuConfig c = new GpuConfig(
                o.get("vram", Form.SIZE).orElse(d.vramBytes()),
                o.get("chunks", CHUNKS).orElse(d.chunks()),
                o.get("notifier", Form.SIZE).orElse(d.notifierBytes()),
                (int) atMost(w, "batch", o.get("batch", Form.COUNT).orElse((long) d.batch()), 1 << 20),
                (int) atMost(w, "buffer", o.get("buffer", Form.COUNT).orElse((long) d.bufferEntries()), 1 << 20),
                o.get("replay", REPLAY).orElse(d.replay()),
                o.get("prefetch", ON_OFF).orElse(d.prefetch()),
                (int) atMost(w, "threshold", o.get("threshold", Form.COUNT).orElse((long) d.prefetchThreshold()), 100),
                o.get("migrate", ON_OFF).orElse(d.migrateOnFault()),
                o.get("evict", ON_OFF).orElse(d.evict()),
                o.get("thrashing", ON_OFF).orElse(d.thrashing()),
                d.thrashThreshold(), d.pinThreshold());
        String problem = c.problem();
        if (problem != null) {
            throw w.error(problem);
        }
        int mask = DeviceParser.dmaMask(w, o);
        DeviceParser.requireRoom(w, "vram", c.vramBytes(), ramBytes);
        names.addDevice(w, name);
        gpus.add(name);
        return new GpuCommand.NewGpu(name, c, mask);
    }

    Command parse(Words w, String device) {
        String verb = w.take("a GPU action");
        Command c = switch (verb) {
            case "open" -> new GpuCommand.Open(device, CommonArgs.openIn(w, names, device));
            case "access" -> access(w, device);
            case "prefetch" -> new GpuCommand.Prefetch(device, mapping(w, device), w.take(CommonArgs.OFF), length(w));
            case "advise" -> advise(w, device);
            default -> throw w.unknownWord(verb, device, "open, access, prefetch or advise");
        };
        w.end();
        return c;
    }

    private GpuCommand.Access access(Words w, String device) {
        Target t = mapping(w, device);
        long off = w.take(CommonArgs.OFF);
        long len = length(w);
        GpuAccess kind = w.take(ACCESS);
        long warps = w.options(Map.of("warps", Form.COUNT), Set.of()).get("warps", Form.COUNT).orElse(1L);
        if (warps < 1 || warps > MAX_WARPS) {
            throw w.error("warps= must be 1 to " + MAX_WARPS);
        }
        return new GpuCommand.Access(device, t, off, len, kind, (int) warps);
    }

    private GpuCommand.Advise advise(Words w, String device) {
        Target t = mapping(w, device);
        Options o = w.options(Map.of("preferred", PREFERRED, "off", Form.SIZE, "len", Form.SIZE), Set.of());
        Preferred where = o.get("preferred", PREFERRED).orElseThrow(() -> w.error("advise needs preferred=vram|sys"));
        return new GpuCommand.Advise(device, t, new Range(o.get("off", Form.SIZE).orElse(0L), CommonArgs.optional(o, "len")), where);
    }

    private static long length(Words w) {
        long len = w.take(CommonArgs.LEN);
        if (len == 0 || len > Integer.MAX_VALUE) {
            throw w.error("LEN must be 1 byte to 2G");
        }
        return len;
    }

    private Target mapping(Words w, String device) {
        return CommonArgs.mapping(w, names, names.openedBy(w, device));
    }

    private static long atMost(Words w, String key, long n, long max) {
        if (n > max) {
            throw w.error(key + "=" + n + " is too large (at most " + max + ")");
        }
        return n;
    }

    private static Optional<long[]> sizes(String word) {
        String[] parts = word.split(",", -1);
        long[] out = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            OptionalLong s = Literals.size(parts[i]);
            if (s.isEmpty()) {
                return Optional.empty();
            }
            out[i] = s.getAsLong();
        }
        return Optional.of(out);
    }
}
