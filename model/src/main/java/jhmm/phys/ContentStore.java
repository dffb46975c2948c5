package jhmm.phys;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import jhmm.base.Pattern;

/**
 * The bytes of a set of 4 KiB pages (RAM frames or swap slots), allocated lazily.
 *
 * <p>Each page has one packed descriptor: zero (nothing stored), a linear word pattern
 * (word j of the page holds {@code slope*j + c}, which is what every scenario pattern writes),
 * or an index into a bank of materialized 4 KiB arrays for pages written any other way.
 *
 * <p>Descriptors live in chunks of {@value #CHUNK} pages, a chunk allocated when a page in it
 * first gets content other than zero: frames that are free, freshly faulted (zero-filled) or
 * never written cost nothing, and a chunk costs 8 bytes a page for as long as the store lives.
 * Chunks sit in {@link Sections}, so that device memory added later (memremap_pages) never
 * moves a chunk another thread is writing.
 *
 * <p>Several threads may use the store at once (CPUs and devices reach different pages, and in
 * a race the same one): chunks are installed with a compare-and-set, a descriptor changes
 * atomically (the bytes a page held go back to the bank exactly once), and the bank's slots
 * are handed out under a lock. A descriptor is published with release semantics after its
 * bank slot is filled, so a reader that sees it finds the bytes.
 */
public final class ContentStore {
    static final int PAGE = 4096;
    private static final int CHUNK_SHIFT = 9;
    static final int CHUNK = 1 << CHUNK_SHIFT;
    private static final VarHandle CHUNKS = MethodHandles.arrayElementVarHandle(long[][].class);
    private static final VarHandle DESCS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final long KIND_MASK = 3L << 62;
    private static final long KIND_LINEAR = 1L << 62;
    private static final long KIND_BYTES = 2L << 62;

    /** Per section: descriptor chunks by (page within the section) / {@value #CHUNK}; null while every page of the chunk is zero. */
    private volatile long[][][] sections = new long[0][][];
    /** The materialized pages, by bank slot; slots are taken and given back under {@code bankLock}. */
    private volatile byte[][] bank = new byte[16][];
    private final Object bankLock = new Object();
    private int[] freeBank = new int[16];
    private int freeBankTop;
    private int bankUsed;

    public ContentStore(int pages) {
        install(0, pages);
    }

    private static int chunksFor(int pages) {
        return (pages + CHUNK - 1) >>> CHUNK_SHIFT;
    }

    /** Adds the sections of pages [first, end), first at a section boundary, and publishes them. */
    private synchronized void install(int first, int end) {
        int n = Sections.count(end);
        long[][][] grown = Arrays.copyOf(sections, n);
        for (int s = first >>> Sections.SHIFT; s < n; s++) {
            grown[s] = new long[chunksFor(Sections.length(s, end))][];
        }
        sections = grown;
    }

    private long[] chunk(int page) {
        return sections[page >>> Sections.SHIFT][(page & Sections.MASK) >>> CHUNK_SHIFT];
    }

    private long desc(int page) {
        long[] c = chunk(page);
        return c == null ? 0 : (long) DESCS.getAcquire(c, page & (CHUNK - 1));
    }

    /** Sets a page's descriptor and gives back the bank slot of the one it replaced. */
    private void setDesc(int page, long d) {
        long[] c = chunk(page);
        if (c == null) {
            if (d == 0) {
                return; // already zero: no chunk needed
            }
            c = newChunk(page);
        }
        freeSlotOf((long) DESCS.getAndSet(c, page & (CHUNK - 1), d));
    }

    /** Installs the chunk of {@code page}, or returns the one another thread installed first. */
    private long[] newChunk(int page) {
        long[] fresh = new long[CHUNK];
        long[] other = (long[]) CHUNKS.compareAndExchange(sections[page >>> Sections.SHIFT],
                (page & Sections.MASK) >>> CHUNK_SHIFT, (long[]) null, fresh);
        return other == null ? fresh : other;
    }

    private static long linear(int slope, int c) {
        if (slope == 0 && c == 0) {
            return 0;
        }
        return KIND_LINEAR | ((long) (slope + 1) << 32) | (c & 0xFFFFFFFFL);
    }

    private static int slopeOf(long d) {
        return (int) ((d >>> 32) & 3) - 1;
    }

    /** Chunks of descriptors allocated so far: the store's footprint is 8 bytes a page of these. */
    int allocatedChunks() {
        int n = 0;
        for (long[][] sec : sections) {
            for (long[] c : sec) {
                n += c == null ? 0 : 1;
            }
        }
        return n;
    }

    /** Makes room for pages [first, end) (device memory added after boot), first at a section boundary. */
    void grow(int first, int end) {
        install(first, end);
    }

    /** True when the page reads as all zero bytes without having been materialized. */
    public boolean isZero(int page) {
        return desc(page) == 0;
    }

    public void clear(int page) {
        setDesc(page, 0);
    }

