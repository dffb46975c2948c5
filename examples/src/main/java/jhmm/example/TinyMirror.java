package jhmm.example;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.hmm.HmmDriverProtocol;
import jhmm.hmm.HmmPfn;
import jhmm.hmm.HmmRange;
import jhmm.kernel.Machine;
import jhmm.kernel.UserProcess;
import jhmm.mm.NotifierRange;
import jhmm.mm.PageStates;
import jhmm.mm.Pte;
import jhmm.notifier.MmuIntervalNotifier;
import jhmm.notifier.MmuNotifiers;
import jhmm.phys.ContentStore;

/**
 * A minimal mirroring device, the example of docs/library.md: it has its own page table over
 * one window of a process's address space, fills it with hmm_range_fault under the documented
 * retry protocol, empties it from its interval notifier, and registers a coherence check so
 * that {@link Machine#checkInvariants()} reports an entry the CPU no longer backs.
 */
public final class TinyMirror {
    private static final int P = (int) PageSize.PAGE_SIZE;
    /** A table slot with nothing mapped. */
    private static final long NONE = -1;
    /** Set in a table slot the device may write through. */
    private static final long WRITABLE = 1L << 32;

    private final Machine machine;
    private final UserProcess process;
    private final long start;
    /** One slot per page of the window: the frame, with {@link #WRITABLE}, or {@link #NONE}. */
    private final long[] table;
    /** The device page-table lock: the invalidate callback and every table update take it. */
    private final ReentrantLock lock = new ReentrantLock();
    private final MmuIntervalNotifier notifier;
    private boolean closed;

    /** Opens the device on [start, start+len) of {@code process}; both page-aligned. */
    public TinyMirror(Machine machine, UserProcess process, long start, long len) {
        if (!PageSize.isPageAligned(start) || !PageSize.isPageAligned(len) || len <= 0) {
            throw new IllegalArgumentException("window must be whole pages: " + start + "+" + len);
        }
        this.machine = machine;
        this.process = process;
        this.start = start;
        this.table = new long[(int) (len / P)];
        Arrays.fill(table, NONE);
        this.notifier = MmuNotifiers.insert(process.mm(), start, len, this::invalidate);
        machine.addCoherenceCheck(this::staleEntries);
    }

    /** The device reads the page at {@code addr} into {@code dst[0..4096)}: 0 or -errno. */
    public int read(long addr, byte[] dst) {
        return access(addr, dst, false);
    }

    /** The device writes {@code src[0..4096)} over the page at {@code addr}: 0 or -errno. */
    public int write(long addr, byte[] src) {
        return access(addr, src, true);
    }

    /** Pages the device has mapped now. */
    public int mappedPages() {
        lock.lock();
        try {
            return (int) Arrays.stream(table).filter(e -> e != NONE).count();
        } finally {
            lock.unlock();
        }
    }

    /** The device's interval notifier (a test unhooks it to see the coherence check catch the stale table). */
    MmuIntervalNotifier notifier() {
        return notifier;
    }

    /** Removes the notifier and forgets every mapping; the device must not touch the memory after. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        MmuNotifiers.remove(notifier);
        lock.lock();
        try {
            Arrays.fill(table, NONE);
        } finally {
            lock.unlock();
        }
    }

    /** A device access: the table if it maps the page well enough, else a fault and a second try. */
    private int access(long addr, byte[] buf, boolean write) {
        int slot = slot(addr);
        if (slot < 0 || buf.length < P || closed) {
            return -Errno.EINVAL;
        }
        if (copy(slot, buf, write)) {
            return 0;
        }
        int ret = fault(addr, write);
        if (ret != 0) {
            return ret;
        }
        // an invalidation may have emptied the slot again since: the caller retries, as a device would
        return copy(slot, buf, write) ? 0 : -Errno.EAGAIN;
    }

    /** Copies through the table under the lock, so no invalidation can free the frame meanwhile. */
    private boolean copy(int slot, byte[] buf, boolean write) {
        ContentStore data = machine.physicalMemory().data();
        lock.lock();
        try {
            long e = table[slot];
            if (e == NONE || (write && (e & WRITABLE) == 0)) {
                return false;
            }
            int pfn = (int) e;
            if (write) {
                data.write(pfn, 0, buf, 0, P);
            } else {
                data.read(pfn, 0, buf, 0, P);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** hmm_range_fault of one page under the retry protocol; the table is updated under the lock. */
    private int fault(long addr, boolean write) {
        HmmRange range = new HmmRange(notifier, addr, addr + P, new long[1]);
        range.defaultFlags = HmmPfn.REQ_FAULT | (write ? HmmPfn.REQ_WRITE : 0);
        return HmmDriverProtocol.faultAndUpdate(range, lock, HmmDriverProtocol.DEFAULT_TIMEOUT_NANOS, () -> {
            long e = range.hmmPfns[0];
            table[slot(addr)] = HmmPfn.pfn(e) | (HmmPfn.writable(e) ? WRITABLE : 0);
            return 0;
        });
    }

    /** The interval notifier's callback: bump the sequence and drop the range, under the table lock. */
    private boolean invalidate(MmuIntervalNotifier sub, NotifierRange range, long curSeq) {
        if (range.blockable()) {
            lock.lock();
        } else if (!lock.tryLock()) {
            return false;
        }
        try {
            sub.setSeq(curSeq);
            int first = Math.max(0, (int) ((Math.max(range.start(), start) - start) / P));
            int end = (int) Math.min(table.length, (Math.min(range.end(), start + (long) table.length * P) - start + P - 1) / P);
            if (first < end) {
                Arrays.fill(table, first, end, NONE);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The coherence check: every mapped slot must name the frame the CPU maps there, writable only if the CPU's is. */
    List<String> staleEntries() {
        List<String> out = new ArrayList<>();
        lock.lock();
        try {
            for (int i = 0; i < table.length; i++) {
                if (table[i] == NONE) {
                    continue;
                }
                long addr = start + (long) i * P;
                long cpu = PageStates.entryAt(process.mm(), addr);
                if (!Pte.present(cpu) || Pte.pfn(cpu) != (int) table[i]) {
                    out.add(String.format("tiny mirror of %s: page %x maps frame %d, which the CPU does not map there",
                            process.name(), addr, (int) table[i]));
                } else if ((table[i] & WRITABLE) != 0 && !Pte.writable(cpu)) {
                    out.add(String.format("tiny mirror of %s: page %x is writable but the CPU maps it read-only", process.name(), addr));
                }
            }
        } finally {
            lock.unlock();
        }
        return out;
    }

    private int slot(long addr) {
        long off = addr - start;
        return off < 0 || off >= (long) table.length * P || !PageSize.isPageAligned(addr) ? -1 : (int) (off / P);
    }
}
