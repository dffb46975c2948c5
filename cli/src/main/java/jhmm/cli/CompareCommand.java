package jhmm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import jhmm.base.ByteSize;
import jhmm.compare.CompareOptions;
import jhmm.compare.ComparePath;
import jhmm.compare.CompareWorkload;
import jhmm.compare.PathResult;
import jhmm.kernel.Machine;
import jhmm.phys.PageBudget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code jhmm compare}: one workload through every way of mapping a range for DMA, side by side. */
@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        header = "Compares the ways a driver can map a process's memory for a device's DMA.",
        description = {
            "Maps one buffer for a device's DMA through each path (the 2019 helper, today's hmm-dma, a GPU driver's"
                    + " drm_gpusvm get_pages, an RDMA registration pinned or on demand, GUP pinning, jhmm's core in pin and mirror mode) while the kernel compacts memory and migrates the buffer"
                    + " and the process remaps a quarter of it; prints the workload, what each path cost and saw, what"
                    + " each row counts and a short reading of the figures."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "2:a bad option, or a size this JVM cannot hold (the message says what heap would)",
            "3:an internal error of jhmm (a bug: please report it with the command line)"
        })
final class CompareCommand implements Callable<Integer> {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private Main main;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "1G", converter = BenchCommand.SizeConverter.class,
            description = "Buffer size, a multiple of 2M (default: ${DEFAULT-VALUE}).")
    private long size;

    @Option(names = "--no-thp", description = "Back the buffer with 4 KiB pages (THP off).")
    private boolean noThp;

    @Option(names = "--hugetlb", description = "Back the buffer with 2M hugetlb pages instead.")
    private boolean hugetlb;

    @Option(names = "--no-iommu", description = "No IOMMU: physical DMA addresses, swiotlb for what the mask cannot reach.")
    private boolean noIommu;

    @Option(names = "--no-compact", description = "The kernel does not compact memory.")
    private boolean noCompact;

    @Option(names = "--no-migrate", description = "The kernel does not migrate the buffer's pages.")
    private boolean noMigrate;

    @Option(names = "--no-remap", description = "The process does not unmap and re-touch a quarter of the buffer.")
    private boolean noRemap;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    private boolean json;

    @Option(names = "--report", paramLabel = "FILE.html",
            description = "Also write one self-contained page: the report and a bar chart per row across the paths.")
    private java.nio.file.Path report;

    @Override
    public Integer call() throws JsonProcessingException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (size <= 0 || size % (2L << 20) != 0) {
            err.println("jhmm compare: --size must be a positive multiple of 2M");
            return RunCommand.USAGE;
        }
        if (hugetlb && noThp) {
            err.println("jhmm compare: --no-thp says nothing with --hugetlb: a hugetlb buffer is never THP-backed (give one of them)");
            return RunCommand.USAGE;
        }
        CompareOptions options = new CompareOptions(size, !noThp && !hugetlb, hugetlb, !noIommu, !noCompact, !noMigrate, !noRemap);
        try {
            Machine.check(CompareWorkload.machineFor(options), PageBudget.ofThisJvm());
        } catch (IllegalArgumentException tooLarge) {
            err.println("jhmm compare: --size " + ByteSize.format(size) + " needs a machine of twice its size: " + tooLarge.getMessage());
            return RunCommand.USAGE;
        }
        CompareWorkload workload = new CompareWorkload(options);
        List<PathResult> results = new ArrayList<>();
        PrintWriter progress = main.progress(err);
        for (ComparePath path : ComparePath.values()) {
            results.add(workload.run(path));
            progress.printf("compare: %s done (%d of %d)%n", path.label(), results.size(), ComparePath.values().length);
            progress.flush();
        }
        CompareReport table = new CompareReport(options, results);
        if (json) {
            out.println(MAPPER.writeValueAsString(table.toJson(MAPPER)));
        } else {
            table.printText(out);
        }
        if (report != null) {
            java.io.StringWriter text = new java.io.StringWriter();
            PrintWriter into = new PrintWriter(text);
            table.printText(into);
            into.flush();
            try {
                java.nio.file.Files.writeString(report, CompareHtml.of(text.toString(), results));
            } catch (java.io.IOException e) {
                err.println("jhmm compare: cannot write " + report + ": " + e.getMessage());
                return RunCommand.USAGE;
            }
        }
        return 0;
    }
}
