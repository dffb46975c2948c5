package jhmm.diff.host;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import jhmm.perf.host.HostKernel;

/**
 * A host process that makes system calls on the JVM's behalf and runs no Java at all.
 *
 * <p>The JVM is multi-threaded: after {@code fork()} its child may only make raw system calls.
 * So the fork happens inside a few dozen bytes of x86_64 machine code, called through the FFM
 * API; the child stays in that code forever, in a loop: read a 56-byte request (system call
 * number and six arguments) from its command pipe, make the call, write the 8-byte result to
 * its reply pipe. It never returns to Java, never touches the heap, libc or its stack. A
 * {@code fork} request makes the child fork again; the new child switches to the pipe pair
 * named in the request's first two arguments, so every process of a scenario (parent and
 * children) is such a server. The JVM reaches the servers' memory with process_vm_readv/writev
 * and reads their page tables through /proc/PID/pagemap.
 */
final class SyscallServer {
    static final long SYS_OPEN = 2;
    static final long SYS_CLOSE = 3;
    static final long SYS_MMAP = 9;
    static final long SYS_MPROTECT = 10;
    static final long SYS_MUNMAP = 11;
    static final long SYS_MREMAP = 25;
    static final long SYS_MADVISE = 28;
    static final long SYS_FORK = 57;
    static final long SYS_WAIT4 = 61;
    static final long SYS_PRCTL = 157;
    private static final int REQUEST_BYTES = 56;
    /** How long a reply may take before the server counts as dead (a page fault storm is far faster). */
    private static final int REPLY_TIMEOUT_MILLIS = 30_000;

    /*
     * spawn(cmdFd, replyFd, buf): fork; the parent returns the child's pid (or -errno); the child
     * keeps its pipes in r12/r13 and its request buffer in r14 and serves requests until its
     * command pipe gives less than a whole request, then exit_group(0). Assembled from:
     *   mov eax,57; syscall; test rax,rax; jz child; ret
     *   child: mov r12,rdi; mov r13,rsi; mov r14,rdx
     *   next: xor eax,eax; mov rdi,r12; mov rsi,r14; mov edx,56; syscall; cmp rax,56; jne die
     *     mov rax,[r14]; mov rdi,[r14+8]; mov rsi,[r14+16]; mov rdx,[r14+24]
     *     mov r10,[r14+32]; mov r8,[r14+40]; mov r9,[r14+48]; syscall
     *     test rax,rax; jnz reply; cmp qword [r14],57; jne reply
     *     mov r12,[r14+8]; mov r13,[r14+16]; jmp next          ; a new child: its own pipes
     *   reply: mov [r14+56],rax; mov eax,1; mov rdi,r13; lea rsi,[r14+56]; mov edx,8; syscall; jmp next
     *   die: mov eax,231; xor edi,edi; syscall; jmp die
     */
    private static final byte[] CODE = {
        (byte) 0xb8, 0x39, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, (byte) 0x85, (byte) 0xc0, 0x74, 0x01,
        (byte) 0xc3, 0x49, (byte) 0x89, (byte) 0xfc, 0x49, (byte) 0x89, (byte) 0xf5, 0x49, (byte) 0x89, (byte) 0xd6, 0x31, (byte) 0xc0,
        0x4c, (byte) 0x89, (byte) 0xe7, 0x4c, (byte) 0x89, (byte) 0xf6, (byte) 0xba, 0x38, 0x00, 0x00, 0x00, 0x0f,
        0x05, 0x48, (byte) 0x83, (byte) 0xf8, 0x38, 0x75, 0x4b, 0x49, (byte) 0x8b, 0x06, 0x49, (byte) 0x8b,
        0x7e, 0x08, 0x49, (byte) 0x8b, 0x76, 0x10, 0x49, (byte) 0x8b, 0x56, 0x18, 0x4d, (byte) 0x8b,
        0x56, 0x20, 0x4d, (byte) 0x8b, 0x46, 0x28, 0x4d, (byte) 0x8b, 0x4e, 0x30, 0x0f, 0x05,
        0x48, (byte) 0x85, (byte) 0xc0, 0x75, 0x10, 0x49, (byte) 0x83, 0x3e, 0x39, 0x75, 0x0a, 0x4d,
        (byte) 0x8b, 0x66, 0x08, 0x4d, (byte) 0x8b, 0x6e, 0x10, (byte) 0xeb, (byte) 0xb9, 0x49, (byte) 0x89, 0x46,
        0x38, (byte) 0xb8, 0x01, 0x00, 0x00, 0x00, 0x4c, (byte) 0x89, (byte) 0xef, 0x49, (byte) 0x8d, 0x76,
        0x38, (byte) 0xba, 0x08, 0x00, 0x00, 0x00, 0x0f, 0x05, (byte) 0xeb, (byte) 0xa0, (byte) 0xb8, (byte) 0xe7,
        0x00, 0x00, 0x00, 0x31, (byte) 0xff, 0x0f, 0x05, (byte) 0xeb, (byte) 0xf5
    };

    /** The code page, then the page every server keeps its request in (at offset 0) and strings (from {@link #STRINGS}). */
    private static long pages;
    private static MethodHandle spawn;
    /** The rseq area of the thread that last forked from the JVM: the kernel writes it on every return to user space. */
    private static long forkingThreadRseq;
    /** Where in a server's buffer page the JVM may write a string (a path) for a request to point at. */
    static final int STRINGS = 64;

