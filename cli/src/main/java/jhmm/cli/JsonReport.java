package jhmm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import jhmm.scenario.Failure;
import jhmm.scenario.FileReport;

/**
 * The {@code --json} report: {@code {"files":[{"name","passed","parseError","internalError","failures":[...]}],
 * "passed":N,"failed":M}}. A failure has {@code line}, {@code message} and, when it is an
 * expectation, {@code expected} and {@code actual}.
 */
final class JsonReport {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {}

    static void print(PrintWriter out, List<FileReport> reports) {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode files = root.putArray("files");
        reports.forEach(r -> file(files.addObject(), r));
        long passed = reports.stream().filter(FileReport::passed).count();
        root.put("passed", passed);
        root.put("failed", reports.size() - passed);
        write(out, root);
    }

    /** A new JSON object for a report. */
    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Prints a report, indented. */
    static void write(PrintWriter out, ObjectNode root) {
        try {
            out.println(MAPPER.writeValueAsString(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the JSON report: " + e.getMessage(), e);
        }
    }

    private static void file(ObjectNode node, FileReport r) {
        node.put("name", r.file());
        node.put("passed", r.passed());
        node.put("parseError", r.badInput());
        node.put("internalError", r.internalError());
        ArrayNode failures = node.putArray("failures");
        for (Failure f : r.failures()) {
            ObjectNode fn = failures.addObject();
            fn.put("line", f.line());
            fn.put("message", f.text());
            if (f.expected() != null) {
                fn.put("expected", f.expected());
                fn.put("actual", f.actual());
            }
        }
    }
}
