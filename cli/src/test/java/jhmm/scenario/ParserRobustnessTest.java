package jhmm.scenario;

import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Whatever a line holds, the parser either accepts it or raises a ScenarioError: never anything else. */
class ParserRobustnessTest {
    private static final String PROLOGUE = "process p\nfile f 4p\ndevice d dmirror\nd open p\np mmap buf 4p rw anon-private\n";
    private static final List<String> VOCABULARY = List.of(
            "p", "q", "d", "buf", "f", "kernel", "expect", "check", "invariants", "machine", "process", "device",
            "file", "mmap", "munmap", "mprotect", "madvise", "mremap", "write", "read", "fork", "exit", "gup",
            "unpin", "open", "snapshot", "dma-map", "dma-unmap", "release", "migrate", "swapout", "split-thp",
            "compact", "anon-private", "file-shared", "rw", "r", "none", "dontneed", "collapse", "ok", "EFAULT",
            "prot", "READ+PMD*2", "NONE", "0", "4p", "0x1000", "2M", "-1", "99999999999999999999", "i32", "-i32",
            "i32+", "byte:", "byte:999", "zero", "off=", "len=1p", "data=i32", "state=present", "state=", "=",
            "cpages=1", "align=2M", "hugetlb=2M", "file=f", "offset=1p", "populate", "via=gup", "write", "*", "+",
            "#", "ram=64M", "thp=always", "iommu=maybe", "é", "\t", "memory=none", "devmem=1G", "pattern=i32");

    @Test
    void randomLinesGiveScenarioErrorsOrParse() {
        ScenarioParser.parse("t.scn", PROLOGUE); // the lines below are judged on their own
        Random random = new Random(20240601);
        for (int i = 0; i < 20_000; i++) {
            String line = IntStream.range(0, 1 + random.nextInt(7))
                    .mapToObj(k -> VOCABULARY.get(random.nextInt(VOCABULARY.size())))
                    .collect(Collectors.joining(random.nextBoolean() ? " " : ""));
            assertThatCode(() -> {
                        try {
                            ScenarioParser.parse("t.scn", PROLOGUE + line + "\n");
                        } catch (ScenarioError expected) {
                            // a parse error is a fine answer to a random line
                        }
                    })
                    .as(line)
                    .doesNotThrowAnyException();
        }
    }
}
