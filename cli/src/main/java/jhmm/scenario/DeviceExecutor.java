package jhmm.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jhmm.base.PageSize;
import jhmm.device.dmirror.Dmirror;
import jhmm.device.dmirror.DmirrorCmd;
import jhmm.device.dmirror.DmirrorDevice;
import jhmm.device.dmirror.DmirrorProt;
import jhmm.dma.DmaDevice;
import jhmm.dmamap.CoreRangeMapper;
import jhmm.dmamap.GupRangeMapper;
import jhmm.dmamap.Hmm2019RangeMapper;
import jhmm.dmamap.HmmDmaRangeMapper;
import jhmm.dmamap.RangeDmaMapper;
import jhmm.scenario.DeviceCommand.DeviceAccess;
import jhmm.scenario.DeviceCommand.DeviceWrite;
import jhmm.scenario.DeviceCommand.NewDevice;
import jhmm.scenario.DeviceCommand.Open;

/** Runs the dmirror lines: the test device's ioctls, with their counters and codes as results. */
final class DeviceExecutor {
    private static final int P = (int) PageSize.PAGE_SIZE;
    private final World world;

    DeviceExecutor(World world) {
        this.world = world;
    }

    Result execute(DeviceCommand c) {
        return switch (c) {
            case NewDevice n -> {
                world.devices().add(n.name(),
                        new DmirrorDevice(n.name(), memoryType(n.memory()), world.machine().memory(), n.devmem()),
                        n.dmaMaskBits());
                yield Result.OK;
            }
            case Open o -> {
                world.devices().open(o.device(), o.process(), world.process(o.process()));
                yield Result.OK;
            }
            case DeviceAccess a -> access(a);
            case DeviceWrite w -> write(w);
            case DeviceCommand.Release r -> {
                Dmirror m = world.devices().mirror(r.device());
                yield Result.ofReturn(m.release(new DmirrorCmd(0, 1, null)));
            }
            case DeviceCommand.FailAlloc f -> {
                Dmirror m = world.devices().mirror(f.device());
                yield Result.ofReturn(m.setFlags(new DmirrorCmd(0, Dmirror.FLAG_FAIL_ALLOC, null)));
            }
            case DeviceCommand.DmaMap m -> dmaMap(m);
            case DeviceCommand.DmaUnmap u -> dmaUnmap(u);
        };
    }

    private static <T> T notYet(String what) {
        throw new StepFailure("not implemented yet: " + what);
    }

    private static DmirrorDevice.MemoryType memoryType(DeviceCommand.DeviceMemory m) {
        return switch (m) {
            case PRIVATE -> DmirrorDevice.MemoryType.PRIVATE;
            case COHERENT -> DmirrorDevice.MemoryType.COHERENT;
            case NONE -> DmirrorDevice.MemoryType.NONE;
        };
    }

    private DmirrorCmd cmd(Target t, long off, long npages, byte[] buffer) {
        return new DmirrorCmd(world.mapping(t).start() + off, npages, buffer);
    }

