package jhmm.diff.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import jhmm.perf.host.HostKernel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The host processes of `jhmm diff`: raw system calls served by forked children that run no Java. */
class SyscallServerTest {
    private static final long SYS_GETPID = 39;

    @BeforeEach
    void onLinuxX86() {
        assumeTrue(HostSession.unavailable().isEmpty(), () -> "no host side: " + HostSession.unavailable().orElseThrow());
    }

    @Test
    void serverMakesSystemCallsAsItsOwnProcess() {
        try (HostKernel kernel = new HostKernel(); HostProcesses processes = new HostProcesses(kernel)) {
            SyscallServer s = processes.spawn();
            assertThat(s.pid()).isPositive().isNotEqualTo(ProcessHandle.current().pid());
            assertThat(s.call(SYS_GETPID, 0, 0, 0, 0, 0, 0)).isEqualTo(s.pid());
        }
    }

    @Test
    void forkedServerIsAChildThatServesItsOwnPipes() throws Exception {
        try (HostKernel kernel = new HostKernel(); HostProcesses processes = new HostProcesses(kernel)) {
            SyscallServer parent = processes.spawn();
            SyscallServer child = processes.fork(parent);
            assertThat(child.call(SYS_GETPID, 0, 0, 0, 0, 0, 0)).isEqualTo(child.pid());
            assertThat(parent.call(SYS_GETPID, 0, 0, 0, 0, 0, 0)).isEqualTo(parent.pid());
            String stat = Files.readString(Path.of("/proc/" + child.pid() + "/stat"));
            String ppid = stat.substring(stat.lastIndexOf(')') + 4).split(" ")[0];
            assertThat(Integer.parseInt(ppid)).isEqualTo(parent.pid());
        }
    }

    @Test
    void mmapInAServerMapsInThatProcessOnly() throws Exception {
        try (HostKernel kernel = new HostKernel(); HostProcesses processes = new HostProcesses(kernel)) {
            SyscallServer s = processes.spawn();
            long want = 0x0f00_0000_0000L;
            long got = s.call(SyscallServer.SYS_MMAP, want, 8192, 3, 0x22 | 0x100000, -1, 0);
            assertThat(got).isEqualTo(want);
            assertThat(Files.readString(Path.of("/proc/" + s.pid() + "/maps"))).contains("f0000000000-f0000002000 rw-p");
            assertThat(Files.readString(Path.of("/proc/self/maps"))).doesNotContain("f0000000000-");
            assertThat(s.call(SyscallServer.SYS_MUNMAP, want, 3, 0, 0, 0, 0)).as("unaligned length is fine, unaligned start is not").isZero();
            assertThat(s.call(SyscallServer.SYS_MUNMAP, want + 1, 4096, 0, 0, 0, 0)).isEqualTo(-22);
        }
    }

    @Test
    void scenarioProcessMapsNothingOfTheJvm() throws Exception {
        try (HostKernel kernel = new HostKernel(); HostProcesses processes = new HostProcesses(kernel)) {
            SyscallServer s = processes.spawn();
            java.util.List<String> maps = Files.readAllLines(Path.of("/proc/" + s.pid() + "/maps"));
            assertThat(maps).as("code page, buffer page, the forking thread's TLS, vsyscall").hasSizeLessThanOrEqualTo(4);
        }
    }

    @Test
    void childOutlivesItsParentAsOnLinux() throws Exception {
        try (HostKernel kernel = new HostKernel(); HostProcesses processes = new HostProcesses(kernel)) {
            SyscallServer parent = processes.spawn();
            SyscallServer child = processes.fork(parent);
            processes.exit(parent);
            assertThat(child.call(SYS_GETPID, 0, 0, 0, 0, 0, 0)).isEqualTo(child.pid());
        }
    }

    @Test
    void closingEndsAndReapsEveryServer() {
        int parentPid;
        int childPid;
        try (HostKernel kernel = new HostKernel(); HostProcesses processes = new HostProcesses(kernel)) {
            SyscallServer parent = processes.spawn();
            parentPid = parent.pid();
            childPid = processes.fork(parent).pid();
        }
        assertThat(Path.of("/proc/" + parentPid)).doesNotExist();
        assertThat(Path.of("/proc/" + childPid)).doesNotExist();
    }

    @Test
    void exitWaitsUntilTheAddressSpaceIsGone() throws Exception {
        try (HostKernel kernel = new HostKernel(); HostProcesses processes = new HostProcesses(kernel)) {
            SyscallServer parent = processes.spawn();
            SyscallServer child = processes.fork(parent);
            processes.exit(child);
            // the child's parent is a scenario process that never reaps: it stays a zombie, without memory
            assertThat(Files.readString(Path.of("/proc/" + child.pid() + "/status"))).contains("State:\tZ");
            assertThat(parent.call(SYS_GETPID, 0, 0, 0, 0, 0, 0)).isEqualTo(parent.pid());
        }
    }
}
