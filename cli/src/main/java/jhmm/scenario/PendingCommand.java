package jhmm.scenario;

import java.util.Set;
import jhmm.base.Pattern;

/**
 * Commands that parse today but whose execution lands with the device side: GUP and every
 * dmirror line. The runner reports each as "not implemented yet".
 */
public sealed interface PendingCommand extends Command {

    /** {@code P gup M OFF NPAGES [write] [pin] [longterm] [fast]}. */
    record Gup(Target target, long off, long npages, Set<GupFlag> flags) implements PendingCommand {}

    /** {@code P unpin}. */
    record Unpin(String process) implements PendingCommand {}

    /** {@code device NAME dmirror [memory=private|coherent|none] [devmem=SIZE]}. */
    record NewDevice(String name, DeviceMemory memory, long devmem) implements PendingCommand {}

    /** {@code D open P}. */
    record Open(String device, String process) implements PendingCommand {}

    /** {@code D read|snapshot|migrate-to-dev|migrate-to-sys|exclusive|check-exclusive M OFF NPAGES}. */
    record DeviceAccess(String device, DeviceOp op, Target target, long off, long npages) implements PendingCommand {}

    /** {@code D write M OFF NPAGES PAT}. */
    record DeviceWrite(String device, Target target, long off, long npages, Pattern pattern) implements PendingCommand {}

    /** {@code D release}. */
    record Release(String device) implements PendingCommand {}

    /** {@code D dma-map M OFF NPAGES via=... [write]}. */
    record DmaMap(String device, Target target, long off, long npages, DmaVia via, boolean write)
            implements PendingCommand {}

    /** {@code D dma-unmap M [dirty]}. */
    record DmaUnmap(String device, Target target, boolean dirty) implements PendingCommand {}

    /** What the runner says it cannot do yet. */
    default String what() {
        return this instanceof Gup || this instanceof Unpin ? "get_user_pages" : "dmirror devices";
    }

    enum GupFlag implements Worded { WRITE, PIN, LONGTERM, FAST }

    enum DeviceMemory implements Worded { PRIVATE, COHERENT, NONE }

    /** The dmirror operations that take {@code M OFF NPAGES} and nothing else. */
    enum DeviceOp implements Worded { READ, SNAPSHOT, MIGRATE_TO_DEV, MIGRATE_TO_SYS, EXCLUSIVE, CHECK_EXCLUSIVE }

    /** How {@code dma-map} faults and maps: the 2019 helper, today's hmm-dma, or GUP. */
    enum DmaVia implements Worded { HMM_2019, HMM_DMA, GUP }
}
