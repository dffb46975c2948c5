package jhmm.kernel;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.kernel.CpuSideModelPropertyTest.Op;
import jhmm.kernel.CpuSideModelPropertyTest.Setup;
import jhmm.kernel.RefMemory.Kind;
import jhmm.kernel.RefMemory.Obj;
import jhmm.kernel.RefMemory.Page;
import jhmm.kernel.RefMemory.Proc;
import jhmm.mm.FileInode;
import jhmm.mm.Mman;
import jhmm.mm.Vma;
import jhmm.testing.Step;

/**
 * One try of {@link CpuSideModelPropertyTest}: a machine and the reference model, driven by the
 * same steps. Each step's numbers pick processes, addresses and sizes from the current state,
 * so that any (shrunk) list of steps is a valid script. A difference, a broken invariant or a
 * pinned page that moved fails the try with the steps so far. At the end every mapped page is
 * read back, every process exits, and nothing but page cache may be left in RAM or swap.
 */
final class CpuSideRun {
    private static final long P = PageSize.PAGE_SIZE;
    private static final long M2 = PageSize.PMD_SIZE;
    private static final int MAX_PROCS = 3;
    /**
     * Pages mapped by all processes, plus live shmem objects and the files: kept below RAM plus
     * swap (at least 16K + 8K pages) so that reclaim can always make room; shmem, which cannot
     * be reclaimed, is kept well below RAM.
     */
    private static final long MAX_FOOTPRINT = 18_000;
    private static final long MAX_SHMEM = 6_000;
    private static final int[] ADVICE = {
        Mman.MADV_DONTNEED, Mman.MADV_DONTNEED, Mman.MADV_DONTNEED, Mman.MADV_FREE, Mman.MADV_FREE, Mman.MADV_FREE,
        Mman.MADV_PAGEOUT, Mman.MADV_PAGEOUT, Mman.MADV_HUGEPAGE, Mman.MADV_HUGEPAGE, Mman.MADV_NOHUGEPAGE,
        Mman.MADV_COLLAPSE, Mman.MADV_COLLAPSE, Mman.MADV_POPULATE_READ, Mman.MADV_POPULATE_WRITE,
    };
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;
    /** What mprotect sets: read-write half the time, so that memory does not end up read-only. */
    private static final int[] MPROTECT_PROTS = {RW, RW, Mman.PROT_READ, Mman.PROT_NONE};

    /** A DMA pin; while bound, {@code owner} must keep mapping {@code pfn} at {@code addr}. */
    private static final class Pin {
        final int pfn;
        Proc owner;
        final long addr;
        final boolean privatePage;

        Pin(int pfn, Proc owner, long addr, boolean privatePage) {
            this.pfn = pfn;
            this.owner = owner;
            this.addr = addr;
            this.privatePage = privatePage;
        }
    }

    private final Machine machine;
    private final List<Obj> files = new ArrayList<>();
    private final List<Proc> procs = new ArrayList<>();
    private final List<Pin> pins = new ArrayList<>();
    private final List<String> trace = new ArrayList<>();
    private final long freeAtBoot;
    private int children;
    private int balloons;
    private int shmObjects;

    CpuSideRun(Setup s) {
        machine = new Machine(MachineConfig.defaults().withRam((long) s.ramMiB() << 20).withSwap(32L << 20).withThp(s.thp()));
        freeAtBoot = machine.physicalMemory().buddy().freePages();
        Pattern[] initial = {Pattern.i32(s.fileSeed()), Pattern.fillByte(s.fileSeed() & 0xff)};
        int[] sizes = {s.file0Pages(), s.file1Pages()};
        for (int i = 0; i < 2; i++) {
            FileInode f = machine.createFile("f" + i, sizes[i] * P, initial[i]);
            files.add(new Obj("f" + i, sizes[i], initial[i], f));
        }
        procs.add(new Proc(machine.createProcess("p0")));
        trace.add(s.toString());
    }

    void execute(List<Step<Op>> steps) {
        for (Step<Op> st : steps) {
            step(st);
            List<String> broken = machine.checkInvariants();
            check(broken.isEmpty(), "invariants: %s", broken);
            checkPins();
        }
        finish();
    }

