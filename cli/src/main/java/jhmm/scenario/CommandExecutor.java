package jhmm.scenario;

import java.util.List;
import java.util.Map;
import jhmm.base.ErrnoException;
import jhmm.base.PageSize;
import jhmm.kernel.Machine;
import jhmm.kernel.UserProcess;
import jhmm.mm.FileInode;
import jhmm.mm.Mman;
import jhmm.scenario.Command.CheckInvariants;
import jhmm.scenario.Command.Compact;
import jhmm.scenario.Command.Exit;
import jhmm.scenario.Command.Fork;
import jhmm.scenario.Command.Madvise;
import jhmm.scenario.Command.Migrate;
import jhmm.scenario.Command.Mmap;
import jhmm.scenario.Command.Mprotect;
import jhmm.scenario.Command.Mremap;
import jhmm.scenario.Command.Munmap;
import jhmm.scenario.Command.NewFile;
import jhmm.scenario.Command.NewProcess;
import jhmm.scenario.Command.Read;
import jhmm.scenario.Command.SplitThp;
import jhmm.scenario.Command.Swapout;
import jhmm.scenario.Command.Write;

/** Carries out one command against the model and turns what the model returned into a {@link Result}. */
final class CommandExecutor {
    private final World world;
    private final Machine machine;
    private final DeviceExecutor devices;
    private final GupExecutor gup;
    private final GpuExecutor gpus;
    private final RnicExecutor rnics;
    private final Shows shows;

    /** {@code transcript} receives what {@code show} commands print. */
    CommandExecutor(World world, Transcript transcript) {
        this.world = world;
        this.machine = world.machine();
        this.devices = new DeviceExecutor(world);
        this.gup = new GupExecutor(world);
        this.gpus = new GpuExecutor(world);
        this.rnics = new RnicExecutor(world);
        this.shows = new Shows(world, transcript);
    }

    Result execute(Command command) {
        try {
            return dispatch(command);
        } catch (ErrnoException refused) {
            // The few model calls that return objects refuse with an exception instead of -errno.
            return Result.error(refused.errno());
        }
    }

    private Result dispatch(Command command) {
        return switch (command) {
            case NewProcess n -> {
                world.addProcess(n.name(), machine.createProcess(n.name()), Map.of());
                yield Result.OK;
            }
            case NewFile f -> {
                world.addFile(f.name(), machine.createFile(f.name(), f.size(), f.contents(), true, f.writeChunk()));
                yield Result.OK;
            }
            case Mmap m -> mmap(m);
            case Munmap u -> munmap(u);
            case Mprotect m -> onRange(m.target(), m.range(), (p, addr, len) -> p.mprotect(addr, len, m.prot()));
            case Madvise m -> onRange(m.target(), m.range(), (p, addr, len) -> p.madvise(addr, len, m.advice().value()));
            case Mremap r -> mremap(r);
            case Write w -> {
                Mapping m = world.mapping(w.target());
                yield Result.ofReturn(process(w.target()).write(m.start() + w.off(), w.len(), w.pattern(), m.start()));
            }
            case Read r -> read(r);
            case Fork f -> {
                UserProcess child = world.process(f.parent()).fork(f.child());
                world.addProcess(f.child(), child, world.mappingsOf(f.parent()));
                yield Result.OK;
            }
            case Exit e -> {
                UserProcess p = world.process(e.process());
                world.devices().processExited(p);
                p.exit();
                rnics.processExited(p); // exit_mm comes before the files close
                yield Result.OK;
            }
            case Migrate m -> onRange(m.target(), m.range(), (p, addr, len) -> machine.migrate(p, addr, len));
            case Swapout s -> onRange(s.target(), s.range(), (p, addr, len) -> machine.swapout(p, addr, len));
            case SplitThp s -> Result.ofReturn(
                    machine.splitThp(process(s.target()), world.mapping(s.target()).start() + s.off()));
            case Compact c -> Result.counters(Map.of("moved", machine.compact()));
            case CheckInvariants c -> checkInvariants();
            case Command.Gup g -> gup.gup(g);
            case Command.Unpin u -> gup.unpin(u);
            case DeviceCommand d -> devices.execute(d);
            case GpuCommand g -> gpus.execute(g);
            case RnicCommand r -> rnics.execute(r);
            case ShowCommand s -> shows.show(s);
        };
    }

