package jhmm.diff.host;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jhmm.perf.host.HostKernel;

/** The host processes of one scenario run, forked from the {@link ServerTemplate}. */
final class HostProcesses implements AutoCloseable {
    private final HostKernel kernel;
    private final ServerTemplate template = ServerTemplate.get();
    private final Arena arena = Arena.ofShared();
    private final List<SyscallServer> servers = new ArrayList<>();

    HostProcesses(HostKernel kernel) {
        this.kernel = kernel;
    }

    /** A new process with an empty address space. */
    SyscallServer spawn() {
        SyscallServer s = template.spawn(arena);
        servers.add(s);
        return s;
    }

    /** {@code parent} forks. */
    SyscallServer fork(SyscallServer parent) {
        SyscallServer s = template.fork(parent, arena);
        servers.add(s);
        return s;
    }

    /**
     * Ends {@code s} and waits until its address space is gone: its parent may be another
     * scenario process, which never reaps, so this waits for the zombie state (set after the
     * memory is released); the template reaps it when the run ends.
     */
    void exit(SyscallServer s) {
        kernel.kill(s.pid(), 9);
        Path stat = Path.of("/proc/" + s.pid() + "/stat");
        for (int i = 0; i < 100_000; i++) {
            if (zombieOrGone(stat)) {
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

    /**
     * Kills every process, parents first, and has the template reap them: a child whose parent
     * was reaped first has been handed to the template, its subreaper, by then.
     */
    @Override
    public void close() {
        for (SyscallServer s : servers) {
            kernel.kill(s.pid(), 9);
        }
        servers.forEach(template::reap);
        servers.clear();
        arena.close();
    }
}
