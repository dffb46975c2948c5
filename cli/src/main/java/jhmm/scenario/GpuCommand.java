package jhmm.scenario;

import jhmm.device.gpu.GpuAccess;
import jhmm.device.gpu.GpuConfig;
import jhmm.device.gpu.Preferred;

/** The lines a GPU acts in: creating one, opening it on a process, and its kernels and hints. */
public sealed interface GpuCommand extends Command {

    /** {@code device NAME gpu [policy=] [vram=] [chunks=] ...}. */
    record NewGpu(String name, GpuConfig config, int dmaMaskBits) implements GpuCommand {}

    /** {@code G open P}. */
    record Open(String device, String process) implements GpuCommand {}

    /** {@code G access M OFF LEN read|write|atomic [warps=N]}. */
    record Access(String device, Target target, long off, long len, GpuAccess kind, int warps)
            implements GpuCommand, Command.OnMapping {}

    /** {@code G prefetch M OFF LEN}. */
    record Prefetch(String device, Target target, long off, long len) implements GpuCommand, Command.OnMapping {}

    /** {@code G advise M preferred=vram|sys [off=] [len=]}. */
    record Advise(String device, Target target, Range range, Preferred where) implements GpuCommand, Command.OnMapping {}
}
