package jhmm.junit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the last script of a jhmm HTML report under Node.js with a stubbed DOM, for tests of
 * report pages where no browser is at hand: the script must run to its end without an error,
 * every element it looks up must exist in the page, and every chart it draws must get columns
 * of equal length. Where Node.js is not installed, {@link #available()} says so and tests skip.
 */
public final class PageScripts {
    private static final String STUB = """
            const ids = new Set(%s);
            const drawn = {};
            const document = { getElementById: id => {
              if (!ids.has(id)) throw new Error("no element with id " + id);
              return drawn[id] = drawn[id] || { innerHTML: "" }; } };
            const window = { innerWidth: 1200 };
            function uPlot(opts, data, el) {
              if (data.some(d => d.length !== data[0].length)) throw new Error("chart columns of unequal length");
              if (opts.series.length !== data.length) throw new Error("a chart with " + opts.series.length + " series and "
                + data.length + " columns");
              el.innerHTML = "chart of " + data[0].length + " points";
            }
            """;

    private PageScripts() {}

    /** Whether {@code node} runs here. */
    public static boolean available() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Runs the page's last script; returns what each element it drew into holds, one line each
     * in the order drawn: {@code id: } its first 40 characters and its length.
     *
     * @throws AssertionError with Node's message when the script fails
     */
    public static String run(String html) throws IOException, InterruptedException {
        Matcher m = Pattern.compile("<script>(.*?)</script>", Pattern.DOTALL).matcher(html);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        if (last == null) {
            throw new AssertionError("the page has no script");
        }
        StringBuilder ids = new StringBuilder("[");
        Matcher id = Pattern.compile("id=\"([^\"]+)\"").matcher(html);
        while (id.find()) {
            ids.append(ids.length() == 1 ? "" : ",").append('"').append(id.group(1)).append('"');
        }
        Path js = Files.createTempFile("jhmm-page", ".js");
        try {
            Files.writeString(js, STUB.formatted(ids.append(']')) + last
                    + "\nfor (const k in drawn) console.log(k + \": \" + drawn[k].innerHTML.slice(0, 40) + \" (\""
                    + " + drawn[k].innerHTML.length + \" characters)\");\n");
            Process p = new ProcessBuilder("node", js.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("the page's script failed under node:\n" + out);
            }
            return out;
        } finally {
            Files.deleteIfExists(js);
        }
    }
}
