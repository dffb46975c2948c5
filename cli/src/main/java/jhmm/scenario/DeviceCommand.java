package jhmm.scenario;

import jhmm.base.Pattern;

/** The lines a device acts in: creating one, opening it on a process, and its commands. */
public sealed interface DeviceCommand extends Command {

    /** {@code device NAME dmirror [memory=private|coherent|none] [devmem=SIZE]}. */
    record NewDevice(String name, DeviceMemory memory, long devmem, int dmaMaskBits) implements DeviceCommand {}

    /** {@code D open P}. */
    record Open(String device, String process) implements DeviceCommand {}

    /** {@code D read|snapshot|migrate-to-dev|migrate-to-sys|exclusive|check-exclusive M OFF NPAGES}. */
    record DeviceAccess(String device, DeviceOp op, Target target, long off, long npages) implements DeviceCommand, Command.OnMapping {}

    /** {@code D write M OFF NPAGES PAT}. */
    record DeviceWrite(String device, Target target, long off, long npages, Pattern pattern) implements DeviceCommand, Command.OnMapping {}

    /** {@code D release}. */
    record Release(String device) implements DeviceCommand {}

    /** {@code D fail-alloc}: HMM_DMIRROR_FLAGS with FAIL_ALLOC, the next allocation fails once. */
    record FailAlloc(String device) implements DeviceCommand {}

    /** {@code D dma-map M OFF NPAGES via=... [write]}. */
    record DmaMap(String device, Target target, long off, long npages, DmaVia via, CoreMode mode, boolean write)
            implements DeviceCommand, Command.OnMapping {}

    /** {@code D dma-unmap M [dirty]}. */
    record DmaUnmap(String device, Target target, boolean dirty) implements DeviceCommand {}

    enum DeviceMemory implements Worded { PRIVATE, COHERENT, NONE }

    /** The dmirror operations that take {@code M OFF NPAGES} and nothing else. */
    enum DeviceOp implements Worded { READ, SNAPSHOT, MIGRATE_TO_DEV, MIGRATE_TO_SYS, EXCLUSIVE, CHECK_EXCLUSIVE }

    /** How {@code dma-map} faults and maps: the 2019 helper, today's hmm-dma, or GUP. */
    enum DmaVia implements Worded { HMM_2019, HMM_DMA, GUP, CORE }

    /** How {@code via=core} holds the pages: pins (GUP semantics) or an interval notifier. */
    enum CoreMode implements Worded { PIN, MIRROR }
}
