package jhmm.diff.host;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.diff.PageSource;
import jhmm.mm.Mman;
import jhmm.perf.host.HostKernel;
import jhmm.scenario.Command;
import jhmm.scenario.DeviceCommand;
import jhmm.scenario.Mapping;
import jhmm.scenario.Range;
import jhmm.scenario.Result;
import jhmm.scenario.GpuCommand;
import jhmm.scenario.RnicCommand;
import jhmm.scenario.Scenario;
import jhmm.scenario.ShowCommand;
import jhmm.scenario.Step;
import jhmm.scenario.Target;

/**
 * A scenario's CPU-side commands carried out for real by the host kernel, in processes that
 * are {@link SyscallServer}s: mmap, munmap, mprotect, madvise, mremap and fork are their own
 * system calls. Loads and stores go through /proc/PID/mem, after a look at /proc/PID/maps: the
 * access stops where the CPU's would fault (x86: a store needs VM_WRITE, a load any of
 * read, write, exec), the pages before that point are faulted in as the CPU's accesses would
 * fault them, and the command returns EFAULT as SIGSEGV would be. Not process_vm_readv: it
 * takes FOLL_PIN, and a read-only pin unshares a copy-on-write page, which a CPU load never
 * does. What this cannot see: a fault's exact byte within a page, and SIGBUS beyond a file's
 * end (the access is made and the kernel answers EIO, reported as EFAULT).
 *
 * <p>Host mappings sit at the model's addresses plus {@link #DELTA}, a multiple of 1 GiB, so
 * that every alignment the model's placement has (THP, PUD) the host's has too. After the model
 * has run a command, the session is told where the model put a mapping, and places the host's
 * there (MAP_FIXED_NOREPLACE; an mremap first tries to stay in place, then moves there), so
 * that what is compared is behaviour, not the two kernels' choice of free addresses.
 */
public final class HostSession implements PageSource, AutoCloseable {
    /**
     * Model addresses (top-down from 0x7f00_0000_0000) land below 0x1000_0000_0000, far from
     * the few pages a scenario process keeps of the JVM's (its code, buffer and TLS pages).
     */
    public static final long DELTA = 0x1000_0000_0000L - 0x7f00_0000_0000L;
    private static final int MAP_FIXED_NOREPLACE = 0x100000;
    private static final int O_RDWR = 2;
    private static final int CHUNK = 1 << 20;

    private final HostKernel kernel = new HostKernel();
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buffer = arena.allocate(CHUNK, 4096);
    private final Path dir;
    private final Map<String, Path> files = new HashMap<>();
    private final HostProcesses processes;
    private final HostPages pages;
    private final Map<String, SyscallServer> servers = new HashMap<>();
    private final Map<String, Map<String, Mapping>> tables = new HashMap<>();
    private final Map<Integer, Integer> memFds = new HashMap<>();
    private final long savedAffinity;

    /** Why the host cannot run scenarios here, or empty when it can. */
    public static Optional<String> unavailable() {
        if (!SyscallServer.supported()) {
            return Optional.of("the host side runs on Linux x86_64 only (this is " + System.getProperty("os.name")
                    + " " + System.getProperty("os.arch") + ")");
        }
        return Optional.empty();
    }

    /**
     * Makes the scenario's files (in a temporary folder) and its process table. The calling
     * thread runs on the template's CPU until {@link #close}: a page a store faults in waits in
     * the faulting CPU's LRU batch, which only that CPU drains when a later madvise reclaims, so
     * every access and every system call of a scenario is made on one CPU (else MADV_PAGEOUT
     * would find the page or not by chance).
     */
    public HostSession(Scenario scenario) throws IOException {
        this.savedAffinity = kernel.affinity();
        kernel.setAffinity(ServerTemplate.CPU_MASK);
        this.dir = Files.createTempDirectory("jhmm-diff-");
        for (Step step : scenario.steps()) {
            if (step.command() instanceof Command.NewFile f) {
                files.put(f.name(), createFile(f));
            }
        }
        this.processes = new HostProcesses(kernel);
        this.pages = new HostPages(kernel);
    }

