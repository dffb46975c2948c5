package jhmm.sim.workload;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import jhmm.base.ByteSize;
import jhmm.base.Printable;

/**
 * The two forms of a trace (docs/sim.md has the grammar). Text, a run of accesses a line:
 * {@code footprint SIZE} first if at all, {@code kernel} before each kernel's runs, then
 * {@code wN r|w|rw OFFSET LENGTH [STRIDE]} (warp N accesses one 128-byte line every STRIDE bytes,
 * 128 by default, over LENGTH bytes from OFFSET) and {@code cpu w OFFSET LENGTH} (the CPU writes
 * there after the kernel); {@code #} starts a comment. Binary, for large recordings: the magic
 * {@code JHMMTRC1}, then unsigned LEB128 varints: the footprint, and records each starting with
 * a head (kind in bits 0-1: 1 kernel, 2 CPU write, 3 run; a run's access in bits 2-3 and warp
 * from bit 4) followed by offset and length, and for a run its stride.
 */
public enum TraceFormat {
    TEXT,
    BINARY;

    private static final byte[] MAGIC = "JHMMTRC1".getBytes(StandardCharsets.US_ASCII);
    private static final long KIND_KERNEL = 1;
    private static final long KIND_CPU = 2;
    private static final long KIND_RUN = 3;

