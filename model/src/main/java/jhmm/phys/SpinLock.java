package jhmm.phys;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A spinlock held for a few list operations (a per-CPU page list's pcp->lock, the zone lock):
 * taking it is one compare-and-set, giving it back one release store, where a {@link
 * java.util.concurrent.locks.ReentrantLock} also pays a full fence and a queue check each time,
 * and a waiter spins instead of parking, which costs more than such a hold lasts. Past
 * {@value #SPINS} spins a waiter yields the CPU each round, for the holder may be a thread
 * the host has not scheduled (more threads than CPUs). Not reentrant: nothing that blocks
 * may run under it.
 */
final class SpinLock extends CacheLinePadding {
    private static final VarHandle HELD;
    /** About the time a holder takes to move a batch of pages to the zone, a few microseconds. */
    private static final int SPINS = 1 << 12;

    static {
        try {
            HELD = MethodHandles.lookup().findVarHandle(SpinLock.class, "held", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through HELD
    private volatile int held;

    boolean tryLock() {
        return HELD.compareAndSet(this, 0, 1);
    }

    void lock() {
        for (int spins = 0; !tryLock(); spins++) {
            if (spins < SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    void unlock() {
        HELD.setRelease(this, 0);
    }
}
