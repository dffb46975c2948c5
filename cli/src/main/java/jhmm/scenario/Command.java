package jhmm.scenario;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import jhmm.base.Pattern;

/** One executable line of a scenario: an actor is created, a process or the kernel acts. */
public sealed interface Command permits Command.NewProcess, Command.NewFile, Command.Mmap, Command.Munmap,
        Command.Mprotect, Command.Madvise, Command.Mremap, Command.Write, Command.Read, Command.Fork,
        Command.Exit, Command.Migrate, Command.Swapout, Command.SplitThp, Command.Compact,
        Command.CheckInvariants, Command.Gup, Command.Unpin, DeviceCommand, GpuCommand, RnicCommand, ShowCommand {

    /** A command on a named mapping of a process. */
    interface OnMapping {
        Target target();
    }

    /** {@code process NAME}. */
    record NewProcess(String name) implements Command {}

    /** {@code file NAME SIZE [pattern=PAT]}. */
    /**
     * A file whose every page is in the page cache, as after a program wrote it in write() calls
     * of {@code writeChunk} bytes ({@code write=}, a page by default).
     */
    record NewFile(String name, long size, Pattern contents, long writeChunk) implements Command {}

    /**
     * {@code P mmap M SIZE PROT KIND [populate] [align=SIZE] [hugetlb=2M|1G] [file=F offset=SIZE]}, or
     * {@code P mmap M SIZE PROT file-private|file-shared dev=D} to map the device file itself.
     */
    record Mmap(Target target, long size, int prot, MapKind kind, boolean populate, OptionalLong align,
            OptionalLong hugetlb, Optional<String> file, Optional<String> device, long offset) implements Command {}

    /** {@code P munmap M [off=] [len=]}. */
    record Munmap(Target target, Range range) implements Command, OnMapping {}

    /** {@code P mprotect M PROT [off=] [len=]}. */
    record Mprotect(Target target, int prot, Range range) implements Command, OnMapping {}

    /** {@code P madvise M ADVICE [off=] [len=]}. */
    record Madvise(Target target, Advice advice, Range range) implements Command, OnMapping {}

    /** {@code P mremap M NEWSIZE [to=OFF] [dontunmap]}, allowed to move; {@code to=} is MREMAP_FIXED. */
    record Mremap(Target target, long newSize, OptionalLong to, boolean dontUnmap) implements Command, OnMapping {}

    /** {@code P write M OFF LEN PAT}. */
    record Write(Target target, long off, long len, Pattern pattern) implements Command, OnMapping {}

    /** {@code P read M OFF LEN}. */
    record Read(Target target, long off, int len) implements Command, OnMapping {}

    /** {@code P fork CHILD}. */
    record Fork(String parent, String child) implements Command {}

    /** {@code P exit}. */
    record Exit(String process) implements Command {}

    /** {@code kernel migrate P M [off=] [len=]}. */
    record Migrate(Target target, Range range) implements Command, OnMapping {}

    /** {@code kernel swapout P M [off=] [len=]}. */
    record Swapout(Target target, Range range) implements Command, OnMapping {}

    /** {@code kernel split-thp P M [off=]}. */
    record SplitThp(Target target, long off) implements Command, OnMapping {}

    /** {@code kernel compact}. */
    record Compact() implements Command {}

    /** {@code check invariants}. */
    record CheckInvariants() implements Command {}

    /** {@code P gup M OFF NPAGES [write] [pin] [longterm] [fast]}. */
    record Gup(Target target, long off, long npages, Set<GupFlag> flags) implements Command, OnMapping {}

    /** {@code P unpin}. */
    record Unpin(String process) implements Command {}

    enum GupFlag implements Worded { WRITE, PIN, LONGTERM, FAST }
}
