package jhmm.cli.bench;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jhmm.perf.Comparison;
import jhmm.perf.Kind;
import jhmm.perf.Operation;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;

/** The scaling curves, ns per page against range size (both axes logarithmic), as PNG or SVG. */
public final class ScalingPlot {
    /** One colour per operation and kind, shared by its model curve (solid) and host curve (dashed). */
    private static final Color[] COLOURS = {
        new Color(0x1f77b4), new Color(0xaec7e8), new Color(0xd62728), new Color(0xff9896), new Color(0x2ca02c),
        new Color(0x98df8a), new Color(0x9467bd), new Color(0xc5b0d5), new Color(0x8c564b), new Color(0xc49c94)
    };

    private ScalingPlot() {}

    /** @throws IllegalArgumentException unless the file name ends in .png or .svg in a directory that exists */
    public static Path checkFile(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".png") && !name.endsWith(".svg")) {
            throw new IllegalArgumentException("--plot needs a file name ending in .png or .svg: " + file);
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--plot: no directory " + dir);
        }
        return file;
    }

    /** @throws IllegalStateException when the file cannot be written */
    static void write(List<Comparison> rows, Path file) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(1100).height(750)
                .title("jhmm vs host kernel: ns per 4 KiB page by range size")
                .xAxisTitle("range size (MiB)").yAxisTitle("ns per 4 KiB page").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        int curve = 0;
        for (Operation op : Operation.values()) {
            for (Kind kind : Kind.values()) {
                List<Comparison> points = rows.stream().filter(r -> r.op() == op && r.kind() == kind).toList();
                Color colour = COLOURS[curve++ % COLOURS.length];
                add(chart, op + " " + kind + " model", points, true, colour);
                add(chart, op + " " + kind + " host", points, false, colour);
            }
        }
        try {
            if (file.toString().toLowerCase(Locale.ROOT).endsWith(".svg")) {
                VectorGraphicsEncoder.saveVectorGraphic(chart, file.toString(), VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
            } else {
                BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the plot " + file + ": " + e.getMessage(), e);
        }
    }

    /** One curve from the points that have a figure (a log axis takes no NaN); none without any. */
    private static void add(XYChart chart, String name, List<Comparison> points, boolean model, Color colour) {
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (Comparison p : points) {
            double v = model ? p.modelNsPerPage() : p.hostNsPerPage();
            if (!Double.isNaN(v) && v > 0) {
                x.add(p.size() / (double) (1 << 20));
                y.add(v);
            }
        }
        if (!x.isEmpty()) {
            XYSeries s = chart.addSeries(name, x, y);
            s.setLineStyle(model ? SeriesLines.SOLID : SeriesLines.DASH_DASH);
            s.setLineColor(colour);
            s.setMarkerColor(colour);
        }
    }
}