    private final HostKernel kernel;
    private final int pid;
    private final PipePair pipes;
    private final MemorySegment request;

    private SyscallServer(HostKernel kernel, int pid, PipePair pipes, Arena arena) {
        this.kernel = kernel;
        this.pid = pid;
        this.pipes = pipes;
        this.request = arena.allocate(REQUEST_BYTES, 8);
    }

    /** True on the one machine kind whose code this class carries. */
    static boolean supported() {
        return "Linux".equals(System.getProperty("os.name"))
                && ("amd64".equals(System.getProperty("os.arch")) || "x86_64".equals(System.getProperty("os.arch")));
    }

    /**
     * A new server forked from the JVM, talking over {@code pipes}; its memory is a copy of the
     * JVM's until it is {@link ServerTemplate trimmed}.
     */
    static SyscallServer forkFromJvm(HostKernel kernel, PipePair pipes, Arena arena) {
        long pid;
        try {
            MethodHandle h = spawnHandle(kernel);
            forkingThreadRseq = rseqArea();
            pid = (long) h.invokeExact((long) pipes.serverReads(), (long) pipes.serverWrites(), bufferPage());
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (pid < 0) {
            throw new IllegalStateException("fork failed: errno " + -pid);
        }
        return new SyscallServer(kernel, (int) pid, pipes, arena);
    }

    /** The first of the two pages a server needs: its code, then its buffer page. */
    static synchronized long codePage() {
        if (pages == 0) {
            throw new IllegalStateException("no server has been made yet");
        }
        return pages;
    }

    /**
     * An address in the memory the kernel writes for the forking thread on each return from a
     * system call (glibc registers the thread's rseq area, inside its TLS, with the kernel): a
     * server that unmapped it would get SIGSEGV. 0 when libc registers none.
     */
    static synchronized long forkingThreadRseq() {
        return forkingThreadRseq;
    }

    private static long rseqArea() throws Throwable {
        Linker linker = Linker.nativeLinker();
        var offset = linker.defaultLookup().find("__rseq_offset");
        var self = linker.defaultLookup().find("pthread_self");
        if (offset.isEmpty() || self.isEmpty()) {
            return 0;
        }
        long tp = (long) linker.downcallHandle(self.get(), FunctionDescriptor.of(JAVA_LONG)).invokeExact();
        return tp + offset.get().reinterpret(8).get(JAVA_LONG, 0);
    }

    /** The address of the buffer page, the same in every server. */
    static long bufferPage() {
        return codePage() + 4096;
    }

    /** This server forks; the child serves over {@code childPipes}. The child's pid, or -errno. */
    SyscallServer fork(PipePair childPipes, Arena arena) {
        long pid = call(SYS_FORK, childPipes.serverReads(), childPipes.serverWrites(), 0, 0, 0, 0);
        if (pid < 0) {
            throw new IllegalStateException("fork failed: errno " + -pid);
        }
        return new SyscallServer(kernel, (int) pid, childPipes, arena);
    }

    int pid() {
        return pid;
    }

    PipePair pipes() {
        return pipes;
    }

    /** Makes system call {@code nr} in the server; its raw return (-errno on failure). */
    long call(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
        request.set(JAVA_LONG, 0, nr);
        request.set(JAVA_LONG, 8, a1);
        request.set(JAVA_LONG, 16, a2);
        request.set(JAVA_LONG, 24, a3);
        request.set(JAVA_LONG, 32, a4);
        request.set(JAVA_LONG, 40, a5);
        request.set(JAVA_LONG, 48, a6);
        if (kernel.write(pipes.jvmWrites(), request, REQUEST_BYTES) != REQUEST_BYTES) {
            throw new IllegalStateException("host process " + pid + " cannot be sent a request");
        }
        if (kernel.pollIn(pipes.jvmReads(), REPLY_TIMEOUT_MILLIS) != 1
                || kernel.read(pipes.jvmReads(), request, 8) != 8) {
            throw new IllegalStateException("host process " + pid + " stopped answering");
        }
        return request.get(JAVA_LONG, 0);
    }

    private static synchronized MethodHandle spawnHandle(HostKernel kernel) {
        if (spawn == null) {
            long page = kernel.mmap(2 * 4096, HostKernel.PROT_READ | HostKernel.PROT_WRITE,
                    HostKernel.MAP_PRIVATE | HostKernel.MAP_ANONYMOUS);
            if (page < 0) {
                throw new IllegalStateException("cannot map the server's pages: errno " + -page);
            }
            MemorySegment code = MemorySegment.ofAddress(page).reinterpret(4096);
            MemorySegment.copy(MemorySegment.ofArray(CODE), 0, code, 0, CODE.length);
            int ret = kernel.mprotect(page, 4096, HostKernel.PROT_READ | 4 /* PROT_EXEC */);
            if (ret < 0) {
                throw new IllegalStateException("cannot make the server's code executable: errno " + -ret);
            }
            pages = page;
            spawn = Linker.nativeLinker().downcallHandle(code,
                    FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        }
        return spawn;
    }
}
