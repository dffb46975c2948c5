package jhmm.perf.host;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An io_uring instance of the host kernel used for nothing but fixed-buffer registration, the
 * kernel's own long-term pin of user memory: IORING_REGISTER_BUFFERS pins each buffer's pages
 * with pin_user_pages(FOLL_WRITE | FOLL_LONGTERM) and IORING_UNREGISTER_BUFFERS unpins them.
 * Only io_uring_setup and io_uring_register are called (through syscall(2): libc wraps
 * neither); the rings are never mapped, as registration does not need them.
 */
final class IoUring implements AutoCloseable {
    /** The longest buffer io_uring registers (io_buffer_validate): a longer range is several buffers. */
    static final long MAX_BUFFER = 1L << 30;
    private static final int IORING_REGISTER_BUFFERS = 0;
    private static final int IORING_UNREGISTER_BUFFERS = 1;
    /** sizeof(struct io_uring_params): all zero asks for defaults. */
    private static final long PARAMS_BYTES = 120;
    /** sizeof(struct iovec): base and length. */
    private static final long IOVEC_BYTES = 16;

    private final HostKernel kernel;
    private final Arena arena = Arena.ofShared();
    private final int fd;

    /** Sets up a ring of one entry; {@link #error} says whether that worked. */
    IoUring(HostKernel kernel) {
        this.kernel = kernel;
        fd = (int) kernel.syscall(HostKernel.SYS_IO_URING_SETUP, 1, arena.allocate(PARAMS_BYTES, 8).address(), 0, 0);
    }

    /** 0 when io_uring_setup worked, else its -errno. */
    int error() {
        return Math.min(fd, 0);
    }

    /** The iovec array registering {@code [addr, addr + len)}: buffers of {@link #MAX_BUFFER}, the last one shorter. */
    MemorySegment buffers(long addr, long len) {
        long count = (len + MAX_BUFFER - 1) / MAX_BUFFER;
        MemorySegment iovecs = arena.allocate(count * IOVEC_BYTES, 8);
        for (long i = 0; i < count; i++) {
            long offset = i * MAX_BUFFER;
            iovecs.set(JAVA_LONG, i * IOVEC_BYTES, addr + offset);
            iovecs.set(JAVA_LONG, i * IOVEC_BYTES + 8, Math.min(MAX_BUFFER, len - offset));
        }
        return iovecs;
    }

    /** IORING_REGISTER_BUFFERS of what {@link #buffers} made: 0 or -errno. */
    long register(MemorySegment iovecs) {
        return kernel.syscall(HostKernel.SYS_IO_URING_REGISTER, fd, IORING_REGISTER_BUFFERS, iovecs.address(), iovecs.byteSize() / IOVEC_BYTES);
    }

    /** IORING_UNREGISTER_BUFFERS: 0 or -errno. */
    long unregister() {
        return kernel.syscall(HostKernel.SYS_IO_URING_REGISTER, fd, IORING_UNREGISTER_BUFFERS, 0, 0);
    }

    @Override
    public void close() {
        if (fd >= 0) {
            kernel.close(fd);
        }
        arena.close();
    }
}