    private void step(Step<Op> s) {
        Proc p = procs.get(s.a() % procs.size());
        switch (s.kind()) {
            case MMAP -> mmap(p, s);
            case WRITE -> write(p, s);
            case READ -> read(p, s);
            case MUNMAP -> munmap(p, s);
            case MPROTECT -> mprotect(p, s);
            case MADVISE -> madvise(p, s);
            case MREMAP -> mremap(p, s);
            case FORK -> fork(p);
            case EXIT -> exit(s);
            case SWAPOUT, MIGRATE -> kernelRange(p, s);
            case SPLIT_THP -> splitThp(p, s);
            case COMPACT -> {
                long moved = machine.compact();
                log("compact -> %d", moved);
            }
            case PRESSURE -> pressure(s);
            case PIN -> pin(p, s);
            case UNPIN -> unpin(s);
        }
    }

    // ---- choosing addresses ----

    /** A mapped page of {@code p} picked by {@code n}; -1 when nothing is mapped. */
    private static long pickPage(Proc p, int n) {
        if (p.pages.isEmpty()) {
            return -1;
        }
        int i = n % p.pages.size();
        for (long a : p.pages.keySet()) {
            if (i-- == 0) {
                return a;
            }
        }
        throw new AssertionError();
    }

    /** 1-32 pages or, one time in four, up to 600. */
    private static long pagesFor(int c) {
        return c % 4 == 0 ? 1 + (c >>> 2) % 600 : 1 + (c >>> 2) % 32;
    }

    /** The 2 MiB THP window holding the first private anonymous page of {@code p} at or after {@code from} (else {@code from}). */
    private static long[] thpWindowFrom(Proc p, long from) {
        long page = from;
        for (Map.Entry<Long, Page> e : p.pages.tailMap(from).entrySet()) {
            if (e.getValue().kind == Kind.ANON) {
                page = e.getKey();
                break;
            }
        }
        long w = page & PageSize.PMD_MASK;
        return new long[] {w, w + M2};
    }

    /**
     * A page-aligned range {start, end} near mapped memory of {@code p}: from a mapped page,
     * {@link #pagesFor} pages long. One time in eight it starts a few pages
     * below that page, so that it may start in a hole; otherwise a {@code confined} range is cut
     * short at the first hole. null when nothing is mapped.
     */
    private static long[] pickRange(Proc p, int b, int c, int d, boolean confined) {
        long start = pickPage(p, b);
        if (start < 0) {
            return null;
        }
        long end = start + pagesFor(c) * P;
        if (d % 8 == 0) {
            start -= (1 + (d >>> 3) % 4) * P;
        } else if (confined) {
            long a = start;
            while (a < end && p.pages.containsKey(a)) {
                a += P;
            }
            end = a;
        }
        return new long[] {start, end};
    }

    // ---- system calls ----

