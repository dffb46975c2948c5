package jhmm.phys;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A spinlock held for a few list operations (a per-CPU page list's pcp->lock): taking it is
 * one compare-and-set, giving it back one release store, where a {@link
 * java.util.concurrent.locks.ReentrantLock} also pays a full fence and a queue check each time.
 * Not reentrant, and a waiter spins: nothing that blocks for long may run under it.
 */
final class SpinLock {
    private static final VarHandle HELD;

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
        while (!tryLock()) {
            Thread.onSpinWait();
        }
    }

    void unlock() {
        HELD.setRelease(this, 0);
    }
}