    /** Why the host cannot carry out {@code command}, or empty when it can. */
    public static Optional<String> unsupported(Command command) {
        return switch (command) {
            case DeviceCommand d -> Optional.of("a device command");
            case RnicCommand r -> Optional.of("an RDMA NIC command");
            case GpuCommand g -> Optional.of("a GPU command");
            case Command.Migrate m -> Optional.of("kernel migrate has no system call");
            case Command.Swapout s -> Optional.of("kernel swapout has no system call");
            case Command.SplitThp s -> Optional.of("kernel split-thp has no system call");
            case Command.Compact c -> Optional.of("kernel compact is machine-wide on the host");
            case Command.Gup g -> Optional.of("gup is a kernel-internal call");
            case Command.Unpin u -> Optional.of("unpin is a kernel-internal call");
            case Command.Mmap m when m.hugetlb().isPresent() -> Optional.of("hugetlb needs a host pool");
            case Command.Mmap m when m.device().isPresent() -> Optional.of("it maps a device file");
            default -> Optional.empty();
        };
    }

    /**
     * Carries out {@code command} on the host. {@code modelPlace} is where the model put the
     * command's mapping when it made or moved one (empty when the model's call failed).
     */
    public Result execute(Command command, Optional<Mapping> modelPlace) {
        return switch (command) {
            case Command.NewProcess n -> {
                servers.put(n.name(), processes.spawn());
                tables.put(n.name(), new HashMap<>());
                yield Result.OK;
            }
            case Command.NewFile f -> Result.OK;
            case Command.CheckInvariants c -> Result.OK;
            case ShowCommand s -> Result.OK; // the model's view, printed by the model's side alone
            case Command.Mmap m -> mmap(m, modelPlace);
            case Command.Munmap u -> munmap(u);
            case Command.Mprotect m -> onRange(m.target(), m.range(), SyscallServer.SYS_MPROTECT, m.prot());
            case Command.Madvise m -> onRange(m.target(), m.range(), SyscallServer.SYS_MADVISE, m.advice().value());
            case Command.Mremap r -> mremap(r, modelPlace);
            case Command.Write w -> write(w);
            case Command.Read r -> read(r);
            case Command.Fork f -> {
                servers.put(f.child(), processes.fork(server(f.parent())));
                tables.put(f.child(), new HashMap<>(tables.get(f.parent())));
                yield Result.OK;
            }
            case Command.Exit e -> {
                SyscallServer s = servers.remove(e.process());
                pages.forget(s.pid());
                Integer mem = memFds.remove(s.pid());
                if (mem != null) {
                    kernel.close(mem);
                }
                processes.exit(s);
                tables.remove(e.process());
                yield Result.OK;
            }
            default -> throw new IllegalArgumentException("not a host command: " + command);
        };
    }

    /** Where the host has mapping {@code t} now, in model addresses; empty when it has none. */
    public Optional<Mapping> place(Target t) {
        Map<String, Mapping> table = tables.get(t.process());
        Mapping m = table == null ? null : table.get(t.mapping());
        return m == null ? Optional.empty() : Optional.of(new Mapping(m.start() - DELTA, m.length()));
    }

    private Result mmap(Command.Mmap m, Optional<Mapping> modelPlace) {
        int flags = m.kind().flags() | (m.populate() ? Mman.MAP_POPULATE : 0);
        long addr = modelPlace.map(p -> p.start() + DELTA).orElse(0L);
        if (modelPlace.isPresent()) {
            flags |= MAP_FIXED_NOREPLACE;
        }
        SyscallServer s = server(m.target().process());
        int fd = m.file().isPresent() ? open(s, files.get(m.file().get())) : -1;
        long ret = s.call(SyscallServer.SYS_MMAP, addr, m.size(), m.prot(), flags, fd, m.offset());
        if (fd >= 0) {
            s.call(SyscallServer.SYS_CLOSE, fd, 0, 0, 0, 0, 0);
        }
        if (ret >= 0) {
            tables.get(m.target().process()).put(m.target().mapping(), new Mapping(ret, m.size()));
        }
        return Result.ofReturn(ret);
    }