    private void mmap(Proc p, Step<Op> s) {
        int sel = s.b() % 100;
        Kind kind = sel < 45 ? Kind.ANON : sel < 60 ? Kind.SHM : sel < 80 ? Kind.FILE_PRIVATE : Kind.FILE_SHARED;
        int prot = s.c() % 10 < 8 ? RW : MPROTECT_PROTS[2 + s.c() % 2];
        int c = s.c() / 10;
        long pages = switch (c % 10) {
            case 0, 1, 2, 3 -> 1 + (c / 10) % 16;
            case 4, 5, 6 -> 17 + (c / 10) % 112;
            default -> 129 + (c / 10) % 472;
        };
        Obj file = null;
        long offPages = 0;
        if (kind == Kind.FILE_PRIVATE || kind == Kind.FILE_SHARED) {
            file = files.get(s.d() % 2);
            offPages = (s.d() / 2) % file.pages.length;
            long room = file.pages.length - offPages;
            pages = s.d() % 10 == 3 ? Math.min(pages, room) + 1 + (s.d() / 20) % 8 : Math.min(pages, room);
        }
        boolean aligned = kind == Kind.ANON && s.d() % 3 != 1;
        if (aligned && c % 4 != 0) {
            pages = 512 + (c / 4) % 89; // one THP window and a little more
        }
        boolean fixed = !aligned && s.d() % 20 == 7 && !p.pages.isEmpty();
        if (!roomFor(pages, kind == Kind.SHM ? pages : 0)) {
            log("mmap skipped: footprint");
            return;
        }
        boolean populate = (s.b() / 100) % 8 == 0;
        int flags = (kind == Kind.ANON || kind == Kind.FILE_PRIVATE ? Mman.MAP_PRIVATE : Mman.MAP_SHARED)
                | (kind == Kind.ANON || kind == Kind.SHM ? Mman.MAP_ANONYMOUS : 0) | (populate ? Mman.MAP_POPULATE : 0);
        long len = pages * P;
        FileInode inode = file == null ? null : file.inode;
        long addr;
        if (aligned) {
            addr = p.proc.mmapAligned(len, M2, prot, flags, inode, offPages * P);
        } else if (fixed) {
            long at = pickPage(p, s.d() / 20) - (s.d() / 40 % 4) * P;
            addr = p.proc.mmap(at, len, prot, flags | Mman.MAP_FIXED, inode, offPages * P);
            check(addr == at, "MAP_FIXED at %x returned %x", at, addr);
            removePages(p, at, at + len);
        } else {
            addr = p.proc.mmap(0, len, prot, flags, inode, offPages * P);
        }
        log("%s mmap %s %d pages prot=%d off=%d%s%s -> %x", p.name(), kind, pages, prot, offPages,
                aligned ? " aligned" : fixed ? " fixed" : "", populate ? " populate" : "", addr);
        check(addr > 0 && PageSize.isPageAligned(addr), "mmap failed: %d", addr);
        check(!aligned || (addr & (M2 - 1)) == 0, "mmapAligned gave %x", addr);
        check(p.pages.subMap(addr, addr + len).isEmpty(), "mmap placed %x over mapped pages", addr);
        if (aligned && s.d() % 4 == 0) {
            int rc = p.proc.madvise(addr, len, Mman.MADV_HUGEPAGE);
            log("%s madvise %x-%x HUGEPAGE -> %d", p.name(), addr, addr + len, rc);
            check(rc == 0, "MADV_HUGEPAGE of a new mapping returned %s", Errno.name(rc));
        }
        boolean init = aligned && (s.d() >>> 3) % 4 != 0;
        Obj obj = kind == Kind.SHM ? new Obj("shm" + shmObjects++, (int) pages, null, null) : file;
        for (long i = 0; i < pages; i++) {
            Page pg = kind == Kind.ANON ? new Page(kind, null, 0, prot, List.of(RefContent.ZERO))
                    : new Page(kind, obj, offPages + i, prot, null);
            p.pages.put(addr + i * P, pg);
            if (populate && prot == RW && pg.inBounds()) {
                pg.touchForWrite(); // populate_vma_page_range write-faults private writable mappings: COW now
            }
        }
        if (init) {
            store(p, addr, len, Pattern.i32((s.d() >>> 4) % 1000), addr); // the program initialises its new memory
        }
    }

    private void write(Proc p, Step<Op> s) {
        long[] r = pickRange(p, s.b(), s.c(), s.d(), true);
        if (r == null) {
            return;
        }
        if (s.c() % 8 == 3) {
            r = thpWindowFrom(p, r[0]);
        }
        int d = s.d();
        long addr = r[0];
        long len = r[1] - r[0];
        if (d % 3 == 1) {
            int off = (d >>> 2) % (int) P;
            addr += off;
            len -= off + (d >>> 14) % P;
            if (len <= 0) {
                len = 1 + off % 100;
            }
        }
        Pattern pat = switch ((d >>> 26) % 3) {
            case 0 -> Pattern.i32((d >>> 4) % 5000);
            case 1 -> Pattern.negI32();
            default -> Pattern.fillByte(d & 0xff);
        };
        long origin = d % 5 == 0 ? addr - (d >>> 7) % 8192 : r[0];
        store(p, addr, len, pat, origin);
    }

