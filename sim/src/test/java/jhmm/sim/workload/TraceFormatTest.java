package jhmm.sim.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceFormatTest {
    @TempDir
    Path dir;

    private static final WorkloadSpec SPEC = new WorkloadSpec(4L << 20, 2, 3, 5, 64 * 1024, 1.1, 0.25, 0.5);

    /** Every run of every warp and every CPU write, as text, to compare two sources. */
    private static List<String> runs(AccessSource s, int kernels, int warps) {
        List<String> out = new ArrayList<>();
        Run r = new Run();
        for (int k = 0; k < kernels; k++) {
            for (int w = 0; w < warps; w++) {
                WarpStream ws = s.warp(k, w);
                while (ws.next(r)) {
                    out.add(k + " " + w + " " + r.access + " " + r.offset + " " + r.count + " " + r.stride);
                }
            }
            if (k < kernels - 1) {
                out.add(k + " cpu " + java.util.Arrays.toString(s.cpuWrites(k)));
            }
        }
        return out;
    }

    @Test
    void everyWorkloadSurvivesBothFormsUnchanged() throws Exception {
        for (Workload w : Workload.values()) {
            AccessSource s = w.source(SPEC);
            for (TraceFormat f : TraceFormat.values()) {
                Path file = dir.resolve(w.word() + "." + f);
                try (OutputStream os = Files.newOutputStream(file)) {
                    f.write(s, SPEC.footprint(), 2, 3, os);
                }
                Trace t = TraceFormat.read(file);
                assertThat(t.footprint()).isEqualTo(SPEC.footprint());
                assertThat(t.kernels()).isEqualTo(2);
                assertThat(runs(t, 2, 3)).as(w.word() + " " + f).isEqualTo(runs(s, 2, 3));
            }
        }
    }

    /** The binary form is the compact one: three longs a run. */
    @Test
    void theBinaryFormIsSmallerThanTheText() throws Exception {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        ByteArrayOutputStream bin = new ByteArrayOutputStream();
        AccessSource s = Workload.RANDOM.source(SPEC);
        TraceFormat.TEXT.write(s, SPEC.footprint(), 1, 3, text);
        TraceFormat.BINARY.write(s, SPEC.footprint(), 1, 3, bin);
        assertThat(bin.size()).isLessThan(text.size());
    }

    @Test
    void theShippedExampleReads() throws Exception {
        Trace t = TraceFormat.read(Path.of("..", "traces", "example.trace"));
        assertThat(t.footprint()).isEqualTo(8L << 20);
        assertThat(t.kernels()).isEqualTo(2);
        assertThat(t.warps()).isEqualTo(4);
        assertThat(t.cpuWrites(0)).containsExactly(0, 1L << 20);
    }

    @Test
    void aBadLineIsNamedByFileLineAndWord() throws Exception {
        assertThatThrownBy(() -> read("kernel\nw0 x 0 4K\n")).hasMessage(dir.resolve("t.trace") + ":2: 'x' is not r, w or rw (in: w0 x 0 4K)");
        assertThatThrownBy(() -> read("w0 r 0 4K\n")).hasMessageContaining(":1: a run before the first kernel line");
        assertThatThrownBy(() -> read("footprint 2M\nkernel\nw0 r 0 4M\n")).hasMessageContaining(":3: it reaches byte 4194304, past the footprint");
        assertThatThrownBy(() -> read("kernel\nw0 r zero 4K\n")).hasMessageContaining(":2: bad SIZE 'zero'");
        assertThatThrownBy(() -> read("kernel\ngpu r 0 4K\n")).hasMessageContaining("'gpu' is not an agent: wN (warp N) or cpu");
        assertThatThrownBy(() -> read("# nothing\n")).hasMessageContaining("no kernel in the trace");
        Path cut = dir.resolve("cut.bin");
        ByteArrayOutputStream bin = new ByteArrayOutputStream();
        TraceFormat.BINARY.write(Workload.STREAM_READ.source(SPEC), SPEC.footprint(), 1, 3, bin);
        byte[] b = bin.toByteArray();
        Files.write(cut, java.util.Arrays.copyOf(b, b.length - 5));
        assertThatThrownBy(() -> TraceFormat.read(cut)).hasMessageContaining("cut.bin: record 3 is cut short (the file ends inside it)");
    }

    private Trace read(String text) throws Exception {
        Path f = dir.resolve("t.trace");
        Files.writeString(f, text);
        return TraceFormat.read(f);
    }
}
