package jhmm.scenario;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import jhmm.base.PageSize;
import jhmm.gup.Foll;
import jhmm.gup.Gup;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mm;
import jhmm.mm.PageStates;
import jhmm.phys.PhysicalMemory;
import jhmm.scenario.Command.GupFlag;

/**
 * {@code P gup} and {@code P unpin}, as the kernel's gup_test module drives GUP: the pages a
 * process's last gup took are held until its unpin.
 */
final class GupExecutor {
    /** Pages one gup call took, and whether they are pins or plain references. */
    private record Held(UserProcess process, long addr, int[] pages, int count, boolean pinned) {
        /**
         * Held pages the process no longer maps where they were taken: the holder still reaches
         * them (its reference keeps the frame), but they are stale. Never a violation: a held
         * page cannot be freed or reused.
         */
        long stale() {
            long n = 0;
            for (int i = 0; i < count; i++) {
                if (PageStates.frameAt(process.mm(), addr + ((long) i << PageSize.PAGE_SHIFT)) != pages[i]) {
                    n++;
                }
            }
            return n;
        }
    }

    private final World world;
    private final Map<String, Held> held = new HashMap<>();

    GupExecutor(World world) {
        this.world = world;
    }

    Result gup(Command.Gup g) {
        UserProcess p = world.process(g.target().process());
        if (held.containsKey(g.target().process())) {
            throw new StepFailure("process '" + g.target().process() + "' still holds the pages of its last gup ('"
                    + g.target().process() + " unpin' first)");
        }
        if (g.npages() > 1 << 20) {
            throw new StepFailure("a gup of " + g.npages() + " pages is more than jhmm holds in memory");
        }
        long addr = world.mapping(g.target()).start() + g.off();
        Set<GupFlag> f = g.flags();
        int flags = (f.contains(GupFlag.WRITE) ? Foll.WRITE : 0) | (f.contains(GupFlag.LONGTERM) ? Foll.LONGTERM : 0);
        boolean pin = f.contains(GupFlag.PIN);
        int[] pages = new int[(int) g.npages()];
        long got = call(p.mm(), addr, pages, flags, pin, f.contains(GupFlag.FAST));
        if (got < 0) {
            return Result.ofReturn(got);
        }
        held.put(g.target().process(), new Held(p, addr, pages, (int) got, pin));
        return Result.counters(Map.of("pinned", got));
    }

    private static long call(Mm mm, long addr, int[] pages, int flags, boolean pin, boolean fast) {
        int n = pages.length;
        if (fast) {
            return pin ? Gup.pinUserPagesFast(mm, addr, n, flags, pages) : Gup.getUserPagesFast(mm, addr, n, flags, pages);
        }
        mm.mmapLock().readLock().lock();
        try {
            return pin ? Gup.pinUserPages(mm, addr, n, flags, pages) : Gup.getUserPages(mm, addr, n, flags, pages);
        } finally {
            mm.mmapLock().readLock().unlock();
        }
    }

    Result unpin(Command.Unpin u) {
        world.process(u.process());
        Held h = held.remove(u.process());
        if (h == null) {
            throw new StepFailure("process '" + u.process() + "' holds no pages from a gup");
        }
        long stale = h.stale();
        PhysicalMemory phys = world.machine().physicalMemory();
        for (int i = 0; i < h.count(); i++) {
            if (h.pinned()) {
                Gup.unpinUserPage(phys, h.pages()[i]);
            } else {
                Gup.putPage(phys, h.pages()[i]);
            }
        }
        return Result.counters(Map.of("pinned", (long) h.count(), "stale", stale));
    }

    /** Pages all holders hold that their process no longer maps where they were taken. */
    long stale() {
        return held.values().stream().mapToLong(Held::stale).sum();
    }

    /** Pages still held at the end of a scenario: a leak the coherence check reports. */
    long stillHeld() {
        return held.values().stream().mapToLong(Held::count).sum();
    }

}
