package jhmm.scenario;

import java.util.HashMap;
import java.util.Map;
import jhmm.device.gpu.GpuConfig;
import jhmm.device.gpu.GpuDevice;
import jhmm.device.gpu.GpuStats;
import jhmm.device.gpu.GpuVm;

/** Runs the GPU lines: its kernels and prefetches, with the counts of what the driver did as results. */
final class GpuExecutor {
    private final World world;
    private final Map<String, GpuDevice> gpus = new HashMap<>();
    /** Each GPU's newest open: the address space its lines act on. */
    private final Map<String, GpuVm> current = new HashMap<>();

    GpuExecutor(World world) {
        this.world = world;
    }

    Result execute(GpuCommand c) {
        return switch (c) {
            case GpuCommand.NewGpu n -> {
                GpuDevice g = new GpuDevice(n.name(), n.config(), world.machine().memory(),
                        world.devices().dmaSystem().device(n.name(), n.dmaMaskBits(), true));
                world.machine().addCoherenceCheck(g::violations);
                gpus.put(n.name(), g);
                world.showable(n.name(), () -> show(n.name(), g));
                yield Result.OK;
            }
            case GpuCommand.Open o -> {
                current.put(o.device(), gpu(o.device()).open(world.process(o.process()).mm()));
                yield Result.OK;
            }
            case GpuCommand.Access a -> counted(a.device(), vm -> vm.access(start(a.target()) + a.off(), a.len(), a.kind(), a.warps()));
            case GpuCommand.Prefetch p -> counted(p.device(), vm -> vm.prefetch(start(p.target()) + p.off(), p.len()));
            case GpuCommand.Advise a -> {
                Mapping m = world.mapping(a.target());
                vm(a.device()).advise(m.start() + a.range().off(), a.range().length(m.length()), a.where());
                yield Result.OK;
            }
        };
    }

    private interface GpuCall {
        int apply(GpuVm vm);
    }

    /** The call's errno, or on success the counts of what the GPU did during it. */
    private Result counted(String device, GpuCall call) {
        GpuVm vm = vm(device);
        GpuStats before = vm.stats().snapshot();
        int ret = call.apply(vm);
        return ret < 0 ? Result.ofReturn(ret) : Result.counters(vm.stats().since(before));
    }

    /** {@code show G}: the GPU, its VRAM, and the page table of the address space it has open, run-length compressed. */
    private String show(String name, GpuDevice g) {
        StringBuilder out = new StringBuilder(String.format(java.util.Locale.ROOT, "device %s: gpu, VRAM %s (%d of %d 2M chunks in use)",
                name, SizeWords.format(g.config().vramBytes()), g.vramChunksUsed(), g.config().vramBytes() / GpuConfig.M2));
        GpuVm vm = current.get(name);
        if (vm == null) {
            return out.append(", not open\n").toString();
        }
        String process = processOf(vm);
        out.append(", open on ").append(process).append(", ").append(vm.mappedPages()).append(" pages mapped\n");
        java.util.function.LongFunction<String> where = Shows.where(world, process);
        vm.forEachMappedRun((vpn, pages, vram, writable, entryBytes) -> out.append("    ").append(where.apply(vpn << 12))
                .append(" len=").append(SizeWords.format(pages << 12)).append(writable ? " rw" : " ro")
                .append(vram ? " vram" : " system memory").append(", ").append(SizeWords.format(entryBytes)).append(" entries\n"));
        return out.toString();
    }

    private String processOf(GpuVm vm) {
        return world.processes().entrySet().stream().filter(e -> e.getValue().mm() == vm.mm()).map(Map.Entry::getKey).findFirst()
                .orElse("?");
    }

    private long start(Target t) {
        return world.mapping(t).start();
    }

    private GpuDevice gpu(String name) {
        GpuDevice g = gpus.get(name);
        if (g == null) {
            throw new StepFailure("GPU '" + name + "' does not exist (creating it failed)");
        }
        return g;
    }

    private GpuVm vm(String device) {
        GpuVm vm = current.get(device);
        if (vm == null) {
            throw new StepFailure("GPU '" + device + "' is not open");
        }
        return vm;
    }
}
