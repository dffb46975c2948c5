package jhmm.scenario;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jhmm.device.rnic.MemoryRegion;
import jhmm.device.rnic.MrType;
import jhmm.device.rnic.RnicConfig;
import jhmm.device.rnic.RnicContext;
import jhmm.device.rnic.RnicDevice;
import jhmm.device.rnic.RnicOp;
import jhmm.device.rnic.Rnics;
import jhmm.kernel.UserProcess;

/** Runs the RDMA NIC lines: registrations and a remote peer's operations, with the counts of what the NIC and driver did. */
final class RnicExecutor {
    private final World world;
    private final Rnics rnics;
    private final Map<String, RnicDevice> devices = new HashMap<>();
    /** Each NIC's newest open: the context its lines act in. */
    private final Map<String, RnicContext> current = new HashMap<>();
    /** Every context open, newest or not, until its process exits. */
    private final List<RnicContext> open = new ArrayList<>();
    /** Regions by {@code device process mapping}. */
    private final Map<String, MemoryRegion> regions = new HashMap<>();

    RnicExecutor(World world) {
        this.world = world;
        this.rnics = new Rnics(world.machine().memory());
        world.machine().addCoherenceCheck(rnics::violations);
    }

    Result execute(RnicCommand c) {
        return switch (c) {
            case RnicCommand.NewRnic n -> {
                devices.put(n.name(), rnics.add(n.name(), new RnicConfig(n.memlockBytes()),
                        world.devices().dmaSystem().device(n.name(), n.dmaMaskBits(), true)));
                world.showable(n.name(), () -> show(n.name()));
                yield Result.OK;
            }
            case RnicCommand.Open o -> {
                RnicContext ctx = devices.get(o.device()).open(world.process(o.process()).mm());
                current.put(o.device(), ctx);
                open.add(ctx);
                yield Result.OK;
            }
            case RnicCommand.Reg r -> reg(r);
            case RnicCommand.Dereg d -> {
                MemoryRegion mr = regions.remove(key(d.device(), d.target()));
                if (mr == null) {
                    throw new StepFailure("'" + d.device() + "' has no region on " + d.target().mapping() + " (its reg failed, or it was deregistered)");
                }
                yield counted(context(d.device()).deregister(mr));
            }
            case RnicCommand.Data d -> data(d);
            case RnicCommand.Advise a -> {
                MemoryRegion mr = region(a.device(), a.target());
                yield counted(context(a.device()).advise(mr, address(mr, a.target(), a.off()), a.len(), a.advice()));
            }
        };
    }

    private Result reg(RnicCommand.Reg r) {
        String key = key(r.device(), r.target());
        if (regions.containsKey(key)) {
            throw new StepFailure("'" + r.device() + "' already has a region on " + r.target().mapping() + " ('" + r.device()
                    + " dereg " + r.target().mapping() + "' first)");
        }
        Mapping m = world.mapping(r.target());
        RnicOp op = context(r.device()).register(r.type(), m.start(), m.length(), r.writable());
        if (op.ok()) {
            regions.put(key, op.mr());
        }
        return counted(op);
    }

    private Result data(RnicCommand.Data d) {
        MemoryRegion mr = region(d.device(), d.target());
        RnicContext ctx = context(d.device());
        long iova = address(mr, d.target(), d.off());
        long origin = iova - d.off();
        return switch (d.op()) {
            case RDMA_READ -> {
                byte[] bytes = new byte[(int) d.len()];
                RnicOp read = ctx.rdmaRead(mr, iova, d.len(), bytes);
                yield read.ok() ? Result.readWithCounters(bytes, d.off(), read.counts().words()) : Result.error(read.errno());
            }
            case RDMA_WRITE -> counted(ctx.rdmaWrite(mr, iova, d.len(), d.pattern(), origin));
            case SEND -> counted(ctx.send(mr, iova, d.len(), d.pattern(), origin));
        };
    }

    /**
     * {@code show N}: the NIC's RLIMIT_MEMLOCK and, in the context it has open, the process's
     * pinned_vm and each region: its type, access, what it covers and how many of its
     * translation entries are valid (and, pinned, how many of its pages are stale).
     */
    private String show(String name) {
        long memlock = devices.get(name).config().memlockBytes();
        StringBuilder out = new StringBuilder("device " + name + ": rnic, memlock="
                + (memlock == Long.MAX_VALUE ? "unlimited" : SizeWords.format(memlock)));
        RnicContext ctx = current.get(name);
        if (ctx == null) {
            return out.append(", not open\n").toString();
        }
        String process = world.processes().entrySet().stream().filter(e -> e.getValue().mm() == ctx.mm())
                .map(Map.Entry::getKey).findFirst().orElse("?");
        out.append(", open on ").append(process).append(", pinned_vm=").append(SizeWords.format(ctx.mm().pinnedVm() << 12))
                .append('\n');
        String prefix = name + " " + process + " ";
        regions.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).sorted(Map.Entry.comparingByKey()).forEach(e -> {
            MemoryRegion mr = e.getValue();
            out.append("    ").append(e.getKey().substring(prefix.length())).append(": ")
                    .append(mr.type().name().toLowerCase(java.util.Locale.ROOT)).append(mr.writable() ? " rw" : " ro");
            if (mr.type() != MrType.IMPLICIT) {
                out.append(" len=").append(SizeWords.format(mr.length()));
            }
            out.append(", ").append(mr.mappedPages()).append(" pages mapped");
            if (mr.type() == MrType.PINNED) {
                out.append(", ").append(mr.stalePages()).append(" stale");
            }
            out.append('\n');
        });
        return out.toString();
    }

    /** Where OFF of a region lies: from the region's start, or for an implicit one from the mapping's start now. */
    private long address(MemoryRegion mr, Target t, long off) {
        return (mr.type() == MrType.IMPLICIT ? world.mapping(t).start() : mr.start()) + off;
    }

    private static Result counted(RnicOp op) {
        return op.ok() ? Result.counters(op.counts().words()) : Result.error(op.errno());
    }

    private static String key(String device, Target t) {
        return device + " " + t.process() + " " + t.mapping();
    }

    private MemoryRegion region(String device, Target t) {
        MemoryRegion mr = regions.get(key(device, t));
        if (mr == null) {
            throw new StepFailure("'" + device + "' has no region on " + t.mapping() + " (its reg failed, or it was deregistered)");
        }
        return mr;
    }

    private RnicContext context(String device) {
        RnicContext c = current.get(device);
        if (c == null || c.isClosed()) {
            throw new StepFailure("'" + device + "' is not open (its process exited)");
        }
        return c;
    }

    /** A process exited: its files close, so its NIC contexts go with every region they held. */
    void processExited(UserProcess p) {
        open.removeIf(c -> {
            if (c.mm() != p.mm()) {
                return false;
            }
            c.close();
            return true;
        });
        current.values().removeIf(RnicContext::isClosed);
        regions.values().removeIf(mr -> !mr.live());
    }

    /** Pages pinned regions reach that their process no longer maps where they were pinned. */
    long stale() {
        return rnics.stalePinnedPages();
    }
}
