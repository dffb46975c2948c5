package jhmm.device.dmirror;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.hmm.HmmPfn;
import jhmm.hmm.HmmRange;
import jhmm.hmm.HmmDriverProtocol;
import jhmm.mm.DeviceExclusive;
import jhmm.mm.Mm;
import jhmm.mm.NotifierEvent;
import jhmm.mm.NotifierRange;
import jhmm.notifier.MmuIntervalNotifier;
import jhmm.notifier.MmuNotifiers;
import jhmm.phys.ContentStore;
import jhmm.phys.DevPagemap;

/**
 * One open of a test device (lib/test_hmm.c's struct dmirror): a device page table mirroring
 * one address space, kept coherent by an interval notifier over the whole address space,
 * and the ioctls READ, WRITE, SNAPSHOT, EXCLUSIVE and CHECK_EXCLUSIVE with the kernel's
 * counters and error precedence. The driver follows the documented HMM protocol:
 * read_begin, hmm_range_fault under the mmap read lock, then read_retry under its own mutex
 * before it programs the device page table.
 */
public final class Dmirror {
    /** Pages faulted per hmm_range_fault call. */
    static final int FAULT_CHUNK = 32;
    private static final long TIMEOUT_NANOS = HmmDriverProtocol.DEFAULT_TIMEOUT_NANOS;
    private static final int P = (int) PageSize.PAGE_SIZE;

    final DmirrorDevice device;
    final Mm mm;
    /** The device page-table lock: taken by the invalidate callback and around every table change. */
    final ReentrantLock mutex = new ReentrantLock();
    final DevicePageTable pt = new DevicePageTable();
    private final MmuIntervalNotifier notifier;
    private boolean closed;
    /** HMM_DMIRROR_FLAGS: error injection; bit 0 fails the next allocation once. */
    private long flags;
    public static final long FLAG_FAIL_ALLOC = 1;

    Dmirror(DmirrorDevice device, Mm mm) {
        this.device = device;
        this.mm = mm;
        this.notifier = MmuNotifiers.insert(mm, 0, -PageSize.PAGE_SIZE, this::invalidate);
    }

    public DmirrorDevice device() {
        return device;
    }

    public Mm mm() {
        return mm;
    }

    /** dmirror_fops_mmap: maps the device file into the opener, one zeroed kernel page per page. */
    public long mmap(long len, int prot, int flags) {
        return jhmm.mm.MmapOps.mmapInsertedPages(mm, len, prot, flags);
    }

