package jhmm.perf.host;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The host Linux kernel's memory system calls, called through the FFM API (libc wrappers).
 * Every call returns what the kernel returned, with a failure as {@code -errno} as the
 * kernel's own ABI does, never an exception. Constants are those of x86_64 and aarch64.
 *
 * <p>One instance holds one errno capture buffer: use it from one thread at a time.
 */
public final class HostKernel implements AutoCloseable {
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    public static final int MADV_HUGEPAGE = 14;
    public static final int MADV_NOHUGEPAGE = 15;
    public static final int MADV_POPULATE_READ = 22;
    public static final int MADV_POPULATE_WRITE = 23;
    public static final int O_RDONLY = 0;
    public static final int EINVAL = 22;
    public static final int EPERM = 1;
    public static final int ENOSYS = 38;
    /** System call numbers of io_uring: the same on x86_64 and aarch64 (and every other architecture). */
    public static final long SYS_IO_URING_SETUP = 425;
    public static final long SYS_IO_URING_REGISTER = 427;
    /** mmap's MAP_FAILED as a signed value. */
    public static final long MAP_FAILED = -1L;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(PathElement.groupElement("errno"));
    private static final MethodHandle MMAP = call("mmap", JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG);
    private static final MethodHandle MUNMAP = call("munmap", JAVA_INT, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle MPROTECT = call("mprotect", JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT);
    private static final MethodHandle MADVISE = call("madvise", JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT);
    private static final MethodHandle OPEN = call("open", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle PREAD = call("pread", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle CLOSE = call("close", JAVA_INT, JAVA_INT);
    private static final MethodHandle PIPE = call("pipe", JAVA_INT, ADDRESS);
    private static final MethodHandle WRITE = call("write", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle READ = call("read", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle POLL = call("poll", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle IOCTL = call("ioctl", JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS);
    private static final MethodHandle KILL = call("kill", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle WAITPID = call("waitpid", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle PRCTL = call("prctl", JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle GETAFFINITY = call("sched_getaffinity", JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS);
    private static final MethodHandle SETAFFINITY = call("sched_setaffinity", JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS);
    private static final MethodHandle PWRITE = call("pwrite", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG);
    /** syscall(2) with four arguments after the number, each passed as a long (it is variadic). */
    private static final MethodHandle SYSCALL = downcall("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));

    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno = arena.allocate(CAPTURE);

    private static MethodHandle call(String name, MemoryLayout ret, MemoryLayout... args) {
        return downcall(name, FunctionDescriptor.of(ret, args));
    }

    private static MethodHandle downcall(String name, FunctionDescriptor function, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsupportedOperationException("libc has no " + name));
        Linker.Option[] withErrno = Arrays.copyOf(options, options.length + 1);
        withErrno[options.length] = Linker.Option.captureCallState("errno");
        return LINKER.downcallHandle(symbol, function, withErrno);
    }

    /** The address of the new mapping, or -errno. */
    public long mmap(long len, int prot, int flags) {
        return mmap(0L, len, prot, flags, -1, 0L);
    }

    /** mmap(addr, len, prot, flags, fd, offset): the address of the new mapping, or -errno. */
    public long mmap(long addr, long len, int prot, int flags, int fd, long offset) {
        try {
            long ret = (long) MMAP.invokeExact(errno, addr, len, prot, flags, fd, offset);
            return ret == MAP_FAILED ? -errno() : ret;
        } catch (Throwable t) {
            throw new AssertionError(t); // a downcall with matching types does not throw
        }
    }

    public int munmap(long addr, long len) {
        try {
            return result((int) MUNMAP.invokeExact(errno, addr, len));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public int mprotect(long addr, long len, int prot) {
        try {
            return result((int) MPROTECT.invokeExact(errno, addr, len, prot));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public int madvise(long addr, long len, int advice) {
        try {
            return result((int) MADVISE.invokeExact(errno, addr, len, advice));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** A file descriptor, or -errno. */
    public int open(String path, int flags) {
        try (Arena call = Arena.ofConfined()) {
            return result((int) OPEN.invokeExact(errno, call.allocateFrom(path), flags));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Bytes read into {@code buf}, or -errno. */
    public long pread(int fd, MemorySegment buf, long count, long offset) {
        try {
            long n = (long) PREAD.invokeExact(errno, fd, buf, count, offset);
            return n < 0 ? -errno() : n;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Bytes written from {@code buf} at {@code offset}, or -errno. */
    public long pwrite(int fd, MemorySegment buf, long count, long offset) {
        try {
            long n = (long) PWRITE.invokeExact(errno, fd, buf, count, offset);
            return n < 0 ? -errno() : n;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The CPUs the calling thread may run on, as a mask of CPUs 0-63 (0 on failure). */
    public long affinity() {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment set = call.allocate(128, 8);
            int ret = (int) GETAFFINITY.invokeExact(errno, 0, 128L, set);
            return ret < 0 ? 0 : set.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Lets the calling thread run on the CPUs of {@code mask} (CPUs 0-63) only; 0 or -errno. */
    public int setAffinity(long mask) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment set = call.allocate(128, 8);
            set.set(JAVA_LONG, 0, mask);
            return result((int) SETAFFINITY.invokeExact(errno, 0, 128L, set));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public int close(int fd) {
        try {
            return result((int) CLOSE.invokeExact(errno, fd));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** pipe(): fills {@code fds} with the read and the write end; 0 or -errno. */
    public int pipe(int[] fds) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment pair = call.allocate(JAVA_INT, 2);
            int ret = result((int) PIPE.invokeExact(errno, pair));
            fds[0] = pair.getAtIndex(JAVA_INT, 0);
            fds[1] = pair.getAtIndex(JAVA_INT, 1);
            return ret;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Bytes written from {@code buf}, or -errno. */
    public long write(int fd, MemorySegment buf, long count) {
        try {
            long n = (long) WRITE.invokeExact(errno, fd, buf, count);
            return n < 0 ? -errno() : n;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Bytes read into {@code buf}, or -errno. */
    public long read(int fd, MemorySegment buf, long count) {
        try {
            long n = (long) READ.invokeExact(errno, fd, buf, count);
            return n < 0 ? -errno() : n;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** poll() of one descriptor for input: 1 when readable, 0 on time-out, or -errno. */
    public int pollIn(int fd, int timeoutMillis) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment pfd = call.allocate(8, 4);
            pfd.set(JAVA_INT, 0, fd);
            pfd.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 4, (short) 1); // POLLIN
            return result((int) POLL.invokeExact(errno, pfd, 1L, timeoutMillis));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** ioctl(fd, request, arg): its return, or -errno. */
    public int ioctl(int fd, long request, MemorySegment arg) {
        try {
            return result((int) IOCTL.invokeExact(errno, fd, request, arg));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public int kill(int pid, int signal) {
        try {
            return result((int) KILL.invokeExact(errno, pid, signal));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** waitpid(pid, NULL, options): the pid reaped, 0, or -errno. */
    public int waitpid(int pid, int options) {
        try {
            return result((int) WAITPID.invokeExact(errno, pid, MemorySegment.NULL, options));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** syscall(number, a, b, c, d), for calls libc has no wrapper of (io_uring): the kernel's return, or -errno. */
    public long syscall(long number, long a, long b, long c, long d) {
        try {
            long ret = (long) SYSCALL.invokeExact(errno, number, a, b, c, d);
            return ret < 0 ? -errno() : ret;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public int prctl(int option, long arg) {
        try {
            return result((int) PRCTL.invokeExact(errno, option, arg, 0L, 0L, 0L));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private int result(int ret) {
        return ret < 0 ? -errno() : ret;
    }

    private int errno() {
        return (int) ERRNO.get(errno, 0L);
    }

    @Override
    public void close() {
        arena.close();
    }
}
