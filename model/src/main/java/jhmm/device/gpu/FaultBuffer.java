package jhmm.device.gpu;

/**
 * The replayable fault buffer: a ring of entries the GPU writes (the page and the access of a
 * warp that stalled) and the driver fetches. A full buffer takes no entry: the warp stays stalled
 * and faults again after the next replay.
 */
final class FaultBuffer {
    private final long[] page;
    private final byte[] access;
    private int head;
    private int count;

    FaultBuffer(int capacity) {
        page = new long[capacity];
        access = new byte[capacity];
    }

    boolean push(long vpn, byte kind) {
        if (count == page.length) {
            return false;
        }
        int i = (head + count) % page.length;
        page[i] = vpn;
        access[i] = kind;
        count++;
        return true;
    }

    int size() {
        return count;
    }

    /** Fetches up to {@code max} entries (0: all) into {@code out} as (vpn << 2 | access); returns how many. */
    int fetch(int max, long[] out) {
        int n = max == 0 ? count : Math.min(max, count);
        for (int k = 0; k < n; k++) {
            out[k] = page[head] << 2 | access[head];
            head = (head + 1) % page.length;
        }
        count -= n;
        return n;
    }

    /** Discards every pending entry (a flush before replay); returns how many. */
    int flush() {
        int n = count;
        head = (head + count) % page.length;
        count = 0;
        return n;
    }

    int capacity() {
        return page.length;
    }
}