    /** CPU stores in the model and the reference; the reference stops at the first page that faults. */
    private void store(Proc p, long addr, long len, Pattern pat, long origin) {
        int rc = p.proc.write(addr, len, pat, origin);
        log("%s write %x+%d %s origin=%x -> %d", p.name(), addr, len, pat, origin, rc);
        int expected = 0;
        for (long a = addr; a < addr + len; ) {
            long page = a & PageSize.PAGE_MASK;
            Page pg = p.pages.get(page);
            if (pg == null || !pg.writable()) {
                expected = -Errno.EFAULT;
                break;
            }
            int off = (int) (a - page);
            int n = (int) Math.min(P - off, addr + len - a);
            pg.write(off, n, pat, page - origin);
            a += n;
        }
        check(rc == expected, "write returned %s, expected %s", Errno.name(rc), Errno.name(expected));
    }

    private void read(Proc p, Step<Op> s) {
        long[] r = pickRange(p, s.b(), s.c(), s.d(), true);
        if (r == null) {
            return;
        }
        long addr = r[0];
        long len = r[1] - r[0];
        if (s.d() % 3 == 2) {
            int off = (s.d() >>> 2) % (int) P;
            addr += off;
            len = Math.max(1, len - off - (s.d() >>> 14) % P);
        }
        log("%s read %x+%d", p.name(), addr, len);
        verify(p, addr, len);
    }

    /** Reads [addr, addr+len) from the model and checks every byte against the reference. */
    private void verify(Proc p, long addr, long len) {
        byte[] buf = new byte[(int) len];
        int rc = p.proc.read(addr, buf, 0, (int) len);
        int expected = 0;
        for (long page = addr & PageSize.PAGE_MASK; page < addr + len; page += P) {
            Page pg = p.pages.get(page);
            if (pg == null || !pg.readable()) {
                expected = -Errno.EFAULT;
                break;
            }
        }
        check(rc == expected, "%s read %x+%d returned %s, expected %s", p.name(), addr, len, Errno.name(rc), Errno.name(expected));
        if (rc != 0) {
            return;
        }
        for (long a = addr; a < addr + len; ) {
            long page = a & PageSize.PAGE_MASK;
            int off = (int) (a - page);
            int n = (int) Math.min(P - off, addr + len - a);
            Page pg = p.pages.get(page);
            if (!pg.accept(buf, (int) (a - addr), off, n)) {
                int bad = off;
                while (bad < off + n && pg.contents().getFirst().byteAt(bad) == buf[(int) (a - addr) + bad - off]) {
                    bad++;
                }
                fail("%s page %x (%s) differs at offset %d: read %d, reference %s (%s)", p.name(), page, pg, bad,
                        buf[(int) (a - addr) + bad - off], pg.contents().getFirst().byteAt(bad), p.proc.pageState(page));
            }
            a += n;
        }
    }

    private void munmap(Proc p, Step<Op> s) {
        long[] r = pickRange(p, s.b(), s.c(), s.d(), s.c() % 2 == 0);
        if (r == null) {
            return;
        }
        int rc = p.proc.munmap(r[0], r[1] - r[0]);
        log("%s munmap %x-%x -> %d", p.name(), r[0], r[1], rc);
        check(rc == 0, "munmap returned %s", Errno.name(rc));
        removePages(p, r[0], r[1]);
    }

    private void mprotect(Proc p, Step<Op> s) {
        long[] r = pickRange(p, s.b(), s.c(), s.d(), s.c() % 2 == 0);
        if (r == null) {
            return;
        }
        int prot = MPROTECT_PROTS[(s.d() >>> 5) % MPROTECT_PROTS.length];
        int rc = p.proc.mprotect(r[0], r[1] - r[0], prot);
        log("%s mprotect %x-%x prot=%d -> %d", p.name(), r[0], r[1], prot, rc);
        // Linux changes the VMAs up to the first hole, then fails with ENOMEM
        int expected = 0;
        for (long a = r[0]; a < r[1]; a += P) {
            Page pg = p.pages.get(a);
            if (pg == null) {
                expected = -Errno.ENOMEM;
                break;
            }
            pg.prot = prot;
        }
        check(rc == expected, "mprotect returned %s, expected %s", Errno.name(rc), Errno.name(expected));
    }

