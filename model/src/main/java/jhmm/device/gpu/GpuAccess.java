package jhmm.device.gpu;

/** What a warp does to memory, least intrusive first (the order duplicates are merged by). */
public enum GpuAccess {
    READ,
    WRITE,
    /** Needs write permission; served like a write (system memory is mapped for PCIe atomics, not made device-exclusive). */
    ATOMIC;

    boolean writes() {
        return this != READ;
    }
}