    private Result access(DeviceAccess a) {
        Dmirror m = world.devices().mirror(a.device());
        if (a.npages() > Integer.MAX_VALUE / P) {
            throw new StepFailure("a device access of " + a.npages() + " pages is more than jhmm holds in memory");
        }
        return switch (a.op()) {
            case READ -> {
                DmirrorCmd cmd = cmd(a.target(), a.off(), a.npages(), new byte[(int) a.npages() * P]);
                int ret = m.read(cmd);
                yield ret < 0 ? Result.ofReturn(ret) : Result.readWithCounters(cmd.ptr, a.off(), counters(cmd));
            }
            case SNAPSHOT -> {
                DmirrorCmd cmd = cmd(a.target(), a.off(), a.npages(), new byte[(int) a.npages()]);
                int ret = m.snapshot(cmd);
                yield ret < 0 ? Result.ofReturn(ret) : Result.protection(codes(cmd.ptr), counters(cmd));
            }
            case EXCLUSIVE -> {
                DmirrorCmd cmd = cmd(a.target(), a.off(), a.npages(), new byte[(int) a.npages() * P]);
                int ret = m.exclusive(cmd);
                yield ret < 0 ? Result.ofReturn(ret) : Result.readWithCounters(cmd.ptr, a.off(), counters(cmd));
            }
            case CHECK_EXCLUSIVE -> {
                DmirrorCmd cmd = cmd(a.target(), a.off(), a.npages(), null);
                int ret = m.checkExclusive(cmd);
                yield ret < 0 ? Result.ofReturn(ret) : Result.counters(counters(cmd));
            }
            case MIGRATE_TO_DEV -> {
                DmirrorCmd cmd = cmd(a.target(), a.off(), a.npages(), new byte[(int) a.npages() * P]);
                int ret = m.migrateToDev(cmd);
                yield ret < 0 ? Result.ofReturn(ret) : Result.readWithCounters(cmd.ptr, a.off(), counters(cmd));
            }
            case MIGRATE_TO_SYS -> {
                DmirrorCmd cmd = cmd(a.target(), a.off(), a.npages(), null);
                int ret = m.migrateToSys(cmd);
                yield ret < 0 ? Result.ofReturn(ret) : Result.counters(counters(cmd));
            }
        };
    }

    private Result write(DeviceWrite w) {
        Dmirror m = world.devices().mirror(w.device());
        if (w.npages() > Integer.MAX_VALUE / P) {
            throw new StepFailure("a device access of " + w.npages() + " pages is more than jhmm holds in memory");
        }
        byte[] data = new byte[(int) w.npages() * P];
        w.pattern().fill(w.off(), data, 0, data.length);
        DmirrorCmd cmd = cmd(w.target(), w.off(), w.npages(), data);
        int ret = m.write(cmd);
        return ret < 0 ? Result.ofReturn(ret) : Result.counters(counters(cmd));
    }

    private Result dmaMap(DeviceCommand.DmaMap m) {
        Dmirror mirror = world.devices().mirror(m.device());
        DmaDevice dev = world.devices().dmaDevice(m.device());
        RangeDmaMapper mapper = switch (m.via()) {
            case GUP -> new GupRangeMapper(mirror.mm(), dev);
            case CORE -> new CoreRangeMapper(mirror.mm(), dev,
                    m.mode() == DeviceCommand.CoreMode.PIN ? CoreRangeMapper.Mode.PIN : CoreRangeMapper.Mode.MIRROR, null);
            case HMM_2019 -> new Hmm2019RangeMapper(mirror.mm(), dev);
            case HMM_DMA -> new HmmDmaRangeMapper(mirror.mm(), dev);
        };
        int ret = mapper.map(world.mapping(m.target()).start() + m.off(), (int) m.npages(), m.write());
        if (ret < 0) {
            mapper.unmap(false);
            return Result.ofReturn(ret);
        }
        world.devices().addMapper(m.device(), m.target(), mapper);
        return Result.counters(DmaCounters.of(mapper.stats()));
    }

    private Result dmaUnmap(DeviceCommand.DmaUnmap u) {
        RangeDmaMapper mapper = world.devices().removeMapper(u.device(), u.target());
        long stale = mapper.reach().stale();
        long n = mapper.unmap(u.dirty());
        Map<String, Long> c = new java.util.HashMap<>(DmaCounters.of(mapper.stats()));
        c.put("unmapped", n);
        c.put("stale", stale);
        return Result.counters(c);
    }

    private static Map<String, Long> counters(DmirrorCmd cmd) {
        return Map.of("cpages", cmd.cpages, "faults", cmd.faults);
    }

    private static List<String> codes(byte[] bytes) {
        List<String> out = new ArrayList<>(bytes.length);
        for (byte b : bytes) {
            out.add(DmirrorProt.name(b));
        }
        return out;
    }
}