    private void madvise(Proc p, Step<Op> s) {
        long[] r = pickRange(p, s.b(), s.c(), s.d(), s.c() % 2 == 0);
        if (r == null) {
            return;
        }
        int advice = ADVICE[(s.d() >>> 5) % ADVICE.length];
        if ((advice == Mman.MADV_COLLAPSE || advice == Mman.MADV_HUGEPAGE) && s.c() % 2 == 0) {
            r = thpWindowFrom(p, r[0]);
        }
        if (advice == Mman.MADV_FREE || advice == Mman.MADV_DONTNEED) {
            dropPins(p, r[0], r[1]);
        }
        int rc = p.proc.madvise(r[0], r[1] - r[0], advice);
        log("%s madvise %x-%x advice=%d -> %d", p.name(), r[0], r[1], advice, rc);
        SortedMap<Long, Page> range = p.pages.subMap(r[0], r[1]);
        boolean holes = range.size() != (r[1] - r[0]) / P;
        // Linux applies advice to the mapped parts of the range and returns ENOMEM for holes
        int expected = holes ? -Errno.ENOMEM : 0;
        switch (advice) {
            case Mman.MADV_DONTNEED -> range.values().forEach(pg -> {
                if (pg.kind == Kind.ANON) {
                    pg.own = List.of(RefContent.ZERO);
                } else if (pg.kind == Kind.FILE_PRIVATE) {
                    pg.own = null;
                }
                pg.lazy = false;
            });
            case Mman.MADV_FREE -> {
                // VMAs are walked in order; the first that is not private anonymous fails the call
                for (Page pg : range.values()) {
                    if (pg.kind != Kind.ANON) {
                        expected = -Errno.EINVAL;
                        break;
                    }
                    pg.lazy = true;
                }
            }
            case Mman.MADV_POPULATE_READ, Mman.MADV_POPULATE_WRITE -> expected = populate(p, r, advice == Mman.MADV_POPULATE_WRITE);
            case Mman.MADV_COLLAPSE -> expected = rc; // may fail for many reasons; must not change contents
            default -> { }
        }
        check(rc == expected, "madvise(%d) returned %s, expected %s", advice, Errno.name(rc), Errno.name(expected));
    }

    /**
     * MADV_POPULATE_*: faults pages in order and stops at the first hole (ENOMEM), the first
     * page whose protection forbids the access (EINVAL) or the first beyond the end of its
     * object (SIGBUS: EFAULT).
     */
    private static int populate(Proc p, long[] r, boolean write) {
        for (long a = r[0]; a < r[1]; a += P) {
            Page pg = p.pages.get(a);
            if (pg == null) {
                return -Errno.ENOMEM;
            }
            if ((pg.prot & (write ? Mman.PROT_WRITE : Mman.PROT_READ)) == 0) {
                return -Errno.EINVAL;
            }
            if (!pg.inBounds()) {
                return -Errno.EFAULT;
            }
            if (write) {
                pg.touchForWrite();
            }
        }
        return 0;
    }

    private void mremap(Proc p, Step<Op> s) {
        long old = pickPage(p, s.b());
        if (old < 0) {
            return;
        }
        Vma v = p.proc.mm().findVma(old);
        check(v != null, "no VMA at mapped page %x", old);
        long oldPages = 1 + s.c() % ((v.end() - old) / P);
        long newPages = s.d() % 3 == 0 ? 1 + (s.d() / 3) % oldPages
                : oldPages + 1 + (s.d() % 4 == 1 ? (s.d() / 12) % 600 : (s.d() / 12) % 64);
        if (newPages > oldPages && !roomFor(newPages - oldPages, 0)) {
            log("mremap skipped: footprint");
            return;
        }
        dropPins(p, old, old + oldPages * P);
        long rc = p.proc.mremap(old, oldPages * P, newPages * P, Mman.MREMAP_MAYMOVE);
        log("%s mremap %x %d -> %d pages -> %x", p.name(), old, oldPages, newPages, rc);
        check(rc > 0 && PageSize.isPageAligned(rc), "mremap returned %s", rc < 0 ? Errno.name(rc) : Long.toHexString(rc));
        check(rc == old || newPages > oldPages, "a shrinking mremap moved to %x", rc);
        List<Page> moved = new ArrayList<>();
        for (long i = 0; i < oldPages; i++) {
            Page pg = p.pages.remove(old + i * P);
            check(pg != null, "page %x of the mremap source is not mapped in the reference", old + i * P);
            moved.add(pg);
        }
        check(p.pages.subMap(rc, rc + newPages * P).isEmpty(), "mremap placed %x over mapped pages", rc);
        for (long i = 0; i < newPages; i++) {
            p.pages.put(rc + i * P, i < oldPages ? moved.get((int) i) : moved.getFirst().tail(i));
        }
    }

