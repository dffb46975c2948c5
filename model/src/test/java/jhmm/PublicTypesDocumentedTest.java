package jhmm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every public type of the model says what it is in a doc comment: the Javadoc build checks
 * everything else (its doclint runs without the per-member "missing" group), this checks that.
 */
class PublicTypesDocumentedTest {
    private static final Pattern TYPE = Pattern.compile(
            "^public (?:(?:final|abstract|sealed|non-sealed|static) )*(?:class|interface|enum|record|@interface) \\w+.*");

    @Test
    void everyPublicTypeHasADocComment() throws IOException {
        List<String> bare = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && !p.endsWith("package-info.java")).toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    if (TYPE.matcher(lines.get(i)).matches() && !documented(lines, i)) {
                        bare.add(f + ":" + (i + 1));
                    }
                }
            }
        }
        assertThat(bare).as("public types without a doc comment").isEmpty();
    }

    /** Whether the lines above {@code i}, past annotations, end a doc comment. */
    private static boolean documented(List<String> lines, int i) {
        int j = i - 1;
        while (j >= 0 && lines.get(j).strip().startsWith("@")) {
            j--;
        }
        if (j < 0 || !lines.get(j).strip().endsWith("*/")) {
            return false;
        }
        while (j >= 0 && !lines.get(j).contains("/*")) {
            j--;
        }
        return j >= 0 && lines.get(j).contains("/**");
    }
}
