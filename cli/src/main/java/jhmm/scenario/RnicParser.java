package jhmm.scenario;

import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import jhmm.base.Pattern;
import jhmm.device.rnic.Advice;
import jhmm.device.rnic.MrType;
import jhmm.device.rnic.RnicConfig;

/** {@code device NAME rnic ...} and the lines that start with a NIC's name. */
final class RnicParser {
    private static final Form<MrType> TYPE = Form.words("TYPE", MrType.values());
    private static final Form<Advice> ADVICE = Form.words("ADVICE", Advice.values());
    private static final Form<Long> MEMLOCK = new Form<>("SIZE|unlimited",
            w -> w.equals("unlimited") ? Optional.of(Long.MAX_VALUE) : Form.SIZE.read(w), "a size or unlimited", false);
    /** The largest RDMA message (2^31 bytes). */
    private static final long MAX_MESSAGE = 1L << 31;
    /** An rdma-read's data is held in memory, as a P read's is. */
    private static final long MAX_READ = 256L << 20;
    /** The default data of a remote peer's write or send. */
    static final Pattern DEFAULT_DATA = Pattern.negI32();

    private final NameScope names;
    private final Set<String> nics = new HashSet<>();
    /** Regions registered so far, as {@code device process mapping}: a region outlives its mapping's name. */
    private final Set<String> regions = new HashSet<>();

    RnicParser(NameScope names) {
        this.names = names;
    }

    boolean isRnic(String device) {
        return nics.contains(device);
    }

    /** The rest of {@code device NAME rnic ...}. */
    RnicCommand.NewRnic define(Words w, String name) {
        Options o = w.options(Map.of("memlock", MEMLOCK, "dma-mask", Form.COUNT), Set.of());
        int mask = DeviceParser.dmaMask(w, o);
        names.addDevice(w, name);
        nics.add(name);
        return new RnicCommand.NewRnic(name, o.get("memlock", MEMLOCK).orElse(RnicConfig.DEFAULT_MEMLOCK), mask);
    }

    Command parse(Words w, String device) {
        String verb = w.take("an RDMA action");
        Command c = switch (verb) {
            case "open" -> new RnicCommand.Open(device, CommonArgs.openIn(w, names, device));
            case "reg" -> reg(w, device);
            case "dereg" -> new RnicCommand.Dereg(device, region(w, device));
            case "rdma-read" -> data(w, device, RnicCommand.DataOp.RDMA_READ);
            case "rdma-write" -> data(w, device, RnicCommand.DataOp.RDMA_WRITE);
            case "send" -> data(w, device, RnicCommand.DataOp.SEND);
            case "advise" -> {
                Target t = region(w, device);
                long off = w.take(CommonArgs.OFF);
                long len = length(w, MAX_MESSAGE);
                Advice advice = w.hasMore() ? w.take(ADVICE) : Advice.PREFETCH;
                yield new RnicCommand.Advise(device, t, off, len, advice);
            }
            default -> throw w.unknownWord(verb, device, "open, reg, dereg, rdma-read, rdma-write, send or advise");
        };
        w.end();
        return c;
    }

    private RnicCommand.Reg reg(Words w, String device) {
        Target t = CommonArgs.mapping(w, names, names.openedBy(w, device));
        MrType type = w.hasMore() && !w.peek().equals("readonly") ? w.take(TYPE) : MrType.PINNED;
        boolean readonly = w.options(Map.of(), Set.of("readonly")).flag("readonly");
        regions.add(device + " " + t.process() + " " + t.mapping());
        return new RnicCommand.Reg(device, t, type, !readonly);
    }

    private RnicCommand.Data data(Words w, String device, RnicCommand.DataOp op) {
        Target t = region(w, device);
        long off = w.take(CommonArgs.OFF);
        long len = length(w, op == RnicCommand.DataOp.RDMA_READ ? MAX_READ : MAX_MESSAGE);
        Pattern p = op != RnicCommand.DataOp.RDMA_READ && w.hasMore() ? w.take(Form.PATTERN) : DEFAULT_DATA;
        return new RnicCommand.Data(device, t, op, off, len, p);
    }

    /** A region the device registered in the process it is open in, named by the mapping it was registered on. */
    private Target region(Words w, String device) {
        String process = names.openedBy(w, device);
        Target t = new Target(process, w.take(CommonArgs.MAPPING));
        if (!regions.contains(device + " " + process + " " + t.mapping())) {
            throw w.error("'" + device + "' has registered no region on mapping '" + t.mapping() + "' of process '" + process
                    + "' (add '" + device + " reg " + t.mapping() + "' first)");
        }
        return t;
    }

    private static long length(Words w, long max) {
        long len = w.take(CommonArgs.LEN);
        if (len == 0 || len > max) {
            throw w.error("LEN must be 1 byte to " + jhmm.base.ByteSize.format(max));
        }
        return len;
    }
}