    /**
     * dmirror_fops_release: the notifier goes, then (as kernels since 2026 do) every page of
     * the device's memory is evicted to RAM, then the table.
     */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        MmuNotifiers.remove(notifier);
        DmirrorMigration.evictAll(device);
        mutex.lock();
        try {
            pt.eraseRange(0, -1L >>> PageSize.PAGE_SHIFT);
        } finally {
            mutex.unlock();
        }
        device.closed(this);
    }

    /** The one-shot FAIL_ALLOC flag: true (and cleared) if set. */
    synchronized boolean consumeFailAlloc() {
        if ((flags & FLAG_FAIL_ALLOC) == 0) {
            return false;
        }
        flags &= ~FLAG_FAIL_ALLOC;
        return true;
    }

    /** Erases the device entry of one address (the fault path's copy step). */
    void forget(long addr) {
        mutex.lock();
        try {
            pt.eraseRange(addr >>> PageSize.PAGE_SHIFT, addr >>> PageSize.PAGE_SHIFT);
        } finally {
            mutex.unlock();
        }
    }

    // ---- device memory ------------------------------------------------------------------

    /** HMM_DMIRROR_MIGRATE_TO_DEV: moves the range into this device's memory, then reads it back. */
    public int migrateToDev(DmirrorCmd cmd) {
        int ret = validate(cmd);
        if (ret != 0) {
            return ret;
        }
        if (mm.isDead()) {
            return -Errno.EINVAL;
        }
        int bytes = (int) (cmd.npages * P);
        if (cmd.ptr == null || cmd.ptr.length < bytes) {
            return -Errno.EFAULT;
        }
        long end = cmd.addr + bytes;
        ret = DmirrorMigration.toDevice(this, cmd.addr, end);
        if (ret != 0) {
            return ret;
        }
        byte[] bounce = new byte[bytes];
        int[] copied = new int[1];
        mutex.lock();
        try {
            ret = copyPages(cmd.addr, cmd.addr, end, bounce, copied, false);
        } finally {
            mutex.unlock();
        }
        if (ret == 0) {
            System.arraycopy(bounce, 0, cmd.ptr, 0, bytes);
        }
        return fail(cmd, cmd.npages, 0, ret);
    }

    /** HMM_DMIRROR_MIGRATE_TO_SYS: cpages = pages actually moved back (may be 0). */
    public int migrateToSys(DmirrorCmd cmd) {
        int ret = validate(cmd);
        if (ret != 0) {
            return ret;
        }
        if (mm.isDead()) {
            return -Errno.EINVAL;
        }
        long moved = DmirrorMigration.toSystem(this, cmd.addr, cmd.addr + (cmd.npages << PageSize.PAGE_SHIFT));
        return moved < 0 ? (int) moved : fail(cmd, moved, 0, 0);
    }

    /** HMM_DMIRROR_RELEASE: evicts every page of the device's memory (all its mirrors). */
    public int release(DmirrorCmd cmd) {
        int ret = validate(cmd);
        if (ret != 0) {
            return ret;
        }
        DmirrorMigration.evictAll(device);
        return fail(cmd, 0, 0, 0);
    }

    /** HMM_DMIRROR_FLAGS: sets the error-injection word to {@code cmd.npages}. */
    public int setFlags(DmirrorCmd cmd) {
        int ret = validate(cmd);
        if (ret != 0) {
            return ret;
        }
        synchronized (this) {
            flags = cmd.npages;
        }
        return fail(cmd, 0, 0, 0);
    }

    /** mmu_interval_read_begin on the mirror's notifier. */
    long notifierSeq() {
        return MmuNotifiers.readBegin(notifier);
    }

    /** mmu_interval_read_retry: whether an invalidation ran since {@code seq}; the caller holds {@link #mutex}. */
    boolean notifierChanged(long seq) {
        return MmuNotifiers.readRetry(notifier, seq);
    }

    /**
     * Maps what the CPU maps over [start, end) without faulting anything, under the retry
     * protocol: the pages present and this device's own, after a migration that raced an
     * invalidation could not trust its own results.
     */
    int mapPresent(long start, long end) {
        long[] pfns = new long[FAULT_CHUNK];
        for (long addr = start; addr < end; ) {
            long next = Math.min(end, addr + ((long) FAULT_CHUNK << PageSize.PAGE_SHIFT));
            HmmRange range = new HmmRange(notifier, addr, next, pfns);
            range.devPrivateOwner = device;
            int ret = HmmDriverProtocol.faultAndUpdate(range, mutex, TIMEOUT_NANOS, () -> programValid(range));
            if (ret != 0) {
                return ret;
            }
            addr = next;
        }
        return 0;
    }

    private int programValid(HmmRange range) {
        for (int i = 0; i < range.npages(); i++) {
            long e = range.hmmPfns[i];
            if ((e & HmmPfn.VALID) != 0) {
                store(range, i, e);
            }
        }
        return 0;
    }

    /** Page {@code i} of {@code range} into the table, writable if the CPU maps it so. */
    private void store(HmmRange range, int i, long e) {
        int tag = (e & HmmPfn.WRITE) != 0 ? DevicePageTable.TAG_WRITE : DevicePageTable.TAG_READ;
        pt.store((range.start >>> PageSize.PAGE_SHIFT) + i, HmmPfn.pfn(e), tag);
    }

    /** dmirror_interval_invalidate. */
    private boolean invalidate(MmuIntervalNotifier sub, NotifierRange range, long curSeq) {
        // the device's own migrations update the table themselves; Linux's test driver then
        // returns without setting the sequence either, so a read racing a CPU fault's
        // migrate_to_ram stores the device page just freed (the stress run found it): here the
        // sequence still moves, and the in-flight read retries
        boolean own = range.event() == NotifierEvent.MIGRATE && range.owner() == device;
        if (range.blockable()) {
            mutex.lock();
        } else if (!mutex.tryLock()) {
            return false;
        }
        try {
            sub.setSeq(curSeq);
            if (own) {
                return true;
            }
            // inclusive of the page at end: the kernel's range iteration erases one page more
            pt.eraseRange(range.start() >>> PageSize.PAGE_SHIFT, range.end() >>> PageSize.PAGE_SHIFT);
        } finally {
            mutex.unlock();
        }
        return true;
    }

    /** The checks every ioctl makes before dispatch; 0 or -EINVAL. Zeroes the counters. */
    private int validate(DmirrorCmd cmd) {
        if (closed || (cmd.addr & (P - 1)) != 0) {
            return -Errno.EINVAL;
        }
        long size = cmd.npages << PageSize.PAGE_SHIFT;
        if (cmd.npages <= 0 || cmd.npages > (1L << 40) || Long.compareUnsigned(cmd.addr + size, cmd.addr) <= 0) {
            return -Errno.EINVAL;
        }
        return 0;
    }

    private static int fail(DmirrorCmd cmd, long cpages, long faults, int ret) {
        if (ret == 0) {
            cmd.cpages = cpages;
            cmd.faults = faults;
        }
        return ret;
    }

    // ---- READ / WRITE -----------------------------------------------------------------

    /** HMM_DMIRROR_READ: the device reads [addr, addr+npages) into {@code cmd.ptr}. */
    public int read(DmirrorCmd cmd) {
        return access(cmd, false);
    }

    /** HMM_DMIRROR_WRITE: the device writes {@code cmd.ptr} over the range. */
    public int write(DmirrorCmd cmd) {
        return access(cmd, true);
    }

    private int access(DmirrorCmd cmd, boolean write) {
        int ret = validate(cmd);
        if (ret != 0) {
            return ret;
        }
        int bytes = (int) (cmd.npages * P);
        if (cmd.ptr == null || cmd.ptr.length < bytes) {
            return -Errno.EFAULT;
        }
        byte[] bounce = write ? cmd.ptr.clone() : new byte[bytes];
        long end = cmd.addr + bytes;
        long start = cmd.addr;
        int[] copied = new int[1];
        long faults = 0;
        while (true) {
            mutex.lock();
            try {
                ret = copyPages(cmd.addr, start, end, bounce, copied, write);
            } finally {
                mutex.unlock();
            }
            if (ret != -Errno.ENOENT) {
                break;
            }
            start = cmd.addr + ((long) copied[0] << PageSize.PAGE_SHIFT);
            ret = fault(start, end, write);
            if (ret != 0) {
                break;
            }
            faults++;
        }
        if (ret == 0 && !write) {
            System.arraycopy(bounce, 0, cmd.ptr, 0, bytes);
        }
        return fail(cmd, copied[0], faults, ret);
    }

    /** dmirror_do_read / dmirror_do_write under the mutex; -ENOENT at the first page missing. */
    private int copyPages(long base, long start, long end, byte[] bounce, int[] copied, boolean write) {
        ContentStore data = mm.system().phys().data();
        for (long a = start; a < end; a += P) {
            long e = pt.load(a >>> PageSize.PAGE_SHIFT);
            if (e < 0 || (write && DevicePageTable.tag(e) != DevicePageTable.TAG_WRITE)) {
                return -Errno.ENOENT;
            }
            int off = (int) (a - base);
            if (write) {
                data.write(DevicePageTable.pfn(e), 0, bounce, off, P);
            } else {
                data.read(DevicePageTable.pfn(e), 0, bounce, off, P);
            }
            copied[0]++;
        }
        return 0;
    }

    /** dmirror_fault: faults [start, end) in chunks with the retry protocol. */
    int fault(long start, long end, boolean write) {
        if (mm.isDead()) {
            return 0; // no mm reference: nothing to do (the kernel's quirk)
        }
        long[] pfns = new long[FAULT_CHUNK];
        for (long addr = start; addr < end; ) {
            long next = Math.min(end, addr + ((long) FAULT_CHUNK << PageSize.PAGE_SHIFT));
            HmmRange range = new HmmRange(notifier, addr, next, pfns);
            range.defaultFlags = HmmPfn.REQ_FAULT | (write ? HmmPfn.REQ_WRITE : 0);
            range.devPrivateOwner = device;
            int ret = rangeFault(range);
            if (ret != 0) {
                return ret;
            }
            addr = next;
        }
        return 0;
    }

    /** The retry protocol of the HMM documentation; on success programs the table. */
    private int rangeFault(HmmRange range) {
        return HmmDriverProtocol.faultAndUpdate(range, mutex, TIMEOUT_NANOS, () -> program(range));
    }

    /** dmirror_do_fault: stores every returned page; -EFAULT when a write came back read-only. */
    private int program(HmmRange range) {
        int n = range.npages();
        for (int i = 0; i < n; i++) {
            long e = range.hmmPfns[i];
            if ((e & HmmPfn.WRITE) == 0 && (range.defaultFlags & HmmPfn.REQ_WRITE) != 0) {
                return -Errno.EFAULT;
            }
            store(range, i, e);
        }
        return 0;
    }

    // ---- SNAPSHOT -----------------------------------------------------------------------

    /** HMM_DMIRROR_SNAPSHOT: one protection code per page into {@code cmd.ptr}, nothing faulted. */
    public int snapshot(DmirrorCmd cmd) {
        int ret = validate(cmd);
        if (ret != 0) {
            return ret;
        }
        if (mm.isDead()) {
            return -Errno.EINVAL;
        }
        if (cmd.ptr == null || cmd.ptr.length < cmd.npages) {
            return -Errno.EFAULT;
        }
        long end = cmd.addr + (cmd.npages << PageSize.PAGE_SHIFT);
        long[] pfns = new long[FAULT_CHUNK];
        long cpages = 0;
        for (long addr = cmd.addr; addr < end; ) {
            long next = Math.min(end, addr + ((long) FAULT_CHUNK << PageSize.PAGE_SHIFT));
            MmuIntervalNotifier chunk = MmuNotifiers.insert(mm, addr, next - addr, this::snapshotInvalidate);
            try {
                HmmRange range = new HmmRange(chunk, addr, next, pfns);
                range.devPrivateOwner = device;
                ret = snapshotChunk(range, cmd.ptr, (int) cpages);
            } finally {
                MmuNotifiers.remove(chunk);
            }
            if (ret != 0) {
                return ret;
            }
            cpages += (next - addr) >>> PageSize.PAGE_SHIFT;
            addr = next;
        }
        return fail(cmd, cpages, 0, 0);
    }

    private boolean snapshotInvalidate(MmuIntervalNotifier sub, NotifierRange range, long curSeq) {
        if (range.blockable()) {
            mutex.lock();
        } else if (!mutex.tryLock()) {
            return false;
        }
        sub.setSeq(curSeq);
        mutex.unlock();
        return true;
    }

    private int snapshotChunk(HmmRange range, byte[] out, int off) {
        return HmmDriverProtocol.faultAndUpdate(range, mutex, TIMEOUT_NANOS, () -> {
            for (int i = 0; i < range.npages(); i++) {
                out[off + i] = (byte) protection(range.hmmPfns[i]);
            }
            return 0;
        });
    }

    /** dmirror_mkentry: the protection code of one hmm_range_fault output. */
    int protection(long e) {
        if ((e & HmmPfn.ERROR) != 0) {
            return DmirrorProt.ERROR;
        }
        if ((e & HmmPfn.VALID) == 0) {
            return DmirrorProt.NONE;
        }
        int pfn = HmmPfn.pfn(e);
        int code;
        DevPagemap pgmap = mm.system().phys().pgmap(pfn);
        if (pgmap != null) {
            boolean local = pgmap.owner() == device;
            if (pgmap.type() == DevPagemap.Type.PRIVATE) {
                code = local ? DmirrorProt.DEV_PRIVATE_LOCAL : DmirrorProt.DEV_PRIVATE_REMOTE;
            } else {
                code = local ? DmirrorProt.DEV_COHERENT_LOCAL : DmirrorProt.DEV_COHERENT_REMOTE;
            }
        } else if (mm.system().phys().isZeroPfn(pfn)) {
            code = DmirrorProt.ZERO;
        } else {
            code = DmirrorProt.NONE;
        }
        code |= (e & HmmPfn.WRITE) != 0 ? DmirrorProt.WRITE : DmirrorProt.READ;
        int order = HmmPfn.order(e);
        if (order == HmmPfn.PMD_ORDER) {
            code |= DmirrorProt.PMD;
        } else if (order == HmmPfn.PUD_ORDER) {
            code |= DmirrorProt.PUD;
        }
        return code;
    }

    // ---- EXCLUSIVE ----------------------------------------------------------------------

    /** HMM_DMIRROR_EXCLUSIVE: device-exclusive (atomic) access to each page, then a read-back. */
    public int exclusive(DmirrorCmd cmd) {
        int ret = validate(cmd);
        if (ret != 0) {
            return ret;
        }
        if (mm.isDead()) {
            return -Errno.EINVAL;
        }
        long end = cmd.addr + (cmd.npages << PageSize.PAGE_SHIFT);
        mm.mmapLock().readLock().lock();
        try {
            for (long a = cmd.addr; a < end; a += P) {
                int pfn = DeviceExclusive.make(mm, a, null);
                if (pfn < 0) {
                    return pfn;
                }
                mutex.lock();
                try {
                    pt.store(a >>> PageSize.PAGE_SHIFT, pfn, DevicePageTable.TAG_ATOMIC);
                } finally {
                    mutex.unlock();
                }
            }
        } finally {
            mm.mmapLock().readLock().unlock();
        }
        int bytes = (int) (cmd.npages * P);
        if (cmd.ptr == null || cmd.ptr.length < bytes) {
            return -Errno.EFAULT;
        }
        int[] copied = new int[1];
        mutex.lock();
        try {
            ret = copyPages(cmd.addr, cmd.addr, end, cmd.ptr, copied, false);
        } finally {
            mutex.unlock();
        }
        return fail(cmd, copied[0], 0, ret);
    }

    /** HMM_DMIRROR_CHECK_EXCLUSIVE: -EPERM while any page of the range is still atomic. */
    public int checkExclusive(DmirrorCmd cmd) {
        int ret = validate(cmd);
        if (ret != 0) {
            return ret;
        }
        long end = cmd.addr + (cmd.npages << PageSize.PAGE_SHIFT);
        mutex.lock();
        try {
            for (long a = cmd.addr; a < end; a += P) {
                long e = pt.load(a >>> PageSize.PAGE_SHIFT);
                if (e >= 0 && DevicePageTable.tag(e) == DevicePageTable.TAG_ATOMIC) {
                    return -Errno.EPERM;
                }
            }
        } finally {
            mutex.unlock();
        }
        return fail(cmd, 0, 0, 0);
    }

    /**
     * One entry of the device's page table: the page at {@code addr} reaches frame {@code pfn}
     * for reading, for writing, or exclusively (atomic access, after make_device_exclusive).
     */
    public record TableEntry(long addr, int pfn, String access) {}

    /** The device's page table, sorted by address: what a user's view of the device shows. */
    public List<TableEntry> table() {
        List<TableEntry> out = new ArrayList<>();
        mutex.lock();
        try {
            pt.forEach((vpn, e) -> out.add(new TableEntry(vpn << PageSize.PAGE_SHIFT, DevicePageTable.pfn(e),
                    switch (DevicePageTable.tag(e)) {
                        case DevicePageTable.TAG_WRITE -> "write";
                        case DevicePageTable.TAG_ATOMIC -> "atomic";
                        default -> "read";
                    })));
        } finally {
            mutex.unlock();
        }
        out.sort(Comparator.comparingLong(TableEntry::addr));
        return out;
    }

    // ---- coherence ----------------------------------------------------------------------

    /**
     * Entries of the device table that the CPU page table no longer backs: the page is not
     * mapped at that address any more (a stale mirror), or the device may write a page the CPU
     * maps read-only.
     */
    public List<String> staleEntries() {
        List<String> out = new ArrayList<>();
        if (closed) {
            return out;
        }
        mutex.lock();
        try {
            pt.forEach((vpn, e) -> {
                long addr = vpn << PageSize.PAGE_SHIFT;
                String why = DeviceMirrorCheck.mismatch(device, mm, addr, DevicePageTable.pfn(e), DevicePageTable.tag(e));
                if (why != null && out.size() < 20) {
                    out.add(String.format("%s mirror of %s: page %x %s", device, mm, addr, why));
                }
            });
        } finally {
            mutex.unlock();
        }
        return out;
    }
}
