package jhmm.perf.host;

import jhmm.perf.Halves;
import jhmm.perf.Kind;

/**
 * The threads row's host side: a range of this process advised MADV_NOHUGEPAGE. Each half has
 * a kernel binding of its own, as a binding's errno buffer serves one thread at a time.
 */
public final class HostHalves implements Halves {
    private static final long PAGE = 4096;
    private final HostKernel[] kernels = {new HostKernel(), new HostKernel()};
    private final Pagemap pagemap = new Pagemap(kernels[0]);
    private final HostRange range;
    private final long half;

    public HostHalves(long len) {
        range = new HostRange(kernels[0], Kind.PAGE_4K, len);
        half = (len / 2) & -PAGE;
    }

    @Override
    public void map() {
        range.map();
    }

    @Override
    public void populate(int i) {
        HostRange.check(kernels[i].madvise(start(i), length(i), HostKernel.MADV_POPULATE_WRITE), "MADV_POPULATE_WRITE");
    }

    @Override
    public void unmap(int i) {
        HostRange.check(kernels[i].munmap(start(i), length(i)), "munmap");
    }

    private long start(int i) {
        return range.addr + i * half;
    }

    private long length(int i) {
        return i == 0 ? half : range.len - half;
    }

    @Override
    public void check() {
        long present = pagemap.presentIn(range.addr, range.pages());
        range.unmap(); // the halves are gone already: this only forgets the mapping
        if (present != 0) {
            throw new IllegalStateException("host: " + present + " pages present after both halves were unmapped");
        }
    }

    @Override
    public void close() {
        range.unmap();
        pagemap.close();
        for (HostKernel k : kernels) {
            k.close();
        }
    }
}
