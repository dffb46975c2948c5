package jhmm.mm;

/** exit_mmap: the notifier layer is told first (RELEASE), then every VMA is unmapped. */
public final class Exit {
    private Exit() {}

    public static void exitMmap(Mm mm) {
        mm.mmapLock().writeLock().lock();
        try {
            if (mm.dead) {
                return;
            }
            mm.notifierHook().release(mm);
            for (Vma v : mm.allVmas()) {
                mm.sys.zap.zap(v, v.start, v.end);
                AddressSpaceOps.detach(v);
            }
            mm.dead = true;
            mm.sys.removeMm(mm);
        } finally {
            mm.mmapLock().writeLock().unlock();
        }
    }
}
