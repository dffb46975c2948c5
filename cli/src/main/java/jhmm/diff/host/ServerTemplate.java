package jhmm.diff.host;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import jhmm.perf.host.HostKernel;

/**
 * The one server, per JVM, that every scenario process is forked from. It is forked from the
 * JVM once, then unmaps everything it inherited but its two pages (code and buffer) and its
 * thread's TLS, so that
 * forking a scenario process copies almost nothing (a fork of the JVM itself costs tens of
 * milliseconds) and a scenario process's address space holds nothing but the scenario's own
 * mappings. Every pipe pair is made before the template forks, and is lent to one scenario
 * process at a time. The template is the subreaper of all scenario processes and reaps them;
 * it ends when the JVM does (it closed its own copy of its command pipe's write end, so it
 * reads end-of-file).
 */
final class ServerTemplate {
    /** Processes alive at once, across every scenario being run. */
    private static final int PIPE_PAIRS = 128;
    private static final int PR_SET_CHILD_SUBREAPER = 36;
    /** The one CPU the template, so every scenario process, and the JVM thread driving them run on. */
    static final long CPU_MASK = 1;
    private static ServerTemplate instance;

    private final HostKernel kernel = new HostKernel();
    private final Arena arena = Arena.ofShared();
    private final Deque<PipePair> free = new ArrayDeque<>();
    private final java.util.Set<Integer> live = new java.util.HashSet<>();
    private final SyscallServer template;

    private ServerTemplate() {
        for (int i = 0; i <= PIPE_PAIRS; i++) {
            int[] cmd = new int[2];
            int[] reply = new int[2];
            if (kernel.pipe(cmd) < 0 || kernel.pipe(reply) < 0) {
                throw new IllegalStateException("cannot make pipes for the host processes (too many open files?)");
            }
            free.add(new PipePair(cmd[0], cmd[1], reply[0], reply[1]));
        }
        PipePair own = free.removeFirst();
        long saved = kernel.affinity();
        kernel.setAffinity(CPU_MASK); // the template inherits the forking thread's CPUs
        template = SyscallServer.forkFromJvm(kernel, own, arena);
        if (saved != 0) {
            kernel.setAffinity(saved);
        }
        template.call(SyscallServer.SYS_CLOSE, own.jvmWrites(), 0, 0, 0, 0, 0);
        template.call(SyscallServer.SYS_PRCTL, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0, 0);
        trim();
        killLiveOnShutdown();
    }

    static synchronized ServerTemplate get() {
        if (instance == null) {
            instance = new ServerTemplate();
        }
        return instance;
    }

    /**
     * Unmaps from the template every mapping it inherited from the JVM but its own two pages
     * and the forking thread's TLS (its rseq area).
     */
    private void trim() {
        long keep = SyscallServer.codePage();
        Path maps = Path.of("/proc/" + template.pid() + "/maps");
        try {
            for (String line : Files.readAllLines(maps)) {
                int dash = line.indexOf('-');
                int space = line.indexOf(' ');
                long lo = Long.parseUnsignedLong(line, 0, dash, 16);
                long hi = Long.parseUnsignedLong(line, dash + 1, space, 16);
                long rseq = SyscallServer.forkingThreadRseq();
                if (line.endsWith("[vsyscall]") || (lo <= rseq && rseq < hi)) {
                    continue; // cannot be unmapped, or the kernel writes it on every system call's return
                }
                unmap(lo, Math.min(hi, keep));
                unmap(Math.max(lo, keep + 2 * 4096), hi);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + maps + ": " + e.getMessage(), e);
        }
    }

    private void unmap(long lo, long hi) {
        if (hi > lo) {
            template.call(SyscallServer.SYS_MUNMAP, lo, hi - lo, 0, 0, 0, 0);
        }
    }

    /** A new scenario process with an empty address space. */
    synchronized SyscallServer spawn(Arena sessionArena) {
        return alive(template.fork(lend(), sessionArena));
    }

    /** {@code parent} forks. */
    synchronized SyscallServer fork(SyscallServer parent, Arena sessionArena) {
        return alive(parent.fork(lend(), sessionArena));
    }

    private SyscallServer alive(SyscallServer s) {
        live.add(s.pid());
        return s;
    }

    /**
     * Scenario processes hold each other's pipes, so none would read end-of-file if the JVM
     * ended mid-scenario (a child must outlive its parent, so they cannot die with it either):
     * the JVM kills those still alive as it shuts down. Only a JVM killed outright leaves them.
     */
    private void killLiveOnShutdown() {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (this) {
                live.forEach(pid -> kernel.kill(pid, 9));
            }
        }, "jhmm-diff-host-cleanup"));
    }

    /** Kills {@code s} (if still alive), reaps it, and takes its pipes back. */
    synchronized void reap(SyscallServer s) {
        kernel.kill(s.pid(), 9);
        template.call(SyscallServer.SYS_WAIT4, s.pid(), 0, 0, 0, 0, 0);
        live.remove(s.pid());
        free.add(s.pipes());
    }

    private PipePair lend() {
        if (free.isEmpty()) {
            throw new IllegalStateException("too many host processes at once (at most " + PIPE_PAIRS + ")");
        }
        return free.removeFirst();
    }
}
