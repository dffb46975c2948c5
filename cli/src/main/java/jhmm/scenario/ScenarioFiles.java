package jhmm.scenario;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Finding scenario files on disk, and reading, parsing and running one of them. */
public final class ScenarioFiles {
    private ScenarioFiles() {}

    /**
     * The files named by {@code paths}: a file as given, a directory as every {@code *.scn}
     * below it, sorted. A missing path or a directory without scenarios is an error.
     */
    public static List<Path> collect(List<Path> paths) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
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

    /** Reads, parses and runs one file; a file that cannot be read or parsed gives an unparsable report. */
    public static FileReport run(Path file, boolean checkAlways) {
        String name = file.toString();
        String text;
        try {
            text = Files.readString(file);
        } catch (CharacterCodingException e) {
            return unparsable(name, new Failure(0, null, "cannot read: the file is not UTF-8 text"));
        } catch (IOException e) {
            return unparsable(name, new Failure(0, null, "cannot read: " + e.getMessage()));
        }
        Scenario scenario;
        try {
            scenario = ScenarioParser.parse(name, text);
        } catch (ScenarioError e) {
            return unparsable(name, new Failure(e.line(), null, e.reason()));
        }
        return ScenarioRunner.run(scenario, checkAlways);
    }

    private static FileReport unparsable(String name, Failure why) {
        return new FileReport(name, List.of(why), true);
    }
}
