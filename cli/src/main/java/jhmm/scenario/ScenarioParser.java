package jhmm.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import jhmm.base.ByteSize;
import jhmm.base.PageSize;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.mm.MmTunables;
import jhmm.mm.ShmemThpMode;
import jhmm.mm.ThpDefrag;
import jhmm.mm.ThpMode;
import jhmm.phys.PageBudget;

/** Parses the text of a {@code *.scn} file into a {@link Scenario}; see docs/scenario-language.md. */
public final class ScenarioParser {
    private static final Form<ThpMode> THP = Form.oneOf(
            "THP", Map.of("always", ThpMode.ALWAYS, "madvise", ThpMode.MADVISE, "never", ThpMode.NEVER));
    /** transparent_hugepage/defrag's words: the constants' names, with + for _ (defer+madvise). */
    private static final Form<ThpDefrag> THP_DEFRAG = kernelWords("DEFRAG", ThpDefrag.values(), w -> w.replace('_', '+'));
    /** transparent_hugepage/shmem_enabled's words, within_size spelt as the kernel does. */
    private static final Form<ShmemThpMode> SHMEM_THP = kernelWords("SHMEM-THP", ShmemThpMode.values(), w -> w);
    private static final Form<Boolean> ON_OFF = Form.oneOf("on|off", Map.of("on", true, "off", false));
    private static final Map<String, Form<?>> MACHINE_OPTIONS = Map.ofEntries(
            Map.entry("ram", Form.SIZE), Map.entry("thp", THP), Map.entry("hugetlb-2m", Form.COUNT),
            Map.entry("hugetlb-1g", Form.COUNT), Map.entry("swap", Form.SIZE), Map.entry("iommu", ON_OFF),
            Map.entry("thp-defrag", THP_DEFRAG), Map.entry("thp-zero-page", ON_OFF),
            Map.entry("max-ptes-none", Form.COUNT), Map.entry("shmem-thp", SHMEM_THP),
            Map.entry("fault-around", Form.SIZE), Map.entry("thp-split-zero", ON_OFF));
    private static final String COMMANDS = "machine, process, device, file, kernel, expect, check, show, "
            + "or a process or device name";

    private final String file;
    private final NameScope names = new NameScope();
    private final CpuParser cpu = new CpuParser(names);
    private final KernelParser kernel = new KernelParser(names);
    private final DeviceParser devices = new DeviceParser(names);
    private final ShowParser shows = new ShowParser(names);
    private final ExpectationParser expectations = new ExpectationParser(names);
    private final List<Draft> drafts = new ArrayList<>();
    private MachineConfig machine = MachineConfig.defaults();
    private int machineLine;

    /** A step whose expectations are still being read. */
    private record Draft(int line, String source, Command command, List<Expectation> expectations) {
        Step step() {
            return new Step(line, source, command, expectations);
        }
    }

    private ScenarioParser(String file) {
        this.file = file;
    }

    /** Parses {@code text}; {@code file} is the name that messages give. Throws {@link ScenarioError}. */
    public static Scenario parse(String file, String text) {
        ScenarioParser parser = new ScenarioParser(file);
        String[] sourceLines = text.split("\r?\n", -1);
        for (int i = 0; i < sourceLines.length; i++) {
            List<String> words = Words.split(sourceLines[i]);
            if (!words.isEmpty()) {
                parser.line(new Words(file, i + 1, words));
            }
        }
        if (parser.machineLine == 0 && parser.drafts.isEmpty()) {
            throw new ScenarioError(file, 0, "has no commands (only blank lines and comments): nothing to run");
        }
        return parser.scenario();
    }

    private Scenario scenario() {
        return new Scenario(file, machine, machineLine, drafts.stream().map(Draft::step).toList());
    }

    private void line(Words w) {
        switch (w.peek()) {
            case "machine" -> machine(w);
            case "expect" -> expect(w);
            default -> drafts.add(new Draft(w.line(), w.text(), command(w), new ArrayList<>()));
        }
    }

    private Command command(Words w) {
        String first = w.take("command");
        return switch (first) {
            case "process" -> process(w);
            case "device" -> ended(w, devices.define(w, machine.ramBytes()));
            case "file" -> file(w);
            case "kernel" -> kernel.parse(w);
            case "check" -> check(w);
            case "show" -> shows.parse(w);
            default -> {
                if (names.isProcess(first)) {
                    yield cpu.parse(w, first);
                }
                if (names.isDevice(first)) {
                    yield devices.parse(w, first);
                }
                throw w.unknownWord(first, "", COMMANDS);
            }
        };
    }

