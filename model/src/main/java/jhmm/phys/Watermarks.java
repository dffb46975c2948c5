package jhmm.phys;

/**
 * A zone's free-page watermarks (min, low, high), in pages, as the kernel derives them from
 * min_free_kbytes and watermark_scale_factor. The allocator uses {@link #high} to tell when the
 * zone runs short (ZONE_BELOW_HIGH), and the per-CPU lists take their floor from {@link #low}.
 */
public record Watermarks(long min, long low, long high) {
    /** vm.watermark_scale_factor's default: the gap between watermarks is at least 10/10000 of the zone. */
    public static final int SCALE_FACTOR = 10;

    /**
     * The watermarks of a zone of {@code managedPages} 4 KiB pages whose share of
     * min_free_kbytes is {@code minPages}: low and high sit one and two steps above min, a step
     * being a quarter of min or the scale factor's fraction of the zone, whichever is larger.
     */
    public static Watermarks of(long minPages, long managedPages) {
        long step = Math.max(minPages / 4, managedPages * SCALE_FACTOR / 10_000);
        return new Watermarks(minPages, minPages + step, minPages + 2 * step);
    }

    /** The watermarks of the only zone of a machine of {@code managedPages}, min_free_kbytes at its boot default. */
    public static Watermarks forZone(long managedPages) {
        return of(minFreeKbytes(managedPages) / 4, managedPages);
    }

    /**
     * min_free_kbytes at boot: the square root of 16 times the KiB of memory, kept between
     * 128 KiB and 256 MiB. (With THP enabled the kernel raises it further, for fragmentation
     * avoidance; the model leaves that out.)
     */
    static long minFreeKbytes(long managedPages) {
        long kb = (long) Math.sqrt((double) (managedPages * 4) * 16);
        return Math.clamp(kb, 128, 262_144);
    }
}