    /** Pages a gup took and no unpin released: a pin that leaks past the end of the scenario. */
    long pagesStillHeldByGup() {
        return gup.stillHeld();
    }

    /** A call on [start+off, start+off+len) of a mapping. */
    private interface RangeCall {
        long apply(UserProcess p, long addr, long len);
    }

    private Result onRange(Target t, Range range, RangeCall call) {
        Mapping m = world.mapping(t);
        return Result.ofReturn(call.apply(process(t), m.start() + range.off(), range.length(m.length())));
    }

    private UserProcess process(Target t) {
        return world.process(t.process());
    }

    private Result mmap(Mmap m) {
        world.requireUnused(m.target());
        int flags = m.kind().flags() | (m.populate() ? Mman.MAP_POPULATE : 0);
        if (m.hugetlb().isPresent()) {
            flags |= Mman.MAP_HUGETLB | (m.hugetlb().getAsLong() == PageSize.PUD_SIZE ? Mman.MAP_HUGE_1GB : Mman.MAP_HUGE_2MB);
        }
        UserProcess p = process(m.target());
        if (m.device().isPresent()) {
            return placed(m.target(), world.devices().mirror(m.device().get()).mmap(m.size(), m.prot(), flags), m.size());
        }
        FileInode file = m.file().map(world::file).orElse(null);
        long addr = m.align().isPresent()
                ? p.mmapAligned(m.size(), m.align().getAsLong(), m.prot(), flags, file, m.offset())
                : p.mmap(0, m.size(), m.prot(), flags, file, m.offset());
        return placed(m.target(), addr, m.size());
    }

    /** The result of a call that returns where a mapping now starts; on success the table follows. */
    private Result placed(Target t, long addr, long length) {
        Result r = Result.ofReturn(addr);
        if (r.ok()) {
            world.putMapping(t, new Mapping(addr, length));
        }
        return r;
    }

    private Result munmap(Munmap u) {
        Mapping m = world.mapping(u.target());
        Result r = onRange(u.target(), u.range(), (p, addr, len) -> p.munmap(addr, len));
        if (r.ok()) {
            long start = m.start() + u.range().off();
            world.rangeRemoved(u.target().process(), start, start + u.range().length(m.length()), u.target(), "munmap");
        }
        if (r.ok() && u.range().covers(m.length())) {
            world.forgetMapping(u.target());
        }
        return r;
    }

    private Result mremap(Mremap r) {
        Mapping m = world.mapping(r.target());
        int flags = Mman.MREMAP_MAYMOVE | (r.to().isPresent() ? Mman.MREMAP_FIXED : 0)
                | (r.dontUnmap() ? Mman.MREMAP_DONTUNMAP : 0);
        long addr = r.to().isPresent() || r.dontUnmap()
                ? process(r.target()).mremap(m.start(), m.length(), r.newSize(), flags, m.start() + r.to().orElse(0))
                : process(r.target()).mremap(m.start(), m.length(), r.newSize(), flags);
        Result result = placed(r.target(), addr, r.newSize());
        if (result.ok()) {
            world.rangeRemoved(r.target().process(), addr, addr + r.newSize(), r.target(), "mremap");
        }
        return result;
    }

    private Result read(Read r) {
        Mapping m = world.mapping(r.target());
        byte[] bytes = new byte[r.len()];
        int ret = process(r.target()).read(m.start() + r.off(), bytes, 0, r.len());
        return ret < 0 ? Result.ofReturn(ret) : Result.read(bytes, r.off());
    }

    private Result checkInvariants() {
        List<String> violations = machine.checkInvariants();
        if (!violations.isEmpty()) {
            throw new StepFailure("invariants to hold", Invariants.describe(violations));
        }
        return Result.counters(Map.of("stale", world.devices().stale() + gup.stale() + rnics.stale()));
    }
}