    /** Opens {@code file} in the server, as the program would before its mmap: the path goes into the server's buffer page. */
    private int open(SyscallServer s, Path file) {
        byte[] path = (file.toString() + "\0").getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(path, 0, buffer, JAVA_BYTE, 0, path.length);
        long at = SyscallServer.bufferPage() + SyscallServer.STRINGS;
        if (kernel.pwrite(memFd(s), buffer, path.length, at) != path.length) {
            throw new IllegalStateException("cannot write a path into host process " + s.pid());
        }
        long fd = s.call(SyscallServer.SYS_OPEN, at, O_RDWR, 0, 0, 0, 0);
        if (fd < 0) {
            throw new IllegalStateException("host process " + s.pid() + " cannot open " + file + ": errno " + -fd);
        }
        return (int) fd;
    }

    private Result munmap(Command.Munmap u) {
        Mapping m = mapping(u.target());
        Result r = onRange(u.target(), u.range(), SyscallServer.SYS_MUNMAP, 0);
        if (r.ok() && u.range().covers(m.length())) {
            tables.get(u.target().process()).remove(u.target().mapping());
        }
        return r;
    }

    private Result onRange(Target t, Range range, long nr, long arg) {
        Mapping m = mapping(t);
        return Result.ofReturn(server(t.process()).call(nr, m.start() + range.off(), range.length(m.length()), arg, 0, 0, 0));
    }

    /**
     * mremap placed where the model placed it: a mapping the model kept in place must stay in
     * place on the host (no MAYMOVE), one the model moved is first tried in place (so that a
     * host that could grow in place shows as a divergence), then moved to the model's spot.
     */
    private Result mremap(Command.Mremap r, Optional<Mapping> modelPlace) {
        Mapping old = mapping(r.target());
        SyscallServer s = server(r.target().process());
        long ret;
        if (r.to().isPresent()) {
            int flags = Mman.MREMAP_MAYMOVE | Mman.MREMAP_FIXED | (r.dontUnmap() ? Mman.MREMAP_DONTUNMAP : 0);
            ret = s.call(SyscallServer.SYS_MREMAP, old.start(), old.length(), r.newSize(), flags, old.start() + r.to().getAsLong(), 0);
        } else if (modelPlace.isEmpty()) {
            int flags = Mman.MREMAP_MAYMOVE | (r.dontUnmap() ? Mman.MREMAP_DONTUNMAP : 0);
            ret = s.call(SyscallServer.SYS_MREMAP, old.start(), old.length(), r.newSize(), flags, 0, 0);
        } else {
            long target = modelPlace.get().start() + DELTA;
            ret = r.dontUnmap() ? -Errno.ENOMEM : s.call(SyscallServer.SYS_MREMAP, old.start(), old.length(), r.newSize(), 0, 0, 0);
            if (ret < 0 && target != old.start()) {
                int flags = Mman.MREMAP_MAYMOVE | Mman.MREMAP_FIXED | (r.dontUnmap() ? Mman.MREMAP_DONTUNMAP : 0);
                ret = s.call(SyscallServer.SYS_MREMAP, old.start(), old.length(), r.newSize(), flags, target, 0);
            }
        }
        if (ret >= 0) {
            tables.get(r.target().process()).put(r.target().mapping(), new Mapping(ret, r.newSize()));
        }
        return Result.ofReturn(ret);
    }

