package jhmm.perf.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import jhmm.perf.Kind;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The FFM binding against the running kernel: skipped where the host cannot run the operations. */
class HostKernelTest {
    private static final long LEN = 4L << 20;
    private static final long PAGES = LEN >>> 12;

    @BeforeEach
    void onLinux() {
        HostSupport s = HostSupport.probe();
        assumeTrue(s.reason() == null, () -> "host side unavailable: " + s.reason());
    }

    @Test
    void mapPopulatePagemapUnmap() {
        try (HostKernel k = new HostKernel(); Pagemap pagemap = new Pagemap(k)) {
            long addr = k.mmap(LEN, HostKernel.PROT_READ | HostKernel.PROT_WRITE, HostKernel.MAP_PRIVATE | HostKernel.MAP_ANONYMOUS);
            assertThat(addr).isPositive();
            assertThat(addr % 4096).isZero();
            assertThat(pagemap.presentIn(addr, PAGES)).as("untouched").isZero();
            assertThat(k.madvise(addr, LEN, HostKernel.MADV_POPULATE_WRITE)).isZero();
            assertThat(pagemap.presentIn(addr, PAGES)).as("populated").isEqualTo(PAGES);
            assertThat(k.mprotect(addr, LEN, HostKernel.PROT_READ)).isZero();
            assertThat(k.madvise(addr, LEN, HostKernel.MADV_POPULATE_READ)).as("read-only now").isZero();
            assertThat(k.madvise(addr, LEN, HostKernel.MADV_POPULATE_WRITE)).as("write to a read-only range: -EFAULT or -EINVAL by version").isIn(-14, -22);
            assertThat(k.munmap(addr, LEN)).isZero();
            assertThat(pagemap.presentIn(addr, PAGES)).as("unmapped").isZero();
        }
    }

    @Test
    void failuresComeBackAsNegativeErrno() {
        try (HostKernel k = new HostKernel()) {
            assertThat(k.munmap(4097, 4096)).as("unaligned munmap").isEqualTo(-HostKernel.EINVAL);
            assertThat(k.madvise(0x1000, 4096, 12345)).as("unknown advice").isEqualTo(-HostKernel.EINVAL);
            assertThat(k.mmap(0, HostKernel.PROT_READ, HostKernel.MAP_PRIVATE | HostKernel.MAP_ANONYMOUS)).as("empty mmap").isEqualTo(-HostKernel.EINVAL);
            assertThat(k.open("/nonexistent/jhmm", HostKernel.O_RDONLY)).as("ENOENT").isEqualTo(-2);
        }
    }

    @Test
    void thpRangeIsAlignedAndAdvised() {
        assumeTrue(HostSupport.probe().reason(Kind.THP) == null, "no THP on this host");
        try (HostKernel k = new HostKernel(); Pagemap pagemap = new Pagemap(k)) {
            HostRange r = new HostRange(k, Kind.THP, LEN);
            r.mapPopulated(pagemap);
            assertThat(r.addr % (2L << 20)).isZero();
            // the host may give fewer THPs than asked; smaps must at least be readable
            assertThat(Smaps.anonHugeBytes(r.addr, r.addr + LEN)).isBetween(0L, LEN);
            r.unmap();
        }
    }

    @Test
    void ioUringRegistersPopulatedBuffersForWriteOnly() {
        HostSupport s = HostSupport.probe();
        assumeTrue(s.ioUringReason() == null, () -> "no io_uring buffer registration: " + s.ioUringReason());
        try (HostPin op = new HostPin(Kind.PAGE_4K, LEN)) {
            op.prepare();
            op.run();
            op.finish();
            assertThat(op.ret).as("IORING_REGISTER_BUFFERS").isZero();
        }
        // the registration pins with FOLL_WRITE: a read-only mapping cannot be a fixed buffer
        try (HostKernel k = new HostKernel(); IoUring ring = new IoUring(k)) {
            long addr = k.mmap(LEN, HostKernel.PROT_READ, HostKernel.MAP_PRIVATE | HostKernel.MAP_ANONYMOUS);
            assertThat(ring.register(ring.buffers(addr, LEN))).isEqualTo(-14L); // EFAULT
            assertThat(ring.unregister()).as("nothing registered").isEqualTo(-6L); // ENXIO
            assertThat(k.munmap(addr, LEN)).isZero();
        }
    }
}