    private void fork(Proc p) {
        if (procs.size() >= MAX_PROCS || !roomFor(p.pages.size(), 0)) {
            log("fork skipped");
            return;
        }
        UserProcess child = p.proc.fork("c" + ++children);
        log("%s fork -> %s", p.name(), child.name());
        procs.add(p.fork(child));
        for (Pin pin : pins) {
            if (pin.owner == p && pin.privatePage) {
                // a maybe-pinned private page is copied for the child; the parent keeps the pinned page
                check(child.frameAt(pin.addr) != pin.pfn, "the child of %s maps pinned frame %d at %x", p.name(), pin.pfn, pin.addr);
            }
        }
    }

    private void exit(Step<Op> s) {
        if (procs.size() < 2) {
            return;
        }
        Proc c = procs.remove(1 + s.b() % (procs.size() - 1));
        dropPins(c, 0, Long.MAX_VALUE);
        c.proc.exit();
        log("%s exit", c.name());
    }

    // ---- kernel operations that must not change what programs read ----

    private void kernelRange(Proc p, Step<Op> s) {
        long start = pickPage(p, s.b());
        if (start < 0) {
            return;
        }
        long len = pagesFor(s.c()) * P;
        boolean migrate = s.kind() == CpuSideModelPropertyTest.Op.MIGRATE;
        int rc = migrate ? machine.migrate(p.proc, start, len) : machine.swapout(p.proc, start, len);
        log("%s %s %x+%d -> %d", p.name(), migrate ? "migrate" : "swapout", start, len / P, rc);
        check(rc == 0 || rc == -Errno.EAGAIN, "%s returned %s", s.kind(), Errno.name(rc));
        if (migrate) {
            for (Pin pin : pins) {
                if (pin.owner == p && pin.addr >= start && pin.addr < start + len) {
                    check(rc == -Errno.EAGAIN, "migration of a range with pinned frame %d succeeded", pin.pfn);
                }
            }
        }
    }

