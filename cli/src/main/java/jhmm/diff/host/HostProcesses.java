package jhmm.diff.host;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jhmm.perf.host.HostKernel;

/**
 * The host processes of one scenario run, and the pipes they talk over. Every pipe is made
 * before the first server is forked, so that each server, and each child it forks later,
 * already holds the ends it will use; descriptors the JVM opens for the scenario's files are
 * opened before that too, for the same reason.
 */
final class HostProcesses implements AutoCloseable {
    private static final int PR_SET_CHILD_SUBREAPER = 36;
    private static final int WNOHANG = 1;

    private final HostKernel kernel;
    private final Arena arena = Arena.ofShared();
    private final List<PipePair> free = new ArrayList<>();
    private final List<int[]> opened = new ArrayList<>();
    private final List<SyscallServer> servers = new ArrayList<>();

    /** Makes {@code capacity} pipe pairs: one process each, forks included. */
    HostProcesses(HostKernel kernel, int capacity) {
        this.kernel = kernel;
        // Orphaned servers (a child whose parent was killed first) come back to the JVM to be reaped.
        kernel.prctl(PR_SET_CHILD_SUBREAPER, 1);
        for (int i = 0; i < capacity; i++) {
            int[] cmd = new int[2];
            int[] reply = new int[2];
            if (kernel.pipe(cmd) < 0 || kernel.pipe(reply) < 0) {
                close();
                throw new IllegalStateException("cannot make pipes for the host processes");
            }
            opened.add(cmd);
            opened.add(reply);
            free.add(new PipePair(cmd[0], cmd[1], reply[0], reply[1]));
        }
    }

    /** A new process with an empty scenario address space (a copy of the JVM's, elsewhere). */
    SyscallServer spawn() {
        SyscallServer s = SyscallServer.forkFromJvm(kernel, takePipes(), arena);
        servers.add(s);
        return s;
    }

    /** {@code parent} forks. */
    SyscallServer fork(SyscallServer parent) {
        SyscallServer s = parent.fork(takePipes(), arena);
        servers.add(s);
        return s;
    }

    /**
     * Ends {@code s} and waits until its address space is gone: a server's own parent, not the
     * JVM, may have to reap it, so this waits for the zombie state (set after the memory is
     * released) rather than for the reap.
     */
    void exit(SyscallServer s) {
        kernel.kill(s.pid(), 9);
        Path stat = Path.of("/proc/" + s.pid() + "/stat");
        for (int i = 0; i < 10_000; i++) {
            if (kernel.waitpid(s.pid(), WNOHANG) == s.pid() || zombieOrGone(stat)) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new IllegalStateException("host process " + s.pid() + " did not exit");
    }

    private static boolean zombieOrGone(Path stat) {
        try {
            String s = Files.readString(stat);
            int close = s.lastIndexOf(')');
            return close > 0 && close + 2 < s.length() && (s.charAt(close + 2) == 'Z' || s.charAt(close + 2) == 'X');
        } catch (java.io.IOException gone) {
            return true;
        }
    }

    private PipePair takePipes() {
        if (free.isEmpty()) {
            throw new IllegalStateException("too many host processes in one scenario (at most " + opened.size() / 2 + ")");
        }
        return free.removeFirst();
    }

    /** Kills every server, parents first so that children come back to the JVM, and reaps them all. */
    @Override
    public void close() {
        for (SyscallServer s : servers) {
            kernel.kill(s.pid(), 9);
            kernel.waitpid(s.pid(), 0);
        }
        servers.clear();
        for (int[] fds : opened) {
            kernel.close(fds[0]);
            kernel.close(fds[1]);
        }
        opened.clear();
        arena.close();
    }
}