    private Result write(Command.Write w) {
        Mapping m = mapping(w.target());
        SyscallServer s = server(w.target().process());
        long addr = m.start() + w.off();
        long reachable = HostMaps.accessible(s.pid(), addr, w.len(), true);
        byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(1, reachable))];
        for (long done = 0; done < reachable; ) {
            int n = (int) Math.min(CHUNK, reachable - done);
            w.pattern().fill(w.off() + done, chunk, 0, n);
            MemorySegment.copy(chunk, 0, buffer, JAVA_BYTE, 0, n);
            if (kernel.pwrite(memFd(s), buffer, n, addr + done) != n) {
                return Result.error(Errno.EFAULT);
            }
            done += n;
        }
        return reachable == w.len() ? Result.OK : Result.error(Errno.EFAULT);
    }

    private Result read(Command.Read r) {
        Mapping m = mapping(r.target());
        SyscallServer s = server(r.target().process());
        long addr = m.start() + r.off();
        long reachable = HostMaps.accessible(s.pid(), addr, r.len(), false);
        byte[] out = new byte[r.len()];
        for (int done = 0; done < reachable; ) {
            int n = (int) Math.min(CHUNK, reachable - done);
            if (kernel.pread(memFd(s), buffer, n, addr + done) != n) {
                return Result.error(Errno.EFAULT);
            }
            MemorySegment.copy(buffer, JAVA_BYTE, 0, out, done, n);
            done += n;
        }
        return reachable == r.len() ? Result.read(out, r.off()) : Result.error(Errno.EFAULT);
    }

    /** The process's /proc/PID/mem, opened once. */
    private int memFd(SyscallServer s) {
        return memFds.computeIfAbsent(s.pid(), pid -> {
            int fd = kernel.open("/proc/" + pid + "/mem", O_RDWR);
            if (fd < 0) {
                throw new IllegalStateException("cannot open /proc/" + pid + "/mem: errno " + -fd);
            }
            return fd;
        });
    }

    /**
     * Writes the file in the scenario's write() calls (a page each by default, `write=` in the
     * scenario) and syncs it: ext4 (Linux 6.16+) caches what one call writes in folios as large
     * as it allows, as the model does, and the pages start clean, whatever writeback did meanwhile.
     */
    private Path createFile(Command.NewFile f) throws IOException {
        Path file = dir.resolve(f.name());
        byte[] chunk = new byte[(int) f.writeChunk()];
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long done = 0; done < f.size(); ) {
                int n = (int) Math.min(chunk.length, f.size() - done);
                f.contents().fill(done, chunk, 0, n);
                out.write(ByteBuffer.wrap(chunk, 0, n));
                done += n;
            }
            out.force(true);
        }
        return file;
    }

    private SyscallServer server(String process) {
        SyscallServer s = servers.get(process);
        if (s == null) {
            throw new IllegalStateException("process '" + process + "' does not exist on the host");
        }
        return s;
    }

    private Mapping mapping(Target t) {
        Mapping m = tables.getOrDefault(t.process(), Map.of()).get(t.mapping());
        if (m == null) {
            throw new IllegalStateException("mapping '" + t + "' does not exist on the host");
        }
        return m;
    }

    @Override
    public long[] pagemap(String process, long addr, int n) {
        return pages.pagemap(server(process).pid(), addr + DELTA, n);
    }

    @Override
    public int[] categories(String process, long addr, int n) {
        return pages.categories(server(process).pid(), addr + DELTA, n);
    }

    @Override
    public long kpageflags(long pfn) {
        return pages.kpageflags(pfn);
    }

    @Override
    public boolean framesVisible() {
        return pages.framesVisible();
    }

    @Override
    public void close() {
        pages.close();
        memFds.values().forEach(kernel::close);
        processes.close();
        if (savedAffinity != 0) {
            kernel.setAffinity(savedAffinity);
        }
        kernel.close();
        arena.close();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException leftBehind) {
            // A temporary folder left behind is harmless; the diff's result stands.
        }
    }
}
