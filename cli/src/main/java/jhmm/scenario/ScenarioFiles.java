package jhmm.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import jhmm.base.ByteSize;

/** Finding scenario files on disk, and reading, parsing and running one of them. */
public final class ScenarioFiles {
    /** The largest scenario file read: the bundled ones are a few KiB. */
    static final int MAX_BYTES = 4 << 20;
    /** The path that stands for standard input, as many Unix tools take it. */
    public static final String STANDARD_INPUT = "-";

    private ScenarioFiles() {}

    /**
     * The files named by {@code paths}: a file as given, a directory as every {@code *.scn}
     * below it, sorted, and {@value #STANDARD_INPUT} as itself. A missing path or a directory
     * without scenarios is an error.
     */
    public static List<Path> collect(List<Path> paths) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path path : paths) {
            if (path.toString().equals(STANDARD_INPUT)) {
                files.add(path);
            } else if (Files.isDirectory(path)) {
                files.addAll(scenariosUnder(path));
            } else if (Files.exists(path)) {
                files.add(path);
            } else {
                throw new NoSuchFileException(path.toString(), null, "no such file or directory");
            }
        }
        return files;
    }

    private static List<Path> scenariosUnder(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> found = walk.filter(p -> p.toString().endsWith(".scn") && Files.isRegularFile(p))
                    .sorted()
                    .toList();
            if (found.isEmpty()) {
                throw new NoSuchFileException(dir.toString(), null, "no *.scn files in this directory");
            }
            return found;
        }
    }

    /**
     * Reads, parses and runs one file. Whatever goes wrong stays in this file's report, so that
     * the next files still run: a file that cannot be read, parsed or run as written is bad
     * input, one that makes jhmm fail is an internal error.
     */
    public static FileReport run(Path file, boolean checkAlways) {
        return run(file, checkAlways, Transcript.SILENT);
    }

    /** As {@link #run(Path, boolean)}, writing what the run shows to {@code transcript}. */
    public static FileReport run(Path file, boolean checkAlways, Transcript transcript) {
        return run(file.toString(), () -> {
            try (InputStream in = Files.newInputStream(file)) {
                return read(in);
            }
        }, checkAlways, transcript);
    }

    /**
     * As {@link #run(Path, boolean, Transcript)} for the scenario that {@code in} holds up to its
     * end ({@code jhmm run -} reads standard input), named {@code name} in messages; {@code in}
     * is left open.
     */
    public static FileReport run(String name, InputStream in, boolean checkAlways, Transcript transcript) {
        return run(name, () -> read(in), checkAlways, transcript);
    }

    /** A scenario's text, read when the run starts. */
    private interface Source {
        String text() throws IOException;
    }

    private static FileReport run(String name, Source source, boolean checkAlways, Transcript transcript) {
        try {
            Scenario scenario = ScenarioParser.parse(name, text(source));
            return ScenarioRunner.run(scenario, checkAlways, transcript);
        } catch (Unreadable e) {
            return report(name, FileReport.Kind.BAD_INPUT, new Failure(0, null, "cannot read: " + e.getMessage()));
        } catch (ScenarioError e) {
            return report(name, FileReport.Kind.BAD_INPUT, new Failure(e.line(), null, e.reason()));
        } catch (ModelCrash e) {
            return report(name, FileReport.Kind.INTERNAL_ERROR, e.failure());
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            return report(name, FileReport.Kind.INTERNAL_ERROR,
                    new Failure(0, null, "internal error of jhmm: " + ModelCrash.describe(e)));
        }
    }

    private static String text(Source source) {
        try {
            return source.text();
        } catch (IOException e) {
            throw new Unreadable(e instanceof NoSuchFileException ? "no such file" : String.valueOf(e.getMessage()));
        }
    }

    /** The stream's text; at most {@link #MAX_BYTES}, so that a device or a huge file is refused, not read whole. */
    private static String read(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_BYTES + 1);
        if (bytes.length > MAX_BYTES) {
            throw new Unreadable("more than " + ByteSize.format(MAX_BYTES) + " (a scenario is a text file of commands)");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new Unreadable("the file is not UTF-8 text");
        }
    }

    /** A file whose text cannot be had; the message says why. */
    private static final class Unreadable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unreadable(String why) {
            super(why, null, false, false);
        }
    }

    private static FileReport report(String name, FileReport.Kind kind, Failure why) {
        return new FileReport(name, List.of(why), kind);
    }
}