    private static Command ended(Words w, Command c) {
        w.end();
        return c;
    }

    private void machine(Words w) {
        w.take("machine");
        if (machineLine != 0) {
            throw w.error("'machine' given twice (first on line " + machineLine + ")");
        }
        if (!drafts.isEmpty()) {
            throw w.error("'machine' must come first (line " + drafts.get(0).line() + " has a command before it)");
        }
        Options o = w.options(MACHINE_OPTIONS, Set.of());
        MachineConfig d = MachineConfig.defaults();
        machine = new MachineConfig(
                o.get("ram", Form.SIZE).orElse(d.ramBytes()),
                o.get("thp", THP).orElse(d.thp()),
                poolSize(w, o, "hugetlb-2m", d.hugetlb2m()),
                poolSize(w, o, "hugetlb-1g", d.hugetlb1g()),
                o.get("swap", Form.SIZE).orElse(d.swapBytes()),
                o.get("iommu", ON_OFF).orElse(d.iommu()),
                o.get("thp-defrag", THP_DEFRAG).orElse(d.thpDefrag()),
                o.get("thp-zero-page", ON_OFF).orElse(d.thpZeroPage()),
                (int) atMost(w, "max-ptes-none", o.get("max-ptes-none", Form.COUNT).orElse((long) d.maxPtesNone()),
                        MmTunables.DEFAULT_MAX_PTES_NONE),
                o.get("shmem-thp", SHMEM_THP).orElse(d.shmemThp()),
                (int) atMost(w, "fault-around", o.get("fault-around", Form.SIZE).orElse((long) d.faultAroundBytes()),
                        PageSize.PMD_SIZE),
                o.get("thp-split-zero", ON_OFF).orElse(d.thpSplitZero()));
        try {
            Machine.check(machine, PageBudget.ofThisJvm());
        } catch (IllegalArgumentException impossible) {
            throw w.error(impossible.getMessage());
        }
        machineLine = w.line();
    }

    /** The enum's constants as the kernel's sysfs spells them: lower case, in declaration order. */
    private static <E extends Enum<E>> Form<E> kernelWords(String label, E[] values, UnaryOperator<String> spelling) {
        Map<String, E> byWord = new LinkedHashMap<>();
        for (E v : values) {
            byWord.put(spelling.apply(v.name().toLowerCase(Locale.ROOT)), v);
        }
        return Form.oneOf(label, byWord);
    }

    private static int poolSize(Words w, Options o, String key, int otherwise) {
        return (int) atMost(w, key, o.get(key, Form.COUNT).orElse((long) otherwise), Integer.MAX_VALUE);
    }

    private static long atMost(Words w, String key, long n, long max) {
        if (n > max) {
            throw w.error(key + "=" + n + " is too large (at most " + max + ")");
        }
        return n;
    }

    private Command process(Words w) {
        String name = w.take(Form.NAME);
        w.end();
        names.addProcess(w, name);
        return new Command.NewProcess(name);
    }

    private Command file(Words w) {
        String name = w.take(Form.NAME);
        long size = w.take(Form.SIZE);
        // A file keeps state for each of its pages, cached or not, and is cached whole at once.
        PageBudget budget = PageBudget.ofThisJvm();
        long pages = (machine.ramBytes() + size) >>> PageSize.PAGE_SHIFT;
        if (!budget.fits(pages)) {
            throw w.error(budget.refusal("file " + name + " " + ByteSize.format(size) + " beside ram="
                    + ByteSize.format(machine.ramBytes()), pages));
        }
        Options o = w.options(Map.of("pattern", Form.PATTERN, "write", Form.SIZE), Set.of());
        long chunk = o.get("write", Form.SIZE).orElse(jhmm.mm.FileInode.PAGE_WRITES);
        if (chunk < 4096 || chunk % 4096 != 0 || chunk > (2 << 20)) {
            throw w.error("write= must be whole pages from 4K to 2M (the largest page-cache folio), got " + chunk);
        }
        names.addFile(w, name);
        return new Command.NewFile(name, size, o.get("pattern", Form.PATTERN).orElse(jhmm.base.Pattern.ZERO), chunk);
    }

    private Command check(Words w) {
        w.take(Form.oneOf("CHECK", Map.of("invariants", "invariants")));
        w.end();
        return new Command.CheckInvariants();
    }

    private void expect(Words w) {
        w.take("expect");
        if (drafts.isEmpty()) {
            throw w.error("'expect' needs a command before it");
        }
        Expectation e = expectations.parse(w);
        w.end();
        drafts.get(drafts.size() - 1).expectations().add(e);
    }
}