    /**
     * Memory pressure: a process outside the reference writes a little more memory than is free,
     * so that the page allocator reclaims (swaps out, discards, evicts) the others' pages; then
     * it exits. Its own stores may run out of memory when nothing else can be reclaimed.
     */
    private void pressure(Step<Op> s) {
        UserProcess balloon = machine.createProcess("balloon" + ++balloons);
        long pages = machine.physicalMemory().buddy().freePages() + 256 + s.b() % 2048;
        long a = balloon.mmap(0, pages * P, RW, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        long rc = a > 0 ? balloon.write(a, pages * P, Pattern.fillByte(0x5a), a) : a;
        balloon.exit();
        log("pressure: balloon of %d pages -> %d", pages, rc);
    }

    private void splitThp(Proc p, Step<Op> s) {
        long addr = pickPage(p, s.b());
        if (addr >= 0) {
            int rc = machine.splitThp(p.proc, addr);
            log("%s split-thp %x -> %d", p.name(), addr, rc);
        }
    }

    private void pin(Proc p, Step<Op> s) {
        long addr = pickPage(p, s.b());
        if (addr < 0 || !p.pages.get(addr).writable()) {
            return;
        }
        // pin_user_pages(FOLL_WRITE) write-faults the page first, so that it is exclusive to p
        int rc = p.proc.madvise(addr, P, Mman.MADV_POPULATE_WRITE);
        check(rc == 0, "MADV_POPULATE_WRITE of a writable page returned %s", Errno.name(rc));
        Page pg = p.pages.get(addr);
        pg.touchForWrite();
        int pfn = p.proc.frameAt(addr);
        check(pfn >= 0, "no frame at %x after MADV_POPULATE_WRITE", addr);
        p.proc.mm().setHasPinned(); // as pin_user_pages does (MMF_HAS_PINNED): fork copies pinned pages only then
        machine.physicalMemory().pin(pfn);
        pins.add(new Pin(pfn, p, addr, pg.isPrivate()));
        log("%s pin %x (%s) frame %d", p.name(), addr, pg.kind, pfn);
    }

    private void unpin(Step<Op> s) {
        if (!pins.isEmpty()) {
            Pin pin = pins.remove(s.b() % pins.size());
            machine.physicalMemory().unpin(pin.pfn);
            log("unpin frame %d", pin.pfn);
        }
    }

    private void checkPins() {
        for (Pin pin : pins) {
            if (pin.owner != null) {
                int now = pin.owner.proc.frameAt(pin.addr);
                check(now == pin.pfn, "%s: pinned frame %d at %x was replaced by %d", pin.owner.name(), pin.pfn, pin.addr, now);
            }
        }
    }

    private void dropPins(Proc p, long start, long end) {
        for (Pin pin : pins) {
            if (pin.owner == p && pin.addr >= start && pin.addr < end) {
                pin.owner = null;
            }
        }
    }

    private void removePages(Proc p, long start, long end) {
        dropPins(p, start, end);
        p.pages.subMap(start, end).clear();
    }

    /** Whether {@code pages} more mapped pages, {@code shmem} of them in a new shmem object, stay within the limits. */
    private boolean roomFor(long pages, long shmem) {
        long mapped = 0;
        Set<Obj> shm = new HashSet<>();
        for (Proc p : procs) {
            mapped += p.pages.size();
            for (Page pg : p.pages.values()) {
                if (pg.kind == Kind.SHM) {
                    shm.add(pg.obj);
                }
            }
        }
        long shmPages = shmem;
        for (Obj o : shm) {
            shmPages += o.pages.length;
        }
        long filePages = 0;
        for (Obj f : files) {
            filePages += f.pages.length;
        }
        return mapped + pages + shmPages + filePages <= MAX_FOOTPRINT && shmPages <= MAX_SHMEM;
    }

    /** Unpins, reads back every mapped page, exits every process and checks that only page cache is left. */
    private void finish() {
        for (Pin pin : pins) {
            machine.physicalMemory().unpin(pin.pfn);
        }
        pins.clear();
        log("unpinned all");
        check(machine.checkInvariants().isEmpty(), "invariants after unpinning: %s", machine.checkInvariants());
        for (Proc p : procs) {
            for (Map.Entry<Long, long[]> run : readableRuns(p).entrySet()) {
                verify(p, run.getKey(), run.getValue()[0]);
            }
        }
        for (int i = procs.size() - 1; i >= 0; i--) {
            procs.get(i).proc.exit();
        }
        log("all exited");
        check(machine.checkInvariants().isEmpty(), "invariants after exit: %s", machine.checkInvariants());
        long cached = 0;
        for (Obj f : files) {
            for (int i = 0; i < f.pages.length; i++) {
                cached += f.inode.cachedPfn(i) >= 0 ? 1 : 0;
            }
        }
        long free = machine.physicalMemory().buddy().freePages();
        check(free + cached == freeAtBoot, "after every exit %d pages are free and %d cached, %d were free at boot", free, cached, freeAtBoot);
        check(machine.memory().swap().usedSlots() == 0, "after every exit %d swap slots are in use", machine.memory().swap().usedSlots());
    }

    /** Maximal runs of readable pages, start to {length in bytes}, in runs of at most 64 pages. */
    private static Map<Long, long[]> readableRuns(Proc p) {
        Map<Long, long[]> runs = new TreeMap<>();
        long start = -1;
        long next = -1;
        for (Map.Entry<Long, Page> e : p.pages.entrySet()) {
            long a = e.getKey();
            if (!e.getValue().readable()) {
                continue;
            }
            if (a != next || a - start >= 64 * P) {
                start = a;
                runs.put(start, new long[] {0});
            }
            runs.get(start)[0] += P;
            next = a + P;
        }
        return runs;
    }

    // ---- reporting ----

    private void log(String fmt, Object... args) {
        trace.add(String.format(fmt, args));
    }

    private void check(boolean ok, String fmt, Object... args) {
        if (!ok) {
            fail(fmt, args);
        }
    }

    private void fail(String fmt, Object... args) {
        throw new AssertionError(String.format(fmt, args) + "\nsteps:\n  " + String.join("\n  ", trace));
    }
}
