package jhmm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** jhmm run --report and --junit: the page walks through each step, JUnit XML as CI systems read it. */
class RunReportTest {
    @TempDir
    Path dir;

    private Path scenario(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void thePageShowsEveryStepWithItsPageStatesAndMarksTheFailures() throws Exception {
        Path good = scenario("good.scn", """
                machine ram=64M
                process p
                p mmap buf 8K rw anon-private
                p write buf 0 4K i32
                expect ok
                """);
        Path bad = scenario("bad.scn", """
                machine ram=64M
                process p
                p mmap buf 8K rw anon-private
                p read buf 0 4K
                expect data=i32
                """);
        Path page = dir.resolve("r.html");
        Path xml = dir.resolve("r.xml");
        CliRun r = CliRun.of("run", good.toString(), bad.toString(), "--report", page.toString(), "--junit", xml.toString());
        assertThat(r.exit()).isEqualTo(1);
        String html = Files.readString(page);
        assertThat(html).startsWith("<!doctype html>").contains("1 of 2 files passed", "good.scn: passed", "bad.scn: 1 failure",
                "3: p mmap buf 8K rw anon-private &rarr; ok",
                // the page states after the write: the first page present, the second never touched
                "buf 0 len=1p state=present-rw", "buf 1p len=1p state=none", "<details class=\"fail\" open><summary>4: p read buf 0 4K");
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        Element suites = doc.getDocumentElement();
        assertThat(suites.getAttribute("tests")).isEqualTo("2");
        assertThat(suites.getAttribute("failures")).isEqualTo("1");
        assertThat(doc.getElementsByTagName("testcase").getLength()).isEqualTo(2);
        Element failure = (Element) doc.getElementsByTagName("failure").item(0);
        assertThat(failure.getAttribute("message")).contains("bad.scn:5");
        assertThat(((Element) failure.getParentNode()).getAttribute("name")).isEqualTo("bad.scn");
    }

    @Test
    void badInputIsAnErrorInJUnit() throws Exception {
        Path typo = scenario("typo.scn", "machine ram=64M\nprocess p\np mmapp buf 8K rw anon-private\n");
        Path xml = dir.resolve("t.xml");
        CliRun r = CliRun.of("run", typo.toString(), "--junit", xml.toString());
        assertThat(r.exit()).isEqualTo(2);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        assertThat(doc.getDocumentElement().getAttribute("errors")).isEqualTo("1");
        assertThat(((Element) doc.getElementsByTagName("error").item(0)).getAttribute("message")).contains("typo.scn:3", "mmapp");
    }
}
