package jhmm.hmm.api2019;

/**
 * The 2019 driver encoding the 5.2 tests use: flag bits below the pfn, a pfn shift of 8, and
 * whole-entry sentinels that do not alias NONE; INPUT marks a slot the walk must not touch.
 */
final class DriverEncoding {
    static final long VALID = 1;
    static final long WRITE = 2;
    static final long DEVICE_PRIVATE = 4;
    static final int PFN_SHIFT = 8;
    static final long NONE = 0;
    static final long ERROR = 0x10;
    static final long SPECIAL = 0x20;
    static final long INPUT = 0x40;

    private DriverEncoding() {}
}
