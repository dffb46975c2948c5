package jhmm.device.dmirror;

import java.util.Arrays;

/**
 * The test device's page table (its XArray): virtual page number to frame plus a 2-bit tag,
 * in an open-addressing hash table of packed longs. It holds no page references: only the
 * notifier keeps it coherent.
 */
final class DevicePageTable {
    static final int TAG_READ = 0;
    static final int TAG_ATOMIC = 1;
    static final int TAG_WRITE = 3;
    private static final long EMPTY = -1;
    private static final long TOMBSTONE = -2;

    private static final int INITIAL = 64;

    private long[] keys;
    private long[] values;
    private int size;
    private int used;
    /** Bounds of every vpn stored since the table was last empty (unsigned). */
    private long lowest;
    private long highest;

    DevicePageTable() {
        reset();
    }

    private void reset() {
        keys = new long[INITIAL];
        values = new long[INITIAL];
        Arrays.fill(keys, EMPTY);
        size = 0;
        used = 0;
        lowest = -1;
        highest = 0;
    }

    int size() {
        return size;
    }

    private static int hash(long vpn, int mask) {
        long h = vpn * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32) & mask;
    }

    /** The packed entry ({@code pfn << 2 | tag}) for {@code vpn}, or -1. */
    long load(long vpn) {
        int mask = keys.length - 1;
        for (int i = hash(vpn, mask); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == vpn) {
                return values[i];
            }
            if (k == EMPTY) {
                return -1;
            }
        }
    }

    void store(long vpn, int pfn, int tag) {
        if ((used + 1) * 2 > keys.length) {
            rehash(size * 4 > keys.length ? keys.length * 2 : keys.length);
        }
        int mask = keys.length - 1;
        int slot = -1;
        for (int i = hash(vpn, mask); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == vpn) {
                values[i] = entry(pfn, tag);
                return;
            }
            if (k == TOMBSTONE && slot < 0) {
                slot = i;
            } else if (k == EMPTY) {
                if (slot < 0) {
                    slot = i;
                    used++;
                }
                break;
            }
        }
        keys[slot] = vpn;
        values[slot] = entry(pfn, tag);
        size++;
        if (Long.compareUnsigned(vpn, lowest) < 0) {
            lowest = vpn;
        }
        if (Long.compareUnsigned(vpn, highest) > 0) {
            highest = vpn;
        }
    }

    static long entry(int pfn, int tag) {
        return ((long) pfn << 2) | tag;
    }

    static int pfn(long entry) {
        return (int) (entry >>> 2);
    }

    static int tag(long entry) {
        return (int) (entry & 3);
    }

    /** Erases every entry with first <= vpn <= last (both inclusive, as xa_for_each_range). */
    void eraseRange(long first, long last) {
        if (size == 0) {
            return;
        }
        if (Long.compareUnsigned(first, lowest) <= 0 && Long.compareUnsigned(last, highest) >= 0) {
            reset(); // the range covers everything stored (munmap of all that was mirrored)
            return;
        }
        // one sequential pass over the slots beats a random probe per page once the range is a sixteenth of them
        if (Long.compareUnsigned(last - first, Math.min(size, keys.length >>> 4)) > 0) {
            for (int i = 0; i < keys.length; i++) {
                long k = keys[i];
                if (k >= 0 && Long.compareUnsigned(k, first) >= 0 && Long.compareUnsigned(k, last) <= 0) {
                    keys[i] = TOMBSTONE;
                    size--;
                }
            }
            return;
        }
        for (long vpn = first; Long.compareUnsigned(vpn, last) <= 0; vpn++) {
            erase(vpn);
            if (vpn == last) {
                break;
            }
        }
    }

    private void erase(long vpn) {
        int mask = keys.length - 1;
        for (int i = hash(vpn, mask); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == vpn) {
                keys[i] = TOMBSTONE;
                size--;
                return;
            }
            if (k == EMPTY) {
                return;
            }
        }
    }

    /** Calls {@code v} for every entry. */
    void forEach(EntryVisitor v) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] >= 0) {
                v.visit(keys[i], values[i]);
            }
        }
    }

    interface EntryVisitor {
        void visit(long vpn, long entry);
    }

    private void rehash(int capacity) {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[capacity];
        values = new long[capacity];
        Arrays.fill(keys, EMPTY);
        size = 0;
        used = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] >= 0) {
                store(oldKeys[i], pfn(oldValues[i]), tag(oldValues[i]));
            }
        }
    }
}
