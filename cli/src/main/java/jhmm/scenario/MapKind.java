package jhmm.scenario;

import jhmm.mm.Mman;

/** The KIND word of {@code mmap}: its sharing flag, and whether a file backs it. */
public enum MapKind implements Worded {
    ANON_PRIVATE(Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS),
    ANON_SHARED(Mman.MAP_SHARED | Mman.MAP_ANONYMOUS),
    FILE_PRIVATE(Mman.MAP_PRIVATE),
    FILE_SHARED(Mman.MAP_SHARED);

    private final int flags;

    MapKind(int flags) {
        this.flags = flags;
    }

    public int flags() {
        return flags;
    }

    public boolean fileBacked() {
        return (flags & Mman.MAP_ANONYMOUS) == 0;
    }
}
