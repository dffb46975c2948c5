package jhmm.phys;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The state of every page frame (the kernel's struct page array), one slot per PFN in
 * primitive arrays. {@code flags} and {@code refcount} cost 8 bytes every frame; the other two
 * live in chunks of {@value #CHUNK} frames (a PMD's worth, so aligned THPs share none),
 * installed when first written with something other than zero and kept from then on: 8 bytes a
 * frame where a chunk holds small folios or small free blocks, 2 where a PTE mapped a frame of
 * the chunk. A PMD-mapped THP thus costs 8 bytes a page, a PTE-mapped small folio 18.
 *
 * <ul>
 *   <li>{@code flags}: the {@link PageFlags} bits, and in the top {@value #ORDER_BITS} bits the
 *       order of the frame's folio (every frame of a folio records it, so a frame finds its head
 *       by alignment) or, at the first frame of a free buddy block, the block's order.
 *   <li>{@code refcount}: at a folio's head, the folio's reference count.
 *   <li>{@code mapcounts}: the PTEs that map that one frame, as a short: free frames and
 *       PMD-mapped THPs cost nothing here. A count beyond a short is refused, not wrapped.
 *   <li>{@code mapIndexes}: at a folio's head, its mapping id (anon_vma or file, 0 when
 *       neither) in the top {@value #MAPPING_BITS} bits and its page index (the virtual page
 *       number at first fault for anon, the file page offset for the page cache) in the low
 *       {@value #INDEX_BITS}. Free buddy blocks keep their list links here. A chunk whose first
 *       frame heads a folio or free block of PMD order or more keeps only its first
 *       {@value #COMPACT} slots: THPs and large free blocks cost 8 bytes a chunk here.
 * </ul>
 *
 * <p>As in the kernel's folio, the tails of a large folio have no mapping or index of their own:
 * they derive both from the head, and the slots of the first tail (head+1) that a tail does not
 * otherwise use keep the folio-wide counters: {@code refcount[head+1]} is the entire (PMD/PUD)
 * mapcount and the mapping-and-index word of head+1 the folio pin count. Reference counts and
 * mapcounts change with atomic operations, as {@code folio_ref_*} do.
 */
public final class PageFrames {
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle SHORTS = MethodHandles.arrayElementVarHandle(short[].class);
    private static final VarHandle SHORT_CHUNKS = MethodHandles.arrayElementVarHandle(short[][].class);
    private static final VarHandle LONG_CHUNKS = MethodHandles.arrayElementVarHandle(long[][].class);
    /** Bits of the flag word that hold the folio order (up to 31; PUD folios are order 18). */
    static final int ORDER_BITS = 5;
    static final int ORDER_SHIFT = Integer.SIZE - ORDER_BITS;
    /** The flag word without its order bits. */
    private static final int FLAG_MASK = (1 << ORDER_SHIFT) - 1;
    /** Bits of a mapping id: more anon_vmas and files than this a machine cannot tell apart. */
    public static final int MAPPING_BITS = 24;
    /** Bits of a page index: 2^40 pages, 4 PiB, beyond both the 47-bit user range and any file. */
    public static final int INDEX_BITS = Long.SIZE - MAPPING_BITS;
    public static final int MAX_MAPPING_ID = (1 << MAPPING_BITS) - 1;
    public static final long MAX_INDEX = (1L << INDEX_BITS) - 1;
    static final int CHUNK_SHIFT = 9;
    static final int CHUNK = 1 << CHUNK_SHIFT;
    /** Slots of a chunk of {@link #mapIndexes} that one PMD-or-larger folio or free block fills. */
    static final int COMPACT = 2;

    /** Frames that exist, RAM and device memory, gaps between sections included; set after the sections. */
    private volatile int nrFrames;
    /** Per section: the frames' reference counts. */
    private volatile int[][] refcount;
    /** Per section: PTE mapcount chunks by (pfn within the section) / {@value #CHUNK}; a chunk is null while no frame of it was PTE-mapped. */
    private volatile short[][][] mapcounts;
    /** Per section: the frames' flag words. */
    private volatile int[][] flags;
    /**
     * Per section: mapping-and-index words by (pfn within the section) / {@value #CHUNK}: null
     * while every slot of the chunk reads 0; {@value #COMPACT} slots while the chunk's first
     * frame heads a folio or free block of order {@value #CHUNK_SHIFT} or more, so that only its
     * head and first tail use a slot; {@value #CHUNK} slots otherwise. Slots past a chunk's
     * length read 0.
     */
    private volatile long[][][] mapIndexes;

    PageFrames(int nrFrames) {
        refcount = new int[0][];
        mapcounts = new short[0][][];
        flags = new int[0][];
        mapIndexes = new long[0][][];
        install(0, nrFrames);
    }

    private static int chunksFor(int frames) {
        return (frames + CHUNK - 1) >>> CHUNK_SHIFT;
    }

    /**
     * Adds frames [first, newTotal) (memremap_pages of device memory), {@code first} at a section
     * boundary past every frame so far. Callers serialize growing (PhysicalMemory's memremap lock).
     */
    void grow(int first, int newTotal) {
        if ((first & Sections.MASK) != 0 || first < nrFrames) {
            throw new IllegalArgumentException("device frames must start at a section boundary past frame " + nrFrames + ": " + first);
        }
        install(first, newTotal);
    }

    /**
     * Fills in the sections of frames [first, end) in copies of the section-pointer arrays and
     * only then publishes them: the sections that exist are kept, not copied, so a thread
     * touching a frame meanwhile, through the old pointers or the new, loses nothing.
     */
    private void install(int first, int end) {
        int n = Sections.count(end);
        int[][] refs = java.util.Arrays.copyOf(refcount, n);
        int[][] words = java.util.Arrays.copyOf(flags, n);
        short[][][] maps = java.util.Arrays.copyOf(mapcounts, n);
        long[][][] indexes = java.util.Arrays.copyOf(mapIndexes, n);
        for (int s = first >>> Sections.SHIFT; s < n; s++) {
            int len = Sections.length(s, end);
            refs[s] = new int[len];
            words[s] = new int[len];
            maps[s] = new short[chunksFor(len)][];
            indexes[s] = new long[chunksFor(len)][];
        }
        refcount = refs;
        flags = words;
        mapcounts = maps;
        mapIndexes = indexes;
        nrFrames = end;
    }

    /** Whether frame {@code pfn} exists (device memory leaves gaps up to a section boundary). */
    public boolean exists(int pfn) {
        if (pfn < 0 || pfn >= nrFrames) {
            return false;
        }
        int[] sec = flags[pfn >>> Sections.SHIFT];
        return sec != null && (pfn & Sections.MASK) < sec.length;
    }

    /** The raw flag word (flags and order bits) of a frame. */
    int flagWord(int pfn) {
        return flags[pfn >>> Sections.SHIFT][pfn & Sections.MASK];
    }

    /** Sets the raw flag word of a frame nobody else can reach (being allocated, freed or split). */
    void setFlagWord(int pfn, int word) {
        flags[pfn >>> Sections.SHIFT][pfn & Sections.MASK] = word;
    }

    /**
     * Sets a folio's reference count while nobody else holds a reference (allocation, split): a
     * plain store as set_page_count's, released so that a speculative reference taken on the
     * new count sees the folio's state written before.
     */
    void setRefcount(int pfn, int count) {
        INTS.setRelease(refcount[pfn >>> Sections.SHIFT], pfn & Sections.MASK, count);
    }

    /** A flag word holding {@code pageFlags} and {@code order}. */
    static int withOrder(int pageFlags, int order) {
        return pageFlags | order << ORDER_SHIFT;
    }

    public int nrFrames() {
        return nrFrames;
    }

    public int order(int pfn) {
        return orderOf(flagWord(pfn));
    }

    /** The order kept in a frame's flag word. */
    static int orderOf(int flagWord) {
        return flagWord >>> ORDER_SHIFT;
    }

    public int nrPages(int pfn) {
        return 1 << order(pfn);
    }

    /** The head frame of the folio {@code pfn} belongs to. */
    public int head(int pfn) {
        return pfn & ~((1 << order(pfn)) - 1);
    }

    public boolean isLarge(int pfn) {
        return order(pfn) != 0;
    }

    /** The frame's {@link PageFlags} bits (without the order kept beside them). */
    public int flags(int pfn) {
        return flagWord(pfn) & FLAG_MASK;
    }

    public boolean test(int pfn, int flag) {
        return (flagWord(pfn) & flag) != 0;
    }

    /** folio_trylock: takes the head's LOCKED bit atomically; false when someone else holds it. */
    public boolean tryLock(int pfn) {
        int h = head(pfn);
        int f = (int) INTS.getAndBitwiseOr(flags[h >>> Sections.SHIFT], h & Sections.MASK, PageFlags.LOCKED);
        return (f & PageFlags.LOCKED) == 0;
    }

    /** folio_unlock. */
    public void unlock(int pfn) {
        clear(head(pfn), PageFlags.LOCKED);
    }

    /** Whether someone holds the folio lock of {@code pfn}'s folio. */
    public boolean locked(int pfn) {
        return test(head(pfn), PageFlags.LOCKED);
    }

    /** set_bit: atomic, as the folio lock bit shares the word with the flags others set. */
    public void set(int pfn, int flag) {
        INTS.getAndBitwiseOr(flags[pfn >>> Sections.SHIFT], pfn & Sections.MASK, flag);
    }

    /** clear_bit: atomic, as {@link #set}. */
    public void clear(int pfn, int flag) {
        INTS.getAndBitwiseAnd(flags[pfn >>> Sections.SHIFT], pfn & Sections.MASK, ~flag);
    }

    /** The anon_vma or file id of the folio {@code pfn} belongs to; 0 when neither. */
    public int mapping(int pfn) {
        return (int) (mapIndex(head(pfn)) >>> INDEX_BITS);
    }

    /** The page index of this frame: its folio's index plus its place in the folio. */
    public long index(int pfn) {
        int h = head(pfn);
        return (mapIndex(h) & MAX_INDEX) + (pfn - h);
    }

    /**
     * Records the mapping and page index of a small folio or a large folio's head. A tail keeps
     * none of its own (its slot may hold a folio counter), so for a tail this only checks that
     * the values are the ones it derives from its head, which a caller setting every frame of
     * the folio in turn, head first, gives.
     *
     * @throws IllegalArgumentException when the id or index do not fit the bits a frame keeps
     *     for them, or a tail is given values its head does not imply
     */
    public void setMapping(int pfn, int mappingId, long pageIndex) {
        int h = head(pfn);
        long last = pageIndex + (h + nrPages(h) - 1 - pfn); // the folio's last page
        if ((mappingId >>> MAPPING_BITS | pageIndex >>> INDEX_BITS | last >>> INDEX_BITS) != 0) {
            throw new IllegalArgumentException("mapping id " + mappingId + " or page index " + pageIndex
                    + " out of range: at most " + MAX_MAPPING_ID + " and " + MAX_INDEX + " for the folio's last page");
        }
        long packed = (long) mappingId << INDEX_BITS | pageIndex;
        if (h == pfn) {
            setMapIndex(pfn, packed);
        } else if (mapIndex(h) + (pfn - h) != packed) { // no carry into the id: the head's last index fits
            throw new IllegalArgumentException("tail " + pfn + " of folio " + h + " given mapping " + mappingId
                    + " index " + pageIndex + ", its head implies " + mapping(h) + " " + index(pfn));
        }
    }

    /** Reference count of the folio containing {@code pfn}. */
    public int refcount(int pfn) {
        int h = head(pfn);
        return (int) INTS.getVolatile(refcount[h >>> Sections.SHIFT], h & Sections.MASK);
    }

    /** Adds {@code n} to the folio's reference count and returns the new count. */
    public int refAdd(int pfn, int n) {
        return headRefAdd(head(pfn), n);
    }

    /** {@link #refAdd} on a folio's head frame. */
    int headRefAdd(int head, int n) {
        return (int) INTS.getAndAdd(refcount[head >>> Sections.SHIFT], head & Sections.MASK, n) + n;
    }

    /**
     * folio_ref_freeze: the count drops from exactly {@code expected} to 0, else nothing
     * changes; meanwhile {@link #refTryGet} fails, so no one takes a reference a split would
     * then overwrite. The caller sets the counts back.
     */
    public boolean refFreeze(int pfn, int expected) {
        int h = head(pfn);
        return INTS.compareAndSet(refcount[h >>> Sections.SHIFT], h & Sections.MASK, expected, 0);
    }

    /**
     * folio_try_get: takes a reference on the folio of {@code pfn} unless its count is zero (the
     * folio is free or being freed), for a caller that found the frame without holding one.
     */
    public boolean refTryGet(int pfn) {
        return refTryAdd(pfn, 1);
    }

    /** folio_ref_try_add: adds {@code n} references unless the count is zero (free, being freed or frozen). */
    public boolean refTryAdd(int pfn, int n) {
        int h = head(pfn);
        int[] sec = refcount[h >>> Sections.SHIFT];
        while (true) {
            int c = (int) INTS.getVolatile(sec, h & Sections.MASK);
            if (c == 0) {
                return false;
            }
            if (INTS.compareAndSet(sec, h & Sections.MASK, c, c + n)) {
                return true;
            }
        }
    }

    /** PTE mappings of this one frame. */
    public int pteMapcount(int pfn) {
        short[] c = mapcountChunk(pfn);
        return c == null ? 0 : (short) SHORTS.getVolatile(c, pfn & (CHUNK - 1));
    }

    /**
     * A new folio's first PTE mapping (atomic_set of the mapcount): its count was 0 and nobody
     * else can reach the folio yet, so it is set, not added to.
     */
    public void firstPteMapping(int pfn) {
        short[] c = mapcountChunk(pfn);
        if (c == null) {
            c = newMapcountChunk(pfn);
        }
        SHORTS.setRelease(c, pfn & (CHUNK - 1), (short) 1);
    }

    /**
     * Adds {@code n} to the PTE mapcount and returns the new count.
     *
     * @throws IllegalStateException when the count would leave the range of a short (32767 PTEs)
     */
    public int pteMapcountAdd(int pfn, int n) {
        short[] c = mapcountChunk(pfn);
        if (c == null) {
            c = newMapcountChunk(pfn);
        }
        int now = (short) SHORTS.getAndAdd(c, pfn & (CHUNK - 1), (short) n) + n;
        if (now != (short) now) {
            SHORTS.getAndAdd(c, pfn & (CHUNK - 1), (short) -n);
            throw new IllegalStateException("PTE mapcount of frame " + pfn + " would be " + now + ", beyond a short");
        }
        return now;
    }

    /** The chunk of PTE mapcounts that holds {@code pfn}'s, or null. */
    private short[] mapcountChunk(int pfn) {
        return mapcounts[pfn >>> Sections.SHIFT][(pfn & Sections.MASK) >>> CHUNK_SHIFT];
    }

    /** Installs the mapcount chunk of {@code pfn}, or returns the one another thread installed first. */
    private short[] newMapcountChunk(int pfn) {
        short[] fresh = new short[CHUNK];
        short[] other = (short[]) SHORT_CHUNKS.compareAndExchange(mapcounts[pfn >>> Sections.SHIFT],
                (pfn & Sections.MASK) >>> CHUNK_SHIFT, (short[]) null, fresh);
        return other == null ? fresh : other;
    }

    /** PMD or PUD mappings of the whole folio. */
    public int entireMapcount(int pfn) {
        int h = head(pfn);
        return isLarge(h) ? (int) INTS.getVolatile(refcount[(h + 1) >>> Sections.SHIFT], (h + 1) & Sections.MASK) : 0;
    }

    /** @throws IllegalStateException for a small folio, which only PTEs map (its head+1 is another folio) */
    public void entireMapcountAdd(int pfn, int n) {
        int h = head(pfn);
        if (!isLarge(h)) {
            throw new IllegalStateException("entire mapcount of small folio " + h);
        }
        INTS.getAndAdd(refcount[(h + 1) >>> Sections.SHIFT], (h + 1) & Sections.MASK, n);
    }

    /** How many times this frame is mapped, through PTEs or through its folio's PMD/PUD. */
    public int mapcount(int pfn) {
        return pteMapcount(pfn) + entireMapcount(pfn);
    }

    /** True when any frame of the folio is mapped anywhere. */
    public boolean folioMapped(int pfn) {
        int h = head(pfn);
        return entireMapcount(h) > 0 || ptesMappedFrames(h, nrPages(h)) > 0;
    }

    /** Sum over the folio of PTE mapcounts plus its entire mapcount times its size. */
    public int folioTotalMapcount(int pfn) {
        int h = head(pfn);
        int n = nrPages(h);
        int total = n * entireMapcount(h);
        for (int i = 0; i < n; i++) {
            total += pteMapcount(h + i);
        }
        return total;
    }

    /** The pin count of a large folio (small folios count pins in the refcount, with a bias). */
    public int largePincount(int pfn) {
        int h = head(pfn);
        if (!isLarge(h)) {
            return 0;
        }
        long[] c = mapIndexChunkOrNull(h + 1);
        int i = (h + 1) & (CHUNK - 1);
        return c == null || i >= c.length ? 0 : (int) (long) LONGS.getVolatile(c, i);
    }

    void largePincountAdd(int pfn, int n) {
        int slot = head(pfn) + 1;
        LONGS.getAndAdd(mapIndexChunk(slot), slot & (CHUNK - 1), (long) n);
    }

    /** Makes {@code [head, head + 2^order)} one folio (compound page). */
    void makeFolio(int head, int folioOrder) {
        int n = 1 << folioOrder;
        for (int i = 0; i < n; i++) {
            setFlagWord(head + i, withOrder(i == 0 ? (folioOrder > 0 ? PageFlags.HEAD : 0) : PageFlags.TAIL, folioOrder));
            setRefcount(head + i, 0);
        }
        int base = head & -CHUNK;
        long[] c = mapIndexChunkOrNull(base);
        if (folioOrder < CHUNK_SHIFT && c != null && c.length == COMPACT) {
            // Widened now, before the folio is handed out: the larger folio or block that had the
            // chunk compact is gone, so nobody else can be writing its two slots meanwhile.
            mapIndexChunk(base + COMPACT);
        }
        // Only the head's slot and the first tail's (the pin count) mean anything in a folio.
        for (int i = 0; i < Math.min(n, COMPACT); i++) {
            setMapIndex(head + i, 0);
        }
        clearMapcounts(head, n);
    }

    /** Bytes the chunked slots (mapcounts, mapping-and-index words) take, headers aside. */
    long chunkedSlotBytes() {
        long bytes = 0;
        for (short[][] sec : mapcounts) {
            for (short[] c : sec == null ? new short[0][] : sec) {
                bytes += c == null ? 0 : (long) Short.BYTES * c.length;
            }
        }
        for (long[][] sec : mapIndexes) {
            for (long[] c : sec == null ? new long[0][] : sec) {
                bytes += c == null ? 0 : (long) Long.BYTES * c.length;
            }
        }
        return bytes;
    }

    /** The mapping-and-index word of {@code pfn} (or the buddy links, or the pin count kept there). */
    long mapIndex(int pfn) {
        long[] c = mapIndexChunkOrNull(pfn);
        int i = pfn & (CHUNK - 1);
        return c == null || i >= c.length ? 0 : c[i];
    }

    void setMapIndex(int pfn, long word) {
        long[] c = mapIndexChunkOrNull(pfn);
        int i = pfn & (CHUNK - 1);
        if (c == null || i >= c.length) {
            if (word == 0) {
                return; // reads 0 already
            }
            c = mapIndexChunk(pfn);
        }
        c[i] = word;
    }

    /**
     * The chunk that has a slot for {@code pfn}, installed or widened first when it has none. A
     * chunk widens only when a folio smaller than it is made in it ({@link #makeFolio}), a free
     * block head past its first two frames is linked, or a folio is split: each time the folio or
     * block of PMD order or more that had it compact is gone, so nobody is updating its slots.
     */
    private long[] mapIndexChunk(int pfn) {
        long[][] sec = mapIndexes[pfn >>> Sections.SHIFT];
        int ci = (pfn & Sections.MASK) >>> CHUNK_SHIFT;
        int i = pfn & (CHUNK - 1);
        while (true) {
            long[] c = (long[]) LONG_CHUNKS.getVolatile(sec, ci);
            if (c != null && i < c.length) {
                return c;
            }
            long[] wider = c != null ? java.util.Arrays.copyOf(c, CHUNK)
                    : new long[i < COMPACT && order(pfn & -CHUNK) >= CHUNK_SHIFT ? COMPACT : CHUNK];
            if (LONG_CHUNKS.compareAndSet(sec, ci, c, wider)) {
                return wider;
            }
        }
    }

    /** The chunk of mapping-and-index words that holds {@code pfn}'s, or null. */
    private long[] mapIndexChunkOrNull(int pfn) {
        return mapIndexes[pfn >>> Sections.SHIFT][(pfn & Sections.MASK) >>> CHUNK_SHIFT];
    }

    /** Zeroes the PTE mapcounts of {@code [first, first + n)} where a chunk holds them. */
    private void clearMapcounts(int first, int n) {
        for (int pfn = first, end = first + n; pfn < end; ) {
            int chunkEnd = Math.min(end, (pfn & -CHUNK) + CHUNK);
            short[] c = mapcountChunk(pfn);
            if (c != null) {
                int from = pfn & (CHUNK - 1);
                java.util.Arrays.fill(c, from, from + (chunkEnd - pfn), (short) 0);
            }
            pfn = chunkEnd;
        }
    }

    /**
     * How many frames of {@code [first, first + n)} some PTE maps: a chunk no PTE ever mapped
     * counts none without being read frame by frame (a PMD-mapped THP's, typically).
     */
    public int ptesMappedFrames(int first, int n) {
        int mapped = 0;
        for (int pfn = first, end = first + n; pfn < end; ) {
            int chunkEnd = Math.min(end, (pfn & -CHUNK) + CHUNK);
            short[] c = mapcountChunk(pfn);
            for (int i = pfn & (CHUNK - 1), last = i + (chunkEnd - pfn); c != null && i < last; i++) {
                if ((short) SHORTS.getVolatile(c, i) > 0) {
                    mapped++;
                }
            }
            pfn = chunkEnd;
        }
        return mapped;
    }
}