    /**
     * Reads a trace in either form (told apart by the magic).
     *
     * @throws IllegalArgumentException naming the file, and the line or record, of what is wrong
     */
    public static Trace read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file");
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            in.mark(MAGIC.length);
            byte[] head = in.readNBytes(MAGIC.length);
            in.reset();
            Trace.Builder b = new Trace.Builder(file.getFileName().toString());
            if (Arrays.equals(head, MAGIC)) {
                readBinary(file, in, b);
            } else {
                readText(file, in, b);
            }
            if (!b.inKernel()) {
                throw new IllegalArgumentException(file + ": no kernel in the trace");
            }
            return b.build();
        }
    }

    private static void readText(Path file, InputStream in, Trace.Builder b) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        int lineNo = 0;
        for (String line; (line = r.readLine()) != null; ) {
            lineNo++;
            int hash = line.indexOf('#');
            String[] w = (hash >= 0 ? line.substring(0, hash) : line).trim().split("\\s+");
            if (w[0].isEmpty()) {
                continue;
            }
            String where = file + ":" + lineNo + ": ";
            String bad = switch (w[0]) {
                case "footprint" -> {
                    if (b.inKernel() || w.length != 2) {
                        yield "footprint SIZE comes once, before the first kernel";
                    }
                    long fp = size(where, w[1]);
                    if (fp <= 0 || fp % (2L << 20) != 0) {
                        yield "the footprint must be a positive multiple of 2M";
                    }
                    b.footprint(fp);
                    yield null;
                }
                case "kernel" -> {
                    b.kernel();
                    yield w.length == 1 ? null : "kernel takes nothing after it";
                }
                default -> record(where, w, b);
            };
            if (bad != null) {
                throw new IllegalArgumentException(where + bad + " (in: " + Printable.of(line.trim(), 80) + ")");
            }
        }
    }

    private static String record(String where, String[] w, Trace.Builder b) {
        if (!b.inKernel()) {
            return "a run before the first kernel line";
        }
        boolean cpu = w[0].equals("cpu");
        if (!cpu && !w[0].matches("w[0-9]{1,7}")) {
            return "'" + Printable.of(w[0], 20) + "' is not an agent: wN (warp N) or cpu";
        }
        if (w.length < 4 || w.length > (cpu ? 4 : 5)) {
            return cpu ? "expected: cpu w OFFSET LENGTH" : "expected: wN r|w|rw OFFSET LENGTH [STRIDE]";
        }
        Access access = switch (w[1]) {
            case "r" -> Access.READ;
            case "w" -> Access.WRITE;
            case "rw" -> Access.READ_MODIFY_WRITE;
            default -> null;
        };
        if (access == null || (cpu && access != Access.WRITE)) {
            return "'" + Printable.of(w[1], 20) + "' is not " + (cpu ? "w (the CPU writes)" : "r, w or rw");
        }
        long offset = size(where, w[2]);
        long length = size(where, w[3]);
        if (cpu) {
            return b.cpuWrite(offset, length);
        }
        long stride = w.length == 5 ? size(where, w[4]) : Run.LINE;
        return b.run(Integer.parseInt(w[0].substring(1)), access, offset, length, stride);
    }

    private static long size(String where, String word) {
        try {
            return ByteSize.require(word);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + e.getMessage());
        }
    }

    private static void readBinary(Path file, InputStream in, Trace.Builder b) throws IOException {
        in.skipNBytes(MAGIC.length);
        long fp = varint(file, in, -1);
        if (fp <= 0 || fp % (2L << 20) != 0) {
            throw new IllegalArgumentException(file + ": the footprint in the header is not a positive multiple of 2M");
        }
        b.footprint(fp);
        for (long record = 0; ; record++) {
            int first = in.read();
            if (first < 0) {
                return;
            }
            long head = varint(file, in, record, first);
            long kind = head & 3;
            String bad;
            if (kind == KIND_KERNEL) {
                b.kernel();
                bad = null;
            } else if (!b.inKernel()) {
                bad = "a run before the first kernel record";
            } else if (kind == KIND_CPU) {
                bad = b.cpuWrite(varint(file, in, record), varint(file, in, record));
            } else if (kind == KIND_RUN && ((head >>> 2) & 3) < 3 && head >>> 4 < Integer.MAX_VALUE) {
                long offset = varint(file, in, record);
                long length = varint(file, in, record);
                bad = b.run((int) (head >>> 4), Access.values()[(int) ((head >>> 2) & 3)], offset, length, varint(file, in, record));
            } else {
                bad = "an unknown record kind";
            }
            if (bad != null) {
                throw new IllegalArgumentException(file + ": record " + record + ": " + bad);
            }
        }
    }

    private static long varint(Path file, InputStream in, long record) throws IOException {
        return varint(file, in, record, in.read());
    }

    /** An unsigned LEB128 number whose first byte is {@code first}: 7 bits a byte, the high bit set on all but the last. */
    private static long varint(Path file, InputStream in, long record, int first) throws IOException {
        long v = 0;
        int b = first;
        for (int shift = 0; ; shift += 7) {
            if (b < 0) {
                throw new IllegalArgumentException(file + ": " + (record < 0 ? "the header" : "record " + record)
                        + " is cut short (the file ends inside it)");
            }
            if (shift > 56) {
                throw new IllegalArgumentException(file + ": record " + record + " has a number longer than 64 bits");
            }
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
            b = in.read();
        }
    }

    private static void writeVarint(OutputStream out, long v) throws IOException {
        while ((v & ~0x7FL) != 0) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    /** Writes {@code kernels} kernels of {@code warps} warps of {@code source} in this form. */
    public void write(AccessSource source, long footprint, int kernels, int warps, OutputStream os) throws IOException {
        if (this == TEXT) {
            PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(os, StandardCharsets.UTF_8));
            out.printf(Locale.ROOT, "# %s%nfootprint %d%n", source.description(), footprint);
            forEach(source, kernels, warps, new Sink() {
                @Override
                public void kernel() {
                    out.println("kernel");
                }

                @Override
                public void run(int warp, Run r) {
                    out.printf(Locale.ROOT, "w%d %s %d %d %d%n", warp, word(r.access), r.offset, r.count * r.stride, r.stride);
                }

                @Override
                public void cpu(long offset, long length) {
                    out.printf(Locale.ROOT, "cpu w %d %d%n", offset, length);
                }
            });
            out.flush();
            return;
        }
        OutputStream out = new BufferedOutputStream(os);
        out.write(MAGIC);
        writeVarint(out, footprint);
        forEach(source, kernels, warps, new Sink() {
            @Override
            public void kernel() throws IOException {
                writeVarint(out, KIND_KERNEL);
            }

            @Override
            public void run(int warp, Run r) throws IOException {
                writeVarint(out, KIND_RUN | (long) r.access.ordinal() << 2 | (long) warp << 4);
                writeVarint(out, r.offset);
                writeVarint(out, r.count * r.stride);
                writeVarint(out, r.stride);
            }

            @Override
            public void cpu(long offset, long length) throws IOException {
                writeVarint(out, KIND_CPU);
                writeVarint(out, offset);
                writeVarint(out, length);
            }
        });
        out.flush();
    }

    private static String word(Access a) {
        return switch (a) {
            case READ -> "r";
            case WRITE -> "w";
            case READ_MODIFY_WRITE -> "rw";
        };
    }

    private interface Sink {
        void kernel() throws IOException;

        void run(int warp, Run r) throws IOException;

        void cpu(long offset, long length) throws IOException;
    }

    private static void forEach(AccessSource source, int kernels, int warps, Sink sink) throws IOException {
        Run r = new Run();
        for (int k = 0; k < kernels; k++) {
            sink.kernel();
            for (int w = 0; w < warps; w++) {
                WarpStream s = source.warp(k, w);
                while (s.next(r)) {
                    sink.run(w, r);
                }
            }
            if (k < kernels - 1) {
                long[] c = source.cpuWrites(k);
                for (int i = 0; i < c.length; i += 2) {
                    sink.cpu(c[i], c[i + 1]);
                }
            }
        }
    }
}
