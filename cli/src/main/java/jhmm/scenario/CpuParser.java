package jhmm.scenario;

import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import jhmm.base.PageSize;
import jhmm.scenario.Command.Exit;
import jhmm.scenario.Command.Fork;
import jhmm.scenario.Command.Madvise;
import jhmm.scenario.Command.Mmap;
import jhmm.scenario.Command.Mprotect;
import jhmm.scenario.Command.Mremap;
import jhmm.scenario.Command.Munmap;
import jhmm.scenario.Command.Read;
import jhmm.scenario.Command.Write;
import jhmm.scenario.Command.Gup;
import jhmm.scenario.Command.GupFlag;

/** Lines that start with a process name: the system calls a process makes, and GUP. */
final class CpuParser {
    /** Reads are held in memory whole, so one read is bounded. */
    static final long MAX_READ = 256L << 20;

    private static final Form<MapKind> KIND = Form.choice("KIND", MapKind.values());
    private static final Form<Advice> ADVICE = Form.choice("ADVICE", Advice.values());
    private static final Form<String> CHILD = Form.named("CHILD", Form.NAME);
    private static final Map<String, Form<?>> MMAP_OPTIONS =
            Map.of("align", Form.SIZE, "hugetlb", Form.SIZE, "file", Form.NAME, "offset", Form.SIZE, "dev", Form.NAME);
    private static final Set<String> GUP_FLAGS =
            EnumSet.allOf(GupFlag.class).stream().map(GupFlag::word).collect(Collectors.toSet());

    private final NameScope names;

    CpuParser(NameScope names) {
        this.names = names;
    }

    Command parse(Words w, String process) {
        names.requireProcess(w, process);
        String verb = w.take("a system call");
        Command c = switch (verb) {
            case "mmap" -> mmap(w, process);
            case "munmap" -> munmap(w, process);
            case "mprotect" -> new Mprotect(mapping(w, process), w.take(Form.PROT), CommonArgs.range(w));
            case "madvise" -> new Madvise(mapping(w, process), w.take(ADVICE), CommonArgs.range(w));
            case "mremap" -> mremap(w, process);
            case "write" -> new Write(
                    mapping(w, process), w.take(CommonArgs.OFF), w.take(CommonArgs.LEN), w.take(Form.PATTERN));
            case "read" -> read(w, process);
            case "fork" -> fork(w, process);
            case "exit" -> exit(process);
            case "gup" -> gup(w, process);
            case "unpin" -> new Command.Unpin(process);
            default -> throw w.unknownWord(verb, process,
                    "mmap, munmap, mprotect, madvise, mremap, write, read, fork, exit, gup or unpin");
        };
        w.end();
        return c;
    }

    private Target mapping(Words w, String process) {
        return CommonArgs.mapping(w, names, process);
    }

    private Mmap mmap(Words w, String process) {
        Target t = new Target(process, w.take(CommonArgs.MAPPING));
        long size = w.take(Form.SIZE);
        int prot = w.take(Form.PROT);
        MapKind kind = w.take(KIND);
        Options o = w.options(MMAP_OPTIONS, Set.of("populate"));
        Optional<String> file = o.get("file", Form.NAME);
        Optional<String> device = o.get("dev", Form.NAME);
        if (kind.fileBacked() && file.isEmpty() == device.isEmpty()) {
            throw w.error(kind.word() + " needs file=F or dev=D (one of them)");
        }
        if (!kind.fileBacked() && (file.isPresent() || device.isPresent() || o.has("offset"))) {
            throw w.error(kind.word() + " takes no file=, dev= or offset=");
        }
        if (device.isPresent() && (o.has("offset") || o.has("hugetlb") || o.has("align") || o.flag("populate"))) {
            throw w.error("dev= maps the device file as its driver does: it takes no offset=, hugetlb=, align= or populate");
        }
        file.ifPresent(f -> names.requireFile(w, f));
        device.ifPresent(d -> names.requireOpenedBy(w, d, process));
        OptionalLong align = CommonArgs.optional(o, "align");
        if (align.isPresent() && !validAlignment(align.getAsLong())) {
            throw w.error("align=" + align.getAsLong() + " must be a power of two of at least 4K");
        }
        OptionalLong hugetlb = CommonArgs.optional(o, "hugetlb");
        if (hugetlb.isPresent() && hugetlb.getAsLong() != PageSize.PMD_SIZE && hugetlb.getAsLong() != PageSize.PUD_SIZE) {
            throw w.error("hugetlb= must be 2M or 1G");
        }
        names.addMapping(t);
        return new Mmap(t, size, prot, kind, o.flag("populate"), align, hugetlb, file, device,
                o.get("offset", Form.SIZE).orElse(0L));
    }

    /** {@code P mremap M NEWSIZE [to=OFF] [dontunmap]}: {@code to=} counts from the mapping's start. */
    private Mremap mremap(Words w, String process) {
        Target t = mapping(w, process);
        long size = w.take(Form.named("NEWSIZE", Form.SIZE));
        Options o = w.options(Map.of("to", Form.SIZE), Set.of("dontunmap"));
        return new Mremap(t, size, CommonArgs.optional(o, "to"), o.flag("dontunmap"));
    }

    private static boolean validAlignment(long align) {
        return align >= PageSize.PAGE_SIZE && Long.bitCount(align) == 1;
    }

    private Munmap munmap(Words w, String process) {
        Target t = mapping(w, process);
        Range range = CommonArgs.range(w);
        if (range.equals(Range.WHOLE)) {
            names.forgetMapping(t);
        }
        return new Munmap(t, range);
    }

    private Read read(Words w, String process) {
        Target t = mapping(w, process);
        long off = w.take(CommonArgs.OFF);
        long len = w.take(CommonArgs.LEN);
        if (len > MAX_READ) {
            throw w.error("read of " + len + " bytes is too large (at most 256M per read)");
        }
        return new Read(t, off, (int) len);
    }

    private Fork fork(Words w, String parent) {
        String child = w.take(CHILD);
        names.fork(w, parent, child);
        return new Fork(parent, child);
    }

    private Exit exit(String process) {
        names.exit(process);
        return new Exit(process);
    }

    private Gup gup(Words w, String process) {
        Target t = mapping(w, process);
        long off = w.take(CommonArgs.OFF);
        long npages = w.take(CommonArgs.NPAGES);
        Options o = w.options(Map.of(), GUP_FLAGS);
        EnumSet<GupFlag> flags = EnumSet.noneOf(GupFlag.class);
        for (GupFlag f : GupFlag.values()) {
            if (o.flag(f.word())) {
                flags.add(f);
            }
        }
        return new Gup(t, off, npages, flags);
    }
}
