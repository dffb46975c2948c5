package jhmm.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import jhmm.base.Pattern;
import jhmm.kernel.MachineConfig;
import jhmm.mm.Mman;
import jhmm.mm.ShmemThpMode;
import jhmm.mm.ThpDefrag;
import jhmm.mm.ThpMode;
import jhmm.perf.host.HostSettings;
import jhmm.scenario.Command.Mmap;
import jhmm.scenario.Expectation.DataCheck;
import jhmm.scenario.DeviceCommand.DeviceAccess;
import jhmm.scenario.DeviceCommand.DeviceOp;
import jhmm.scenario.DeviceCommand.DmaMap;
import jhmm.scenario.DeviceCommand.DmaVia;
import jhmm.scenario.Command.Gup;
import jhmm.scenario.Command.GupFlag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScenarioParserTest {
    private static final String PROLOGUE = "process p\np mmap buf 4p rw anon-private\n";

    private static Scenario parse(String text) {
        return ScenarioParser.parse("t.scn", text);
    }

    private static Command last(String text) {
        List<Step> steps = parse(text).steps();
        return steps.get(steps.size() - 1).command();
    }

    @Test
    void machineLineSetsEveryField() {
        Scenario s = parse("# comment\n\nmachine ram=2G thp=always hugetlb-2m=3 hugetlb-1g=0x1 swap=1G iommu=off\n");
        assertThat(s.machine()).isEqualTo(new MachineConfig(2L << 30, ThpMode.ALWAYS, 3, 1, 1L << 30, false));
        assertThat(s.machineLine()).isEqualTo(3);
    }

    @Test
    void machineLineSetsTheHostKernelsMmSettings() {
        Scenario s = parse("machine thp-defrag=defer+madvise thp-zero-page=off max-ptes-none=0 shmem-thp=within_size "
                + "fault-around=16K thp-split-zero=off\n");
        assertThat(s.machine()).isEqualTo(MachineConfig.defaults().withThpDefrag(ThpDefrag.DEFER_MADVISE)
                .withThpZeroPage(false).withMaxPtesNone(0).withShmemThp(ShmemThpMode.WITHIN_SIZE)
                .withFaultAroundBytes(16 << 10).withThpSplitZero(false));
    }

    @Test
    void theRunningHostsSettingsAreAMachineLine() {
        HostSettings host = HostSettings.read();
        MachineConfig m = parse("machine " + host.machineOptions() + "\n").machine();
        assertThat(m.faultAroundBytes()).isEqualTo(host.faultAroundBytes());
        assertThat(m.maxPtesNone()).isEqualTo(host.maxPtesNone());
        assertThat(m.swapBytes()).isEqualTo(host.swapBytes());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            machine max-ptes-none=512       | t.scn:1: max-ptes-none=512 is too large (at most 511)
            machine fault-around=4M         | t.scn:1: fault-around=4194304 is too large (at most 2097152)
            machine thp-defrag=sometimes    | t.scn:1: unknown word 'sometimes' after 'thp-defrag=' (expected DEFRAG: always, defer, defer+madvise, madvise, never)
            machine shmem-thp=within-size   | t.scn:1: unknown word 'within-size' after 'shmem-thp=' (expected SHMEM-THP: always, within_size, advise, never, deny, force)
            """)
    void machineSettingsTheKernelRefusesAreParseErrors(String line, String message) {
        assertThatThrownBy(() -> parse(line + "\n")).hasMessageStartingWith(message);
    }

    /** They once passed the parser and failed the run as an expectation (exit 1), or ran out of heap (exit 3). */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            machine ram=0                              | t.scn:1: ram=0 is too small: a machine needs at least 4M
            machine ram=1000                           | t.scn:1: ram=1000 is too small: a machine needs at least 4M
            machine hugetlb-1g=1000000                 | t.scn:1: hugetlb-2m=0 hugetlb-1g=1000000 do not fit in ram=1G
            machine ram=4095G                          | t.scn:1: ram=4095G is too large
            machine ram=4095G hugetlb-2m=2000000       | t.scn:1: ram=4095G is too large
            machine ram=8T                             | t.scn:1: ram=8192G is too large: the pages of RAM, swap, device memory and files together must stay below 4096G in any JVM
            machine ram=64M swap=4095G                 | t.scn:1: ram=64M with swap=4095G is too large
            file f 4095G                               | t.scn:1: file f 4095G beside ram=1G is too large
            device d dmirror devmem=0                  | t.scn:1: devmem=0 must be a whole number of 2M sections, at least one
            device d dmirror devmem=1                  | t.scn:1: devmem=1 must be a whole number of 2M sections
            device d dmirror memory=coherent devmem=4096G | t.scn:1: devmem=4096G beside ram=1G is too large: the pages of RAM, swap, device memory and files together must stay below 4096G
            """)
    void sizesNoMachineCanHoldAreParseErrorsAtTheirLine(String line, String message) {
        assertThatThrownBy(() -> parse(line + "\n")).isInstanceOf(ScenarioError.class).hasMessageStartingWith(message);
    }

    @Test
    void theHeapBoundIsSaidInTheUnitsUsersWrite() {
        assertThatThrownBy(() -> parse("machine ram=4095G\n")).hasMessageContaining("must stay below")
                .hasMessageContaining("maximum heap of").hasMessageContaining("JHMM_HEAP=129g would hold it")
                .hasMessageEndingWith("and below 4096G in any JVM (page frame numbers are ints)");
    }

    @Test
    void aSizeInTerabytesIsATerabyte() {
        assertThat(((Mmap) last(PROLOGUE + "p mmap big 1T rw anon-private\n")).size()).isEqualTo(1L << 40);
    }

    @Test
    void aFileWithNoCommandsSaysSo() {
        assertThatThrownBy(() -> parse("")).hasMessage("t.scn:0: has no commands (only blank lines and comments): nothing to run");
        assertThatThrownBy(() -> parse("# a comment\n\n")).hasMessageContaining("has no commands");
    }

    /** A 200 KB word was echoed back whole; control characters and a BOM printed invisibly. */
    @Test
    void messagesCutLongWordsAndShowInvisibleCharacters() {
        String huge = "x".repeat(200_000);
        assertThatThrownBy(() -> parse("machine ram=" + huge + "\n"))
                .hasMessage("t.scn:1: bad SIZE '" + "x".repeat(Words.MAX_SHOWN) + "... (200000 characters)' after 'ram=' ("
                        + jhmm.base.ByteSize.HINT + ")");
        assertThatThrownBy(() -> parse("\uFEFFprocess p\n")).hasMessageStartingWith("t.scn:1: unknown word '\\uFEFFprocess'");
        assertThatThrownBy(() -> parse("machine ram=64M\u0001\n")).hasMessageStartingWith("t.scn:1: bad SIZE '64M\\u0001'");
        assertThatThrownBy(() -> parse("process " + "a".repeat(100_000) + "\n")).satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(300));
    }

    @ParameterizedTest
    @CsvSource({"ZERO+READ", "READ+ZERO", "DEV_PRIVATE_LOCAL+WRITE", "PMD+WRITE", "ZERO+PMD+READ"})
    void snapshotCodesJoinInAnyOrder(String code) {
        String text = "process p\ndevice d dmirror\nd open p\np mmap buf 1p rw anon-private\nd snapshot buf 0 1\nexpect prot "
                + code + "\n";
        assertThat(((Expectation.Prot) parse(text).steps().getLast().expectations().getFirst()).codes()).containsExactly(code);
    }

    @ParameterizedTest
    @CsvSource({"READ+WRITE", "ZERO", "NONE+READ", "ERROR+READ", "READ+READ", "ZERO+ZERO+READ"})
    void snapshotCodesNeedOneBase(String code) {
        String text = "process p\ndevice d dmirror\nd open p\np mmap buf 1p rw anon-private\nd snapshot buf 0 1\nexpect prot "
                + code + "\n";
        assertThatThrownBy(() -> parse(text)).hasMessageContaining("unknown word '" + code + "'");
    }

    @Test
    void withoutMachineLineTheDefaultsApply() {
        Scenario s = parse("process p\n");
        assertThat(s.machine()).isEqualTo(MachineConfig.defaults());
        assertThat(s.machineLine()).isZero();
    }

    @ParameterizedTest
    @CsvSource({"4096, 4096", "4K, 4096", "2M, 2097152", "1G, 1073741824", "3p, 12288", "0x1000, 4096", "0x2p, 8192"})
    void sizes(String word, long bytes) {
        assertThat(Literals.size(word)).hasValue(bytes);
    }

    @ParameterizedTest
    @CsvSource({"4k", "p", "-1", "1.5M", "0x", "99999999999999999999", "9999999999G"})
    void badSizes(String word) {
        assertThat(Literals.size(word)).isEmpty();
    }

    @Test
    void patterns() {
        assertThat(Literals.pattern("zero")).contains(Pattern.ZERO);
        assertThat(Literals.pattern("i32")).contains(Pattern.i32(0));
        assertThat(Literals.pattern("-i32")).contains(Pattern.negI32());
        assertThat(Literals.pattern("i32+7")).contains(Pattern.i32(7));
        assertThat(Literals.pattern("i32+0x10")).contains(Pattern.i32(16));
        assertThat(Literals.pattern("byte:255")).contains(Pattern.fillByte(255));
        assertThat(Literals.pattern("byte:256")).isEmpty();
        assertThat(Literals.pattern("i32-1")).isEmpty();
    }

    @Test
    void mmapWithEveryOption() {
        Command c = last("file f 8p pattern=i32\nprocess p\np mmap m 4p rx file-shared populate align=2M file=f offset=1p\n");
        assertThat(c).isEqualTo(new Mmap(new Target("p", "m"), 4L << 12, Mman.PROT_READ | Mman.PROT_EXEC,
                MapKind.FILE_SHARED, true, OptionalLong.of(2L << 20), OptionalLong.empty(), Optional.of("f"),
                Optional.empty(), 4096));
    }

    @Test
    void mmapOfTheDeviceFileNeedsTheDeviceOpenInThatProcess() {
        Command c = last("process p\ndevice d0 dmirror\nd0 open p\np mmap m 1p rw file-private dev=d0\n");
        assertThat(c).isEqualTo(new Mmap(new Target("p", "m"), 4096, Mman.PROT_READ | Mman.PROT_WRITE,
                MapKind.FILE_PRIVATE, false, OptionalLong.empty(), OptionalLong.empty(), Optional.empty(),
                Optional.of("d0"), 0));
        assertThatThrownBy(() -> parse("process p\ndevice d0 dmirror\np mmap m 1p rw file-private dev=d0\n"))
                .hasMessageContaining("device 'd0' is not open in process 'p'");
        assertThatThrownBy(() -> parse("process p\nfile f 1p\ndevice d0 dmirror\nd0 open p\n"
                + "p mmap m 1p rw file-private dev=d0 file=f\n"))
                .hasMessageContaining("needs file=F or dev=D (one of them)");
    }

    @Test
    void cpuAndKernelCommands() {
        String text = PROLOGUE + """
                p munmap buf off=1p len=1p
                p mprotect buf none
                p madvise buf collapse off=0
                p mremap buf 8p
                p write buf 1p 2p i32+3
                p read buf 0 4p
                kernel migrate p buf len=1p
                kernel swapout p buf
                kernel split-thp p buf off=2M
                kernel compact
                p fork c
                c exit
                check invariants
                """;
        Target buf = new Target("p", "buf");
        assertThat(parse(text).steps().stream().skip(2).map(Step::command)).containsExactly(
                new Command.Munmap(buf, new Range(4096, OptionalLong.of(4096))),
                new Command.Mprotect(buf, Mman.PROT_NONE, Range.WHOLE),
                new Command.Madvise(buf, Advice.COLLAPSE, Range.WHOLE),
                new Command.Mremap(buf, 8L << 12, OptionalLong.empty(), false),
                new Command.Write(buf, 4096, 8192, Pattern.i32(3)),
                new Command.Read(buf, 0, 16384),
                new Command.Migrate(buf, new Range(0, OptionalLong.of(4096))),
                new Command.Swapout(buf, Range.WHOLE),
                new Command.SplitThp(buf, 2L << 20),
                new Command.Compact(),
                new Command.Fork("p", "c"),
                new Command.Exit("c"),
                new Command.CheckInvariants());
    }

    @Test
    void deviceAndGupLinesParse() {
        String text = PROLOGUE + """
                device d0 dmirror memory=coherent devmem=16M
                d0 open p
                d0 read buf 0 1
                d0 write buf 0 4 -i32
                d0 snapshot buf 0 4
                d0 migrate-to-dev buf 0 4
                d0 migrate-to-sys buf 0 4
                d0 exclusive buf 0 4
                d0 check-exclusive buf 0 4
                d0 dma-map buf 0 4 via=hmm-dma write
                d0 dma-unmap buf dirty
                d0 release
                p gup buf 1p 2 write pin longterm
                p unpin
                """;
        List<Command> commands = parse(text).steps().stream().map(Step::command).toList();
        Target buf = new Target("p", "buf");
        assertThat(commands).hasSize(16).allMatch(c -> c instanceof DeviceCommand || c instanceof Command.Mmap
                || c instanceof Command.NewProcess || c instanceof Gup || c instanceof Command.Unpin);
        assertThat(commands.get(2)).isEqualTo(
                new DeviceCommand.NewDevice("d0", DeviceCommand.DeviceMemory.COHERENT, 16L << 20, 64));
        assertThat(commands.get(10)).isEqualTo(new DeviceAccess("d0", DeviceOp.CHECK_EXCLUSIVE, buf, 0, 4));
        assertThat(commands.get(11)).isEqualTo(new DmaMap("d0", buf, 0, 4, DmaVia.HMM_DMA, DeviceCommand.CoreMode.MIRROR, true));
        assertThat(commands.get(14)).isEqualTo(
                new Gup(buf, 4096, 2, EnumSet.of(GupFlag.WRITE, GupFlag.PIN, GupFlag.LONGTERM)));
    }

    @Test
    void expectationsAttachToTheCommandBefore() {
        Scenario s = parse(PROLOGUE + """
                p read buf 0 4p
                expect ok data=i32 off=1p len=2p
                expect p buf 0 state=present-rw
                p write buf 0 4 zero
                expect EFAULT
                device d dmirror
                expect ok cpages=1 faults=0x2
                expect prot READ+PMD*2 NONE
                """);
        Step read = s.steps().get(2);
        assertThat(read.line()).isEqualTo(3);
        assertThat(read.expectations()).containsExactly(
                new Expectation.Outcome(4, "ok data=i32 off=1p len=2p", 0, Map.of(),
                        Optional.of(new DataCheck(Pattern.i32(0), 4096, OptionalLong.of(8192)))),
                new Expectation.State(5, "p buf 0 state=present-rw", new Target("p", "buf"), 0, "present-rw"));
        assertThat(s.steps().get(3).expectations()).containsExactly(
                new Expectation.Outcome(7, "EFAULT", 14, Map.of(), Optional.empty()));
        assertThat(s.steps().get(4).expectations()).containsExactly(
                new Expectation.Outcome(9, "ok cpages=1 faults=0x2", 0, Map.of("cpages", 1L, "faults", 2L),
                        Optional.empty()),
                new Expectation.Prot(10, "prot READ+PMD*2 NONE", List.of("READ+PMD", "READ+PMD", "NONE")));
    }

    @Test
    void forkCopiesMappingNamesAndMunmapForgetsThem() {
        Scenario s = parse(PROLOGUE + "p fork c\nc read buf 0 4\nc munmap buf\n");
        assertThat(s.steps()).hasSize(5);
        assertThatThrownBy(() -> parse(PROLOGUE + "p fork c\nc munmap buf\nc read buf 0 4\n"))
                .hasMessage("t.scn:5: undefined mapping 'buf' in process 'c'");
    }

    /** Each bad line is line 3, after PROLOGUE; the message names the line and the offending word. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            xyz                                      | t.scn:3: unknown word 'xyz' (expected machine, process
            p mmap m 4p rwz anon-private             | t.scn:3: unknown word 'rwz' after 'p mmap m 4p' (expected PROT
            p mmap m 4q rw anon-private              | t.scn:3: bad SIZE '4q' after 'p mmap m'
            p mmap m 4p rw anon                      | t.scn:3: unknown word 'anon' after 'p mmap m 4p rw' (expected KIND
            p mmap m 4p rw anon-private extra        | t.scn:3: unknown word 'extra' after 'p mmap m 4p rw anon-private'
            p mmap m 4p rw anon-private colour=red   | t.scn:3: unknown word 'colour=red'
            p mmap m 4p rw anon-private align=3K     | t.scn:3: align=3072 must be a power of two
            p mmap m 4p rw anon-private hugetlb=4M   | t.scn:3: hugetlb= must be 2M or 1G
            p mmap m 4p rw anon-private offset=0     | t.scn:3: anon-private takes no file=, dev= or offset=
            p mmap m 4p rw file-shared               | t.scn:3: file-shared needs file=F or dev=D (one of them)
            p mmap m 4p rw file-shared file=nope     | t.scn:3: undefined file 'nope'
            p mmap Buf 4p rw anon-private            | t.scn:3: bad M 'Buf' after 'p mmap'
            p mmap                                   | t.scn:3: missing M after 'p mmap'
            p munmap buf off=1p off=2p               | t.scn:3: 'off=' given twice
            p munmap buf 0                           | t.scn:3: unknown word '0' after 'p munmap buf'
            p madvise buf sleep                      | t.scn:3: unknown word 'sleep' after 'p madvise buf' (expected ADVICE
            p jump buf                               | t.scn:3: unknown word 'jump' after 'p' (expected mmap
            p read nope 0 4                          | t.scn:3: undefined mapping 'nope' in process 'p'
            p read buf 0 1G                          | t.scn:3: read of 1073741824 bytes is too large
            p write buf 0 4 i33                      | t.scn:3: bad PAT 'i33' after 'p write buf 0 4'
            p write buf 0 4 byte:300                 | t.scn:3: bad PAT 'byte:300'
            p exit now                               | t.scn:3: unknown word 'now' after 'p exit' (expected the end of the line)
            p fork p                                 | t.scn:3: name 'p' is already used by a process
            p fork kernel                            | t.scn:3: 'kernel' is a reserved word
            q read buf 0 4                           | t.scn:3: unknown word 'q'
            process p                                | t.scn:3: name 'p' is already used by a process
            process                                  | t.scn:3: missing NAME after 'process'
            machine ram=1G                           | t.scn:3: 'machine' must come first (line 1 has a command before it)
            kernel migrate q buf                     | t.scn:3: undefined process 'q'
            kernel nap                               | t.scn:3: unknown word 'nap' after 'kernel'
            kernel split-thp p buf len=1p            | t.scn:3: unknown word 'len=1p' after 'kernel split-thp p buf' (expected one of: off=SIZE)
            check everything                         | t.scn:3: unknown word 'everything' after 'check' (expected CHECK: invariants)
            expect                                   | t.scn:3: missing what to expect after 'expect'
            expect fine                              | t.scn:3: unknown word 'fine' after 'expect'
            expect EWHAT                             | t.scn:3: unknown word 'EWHAT' after 'expect'
            expect ok EFAULT                         | t.scn:3: 'EFAULT': one outcome per expect line
            expect widgets=3                         | t.scn:3: unknown word 'widgets=3' after 'expect'
            expect cpages=x                          | t.scn:3: bad N 'x' after 'cpages='
            expect off=1p                            | t.scn:3: off= and len= of an expectation need data=PAT
            expect data=i32 data=zero                | t.scn:3: 'data=' given twice
            expect prot READ+BLUE                    | t.scn:3: unknown word 'READ+BLUE' after 'expect prot'
            expect prot NONE+PMD                     | t.scn:3: unknown word 'NONE+PMD'
            expect prot WRITE*0                      | t.scn:3: bad repeat count in 'WRITE*0'
            expect p buf 0                           | t.scn:3: missing state=STATE after 'p buf 0'
            expect p buf 0 state=gone                | t.scn:3: unknown word 'gone' after 'state=' (expected STATE
            expect p nope 0 state=none               | t.scn:3: undefined mapping 'nope' in process 'p'
            device d0 nic                            | t.scn:3: unknown word 'nic' after 'device d0' (expected TYPE: dmirror, gpu, rnic)
            device d0 dmirror memory=shared          | t.scn:3: unknown word 'shared' after 'memory='
            """)
    void parseErrorsNameTheLineAndTheWord(String line, String message) {
        assertThatThrownBy(() -> parse(PROLOGUE + line + "\n"))
                .isInstanceOf(ScenarioError.class)
                .hasMessageStartingWith(message.strip());
    }

    @Test
    void deviceErrors() {
        String device = PROLOGUE + "device d0 dmirror\n";
        assertThatThrownBy(() -> parse(device + "d0 read buf 0 1\n"))
                .hasMessage("t.scn:4: device 'd0' is not open (add 'd0 open P' first)");
        assertThatThrownBy(() -> parse(device + "d0 open p\nd0 dma-map buf 0 1\n"))
                .hasMessage("t.scn:5: dma-map needs via=hmm-2019|hmm-dma|gup|core");
        assertThatThrownBy(() -> parse(device + "d0 open p\nd0 fly buf 0 1\n"))
                .hasMessageStartingWith("t.scn:5: unknown word 'fly' after 'd0'");
        assertThatThrownBy(() -> parse(device + "device d0 dmirror\n"))
                .hasMessage("t.scn:4: name 'd0' is already used by a device");
    }

    @Test
    void orderingErrors() {
        assertThatThrownBy(() -> parse("expect ok\n")).hasMessage("t.scn:1: 'expect' needs a command before it");
        assertThatThrownBy(() -> parse("machine\nmachine\n"))
                .hasMessage("t.scn:2: 'machine' given twice (first on line 1)");
        assertThatThrownBy(() -> parse(PROLOGUE + "p exit\np read buf 0 4\n"))
                .hasMessage("t.scn:4: process 'p' has exited");
    }

    @Test
    void reportsTheFileItWasGiven() {
        assertThatThrownBy(() -> ScenarioParser.parse("dir/x.scn", "\n\nnonsense\n"))
                .isInstanceOfSatisfying(ScenarioError.class, e -> {
                    assertThat(e.file()).isEqualTo("dir/x.scn");
                    assertThat(e.line()).isEqualTo(3);
                    assertThat(e.getMessage()).startsWith("dir/x.scn:3: unknown word 'nonsense'");
                });
    }

    @Test
    void toleratesTabsAndWindowsLineEnds() {
        assertThat(parse("process\tp\r\np mmap  buf 1p rw anon-private # note\r\n").steps()).hasSize(2);
    }
}
