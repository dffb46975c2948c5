package jhmm.phys;

import java.util.concurrent.locks.ReentrantLock;

/**
 * A pool of persistent huge pages of one size (2 MiB or 1 GiB), reserved at boot as the
 * kernel does with {@code hugepages=} / {@code hugepagesz=}; hugetlb folios come only from
 * here and go back here when freed.
 */
public final class HugetlbPool {
    private final int order;
    private final int[] free;
    private int nrFree;
    private final int total;
    private final ReentrantLock lock = new ReentrantLock();

    HugetlbPool(int order, int capacity) {
        this.order = order;
        this.free = new int[capacity];
        this.total = capacity;
    }

    public int order() {
        return order;
    }

    public int total() {
        return total;
    }

    public int nrFree() {
        return nrFree;
    }

    void add(int pfn) {
        lock.lock();
        try {
            free[nrFree++] = pfn;
        } finally {
            lock.unlock();
        }
    }

    int take() {
        lock.lock();
        try {
            return nrFree == 0 ? -1 : free[--nrFree];
        } finally {
            lock.unlock();
        }
    }
}
