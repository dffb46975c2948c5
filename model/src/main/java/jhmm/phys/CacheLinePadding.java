package jhmm.phys;

/**
 * 128 bytes ahead of a subclass's own fields (a class's fields follow its superclass's), so that
 * what one CPU writes on every allocation and free never shares a cache line with the object
 * before it, whatever the garbage collector moves next to it: after a collection the page lists
 * of all CPUs, or their locks, can sit side by side, and two CPUs writing one line take turns
 * for it. The kernel keeps each CPU's lists in its own per-CPU area for the same reason.
 */
abstract class CacheLinePadding {
    /** Fills the gap between the object header and the longs, which the JVM would give a subclass's int. */
    @SuppressWarnings("unused") // never read: the bytes are the point
    private int gap;
    @SuppressWarnings("unused")
    private long pad0, pad1, pad2, pad3, pad4, pad5, pad6, pad7, pad8, pad9, pad10, pad11, pad12, pad13, pad14, pad15;
}