    /** {@link #clear} of pages [first, first + n), a chunk never written at a time. */
    public void clearRange(int first, int n) {
        int end = first + n;
        for (int page = first; page < end; ) {
            int chunkEnd = Math.min(end, ((page >>> CHUNK_SHIFT) + 1) << CHUNK_SHIFT);
            if (chunk(page) == null) {
                page = chunkEnd; // all zero already
                continue;
            }
            for (; page < chunkEnd; page++) {
                clear(page);
            }
        }
    }

    /** Gives back the bank slot a replaced descriptor held, if it held one. */
    private void freeSlotOf(long d) {
        if ((d & KIND_MASK) != KIND_BYTES) {
            return;
        }
        synchronized (bankLock) {
            int b = (int) d;
            bank[b] = null;
            if (freeBankTop == freeBank.length) {
                freeBank = Arrays.copyOf(freeBank, freeBankTop * 2);
            }
            freeBank[freeBankTop++] = b;
        }
    }

    /** A bank slot now holding {@code bytes}. */
    private int takeSlot(byte[] bytes) {
        synchronized (bankLock) {
            int b;
            if (freeBankTop > 0) {
                b = freeBank[--freeBankTop];
            } else {
                if (bankUsed == bank.length) {
                    bank = Arrays.copyOf(bank, bankUsed * 2);
                }
                b = bankUsed++;
            }
            bank[b] = bytes;
            return b;
        }
    }

    /**
     * The page's bytes as an array of its own, made from its descriptor the first time. Two
     * threads making it at once: one installs its array, the other gives its slot back and
     * uses that one.
     */
    private byte[] materialize(int page) {
        while (true) {
            long d = desc(page);
            if ((d & KIND_MASK) == KIND_BYTES) {
                return bank[(int) d];
            }
            byte[] bytes = new byte[PAGE];
            if (d != 0) {
                Pattern p = new Pattern(slopeOf(d), (int) d);
                p.fill(0, bytes, 0, PAGE);
            }
            int b = takeSlot(bytes);
            long[] c = chunk(page);
            if (c == null) {
                c = newChunk(page);
            }
            if (DESCS.compareAndSet(c, page & (CHUNK - 1), d, KIND_BYTES | b)) {
                return bytes;
            }
            freeSlotOf(KIND_BYTES | b); // another thread changed the page first: start again from its descriptor
        }
    }

    /**
     * Writes {@code len} bytes of pattern {@code p} at {@code off} in the page, where byte 0 of
     * the page sits at byte {@code pageOrigin} of the pattern.
     */
    public void writePattern(int page, int off, int len, Pattern p, long pageOrigin) {
        if (off == 0 && len == PAGE && (pageOrigin & 3) == 0) {
            long k0 = pageOrigin >>> 2;
            setDesc(page, linear(p.slope(), p.wordAt(k0)));
            return;
        }
        p.fill(pageOrigin + off, materialize(page), off, len);
    }

    public void write(int page, int off, byte[] src, int srcOff, int len) {
        System.arraycopy(src, srcOff, materialize(page), off, len);
    }

    public void read(int page, int off, byte[] dst, int dstOff, int len) {
        long d = desc(page);
        if (d == 0) {
            Arrays.fill(dst, dstOff, dstOff + len, (byte) 0);
        } else if ((d & KIND_MASK) == KIND_BYTES) {
            System.arraycopy(bank[(int) d], off, dst, dstOff, len);
        } else {
            new Pattern(slopeOf(d), (int) d).fill(off, dst, dstOff, len);
        }
    }

    public byte byteAt(int page, int off) {
        long d = desc(page);
        if (d == 0) {
            return 0;
        }
        if ((d & KIND_MASK) == KIND_BYTES) {
            return bank[(int) d][off];
        }
        int word = slopeOf(d) * (off >>> 2) + (int) d;
        return (byte) (word >>> ((off & 3) * 8));
    }

    /** True when bytes {@code [off, off+len)} of the page equal the pattern placed at {@code pageOrigin}. */
    public boolean matches(int page, int off, int len, Pattern p, long pageOrigin) {
        long d = desc(page);
        if (off == 0 && len == PAGE && (pageOrigin & 3) == 0 && (d & KIND_MASK) != KIND_BYTES) {
            return d == linear(p.slope(), p.wordAt(pageOrigin >>> 2));
        }
        for (int i = 0; i < len; i++) {
            if (byteAt(page, off + i) != p.byteAt(pageOrigin + off + i)) {
                return false;
            }
        }
        return true;
    }

    /** Copies page {@code from} of this store over page {@code to} of {@code dst}. */
    public void copyTo(int from, ContentStore dst, int to) {
        long d = desc(from);
        if ((d & KIND_MASK) == KIND_BYTES) {
            dst.write(to, 0, bank[(int) d], 0, PAGE);
        } else {
            dst.setDesc(to, d);
        }
    }
}
