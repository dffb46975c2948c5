package jhmm.scenario;

import jhmm.base.Pattern;
import jhmm.device.rnic.Advice;
import jhmm.device.rnic.MrType;

/** The lines an RDMA NIC acts in: creating one, opening it on a process, registering regions and a remote peer's operations. */
public sealed interface RnicCommand extends Command {

    /** {@code device NAME rnic [memlock=SIZE|unlimited] [dma-mask=BITS]}. */
    record NewRnic(String name, long memlockBytes, int dmaMaskBits) implements RnicCommand {}

    /** {@code N open P}. */
    record Open(String device, String process) implements RnicCommand {}

    /** {@code N reg M [pinned|odp|implicit] [readonly]}. */
    record Reg(String device, Target target, MrType type, boolean writable) implements RnicCommand, Command.OnMapping {}

    /** {@code N dereg M}. */
    record Dereg(String device, Target target) implements RnicCommand {}

    /** {@code N rdma-read|rdma-write|send M OFF LEN [PAT]}. */
    record Data(String device, Target target, DataOp op, long off, long len, Pattern pattern) implements RnicCommand {}

    /** {@code N advise M OFF LEN [prefetch|prefetch-write|prefetch-no-fault]}. */
    record Advise(String device, Target target, long off, long len, Advice advice) implements RnicCommand {}

    /** What a remote peer does to a local region. */
    enum DataOp implements Worded { RDMA_READ, RDMA_WRITE, SEND }
}
