package io.multifd.cli.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained SVG chart of compression ratio against throughput, one mark per method and
 * channel count: in-process runs show encode (filled) and decode (hollow) throughput joined by a
 * line; TCP runs show end-to-end throughput (square). The throughput axis is logarithmic.
 */
public final class BenchChart {

    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
        "#e377c2", "#17becf"};
    private static final int W = 880;
    private static final int H = 540;
    private static final int LEFT = 70;
    private static final int RIGHT = 200;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;

    private BenchChart() {
    }

    /**
     * @param title   the chart's title
     * @param results the runs
     * @return the SVG document
     */
    public static String svg(String title, List<BenchResult> results) {
        List<Double> xs = new ArrayList<>();
        double maxRatio = 1;
        for (BenchResult r : results) {
            for (double v : new double[]{r.encodeMiBps(), r.decodeMiBps(), r.endToEndMiBps()}) {
                if (Double.isFinite(v) && v > 0) {
                    xs.add(v);
                }
            }
            maxRatio = Math.max(maxRatio, r.ratio());
        }
        double minX = xs.stream().mapToDouble(d -> d).min().orElse(1);
        double maxX = xs.stream().mapToDouble(d -> d).max().orElse(10);
        double lo = Math.pow(10, Math.floor(Math.log10(minX / 1.2)));
        double hi = Math.pow(10, Math.ceil(Math.log10(maxX * 1.2)));
        double yMax = Math.ceil(maxRatio * 1.15);
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", W, H, W, H));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", W, H));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"28\" font-size=\"16\" font-weight=\"bold\">%s</text>%n",
                LEFT, esc(title)));
        int pw = W - LEFT - RIGHT;
        int ph = H - TOP - BOTTOM;
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#444\"/>%n", LEFT, TOP, pw, ph));
        for (double d = lo; d <= hi * 1.001; d *= 10) {
            for (int m : new int[]{1, 2, 5}) {
                double v = d * m;
                if (v > hi * 1.001) {
                    break;
                }
                double x = x(v, lo, hi, pw);
                s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>%n",
                        x, TOP, x, TOP + ph, m == 1 ? "#ccc" : "#eee"));
                s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                        x, TOP + ph + 16, num(v)));
            }
        }
        int ySteps = (int) Math.min(10, yMax);
        for (int i = 0; i <= ySteps; i++) {
            double v = yMax * i / ySteps;
            double y = y(v, yMax, ph);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>%n",
                    LEFT, y, LEFT + pw, y));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                    LEFT - 6, y + 4, num(v)));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">throughput, MiB/s of image "
                + "(log scale)</text>%n", LEFT + pw / 2, H - 18));
        s.append(String.format(Locale.ROOT, "<text transform=\"translate(20,%d) rotate(-90)\" text-anchor=\"middle\">"
                + "compression ratio (image bytes / wire bytes)</text>%n", TOP + ph / 2));
        Map<String, String> colors = new LinkedHashMap<>();
        for (BenchResult r : results) {
            colors.computeIfAbsent(r.method(), k -> COLORS[colors.size() % COLORS.length]);
        }
        for (BenchResult r : results) {
            String c = colors.get(r.method());
            double y = y(r.ratio(), yMax, ph);
            String label = r.method() + " \u00d7" + r.channels();
            if (Double.isFinite(r.encodeMiBps())) {
                double xe = x(r.encodeMiBps(), lo, hi, pw);
                double xd = x(r.decodeMiBps(), lo, hi, pw);
                s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                        + "stroke-dasharray=\"3,3\"/>%n", xe, y, xd, y, c));
                s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"><title>%s "
                        + "encode %.0f MiB/s, ratio %.2f</title></circle>%n", xe, y, c, esc(label), r.encodeMiBps(),
                        r.ratio()));
                s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"white\" stroke=\"%s\" "
                        + "stroke-width=\"2\"><title>%s decode %.0f MiB/s</title></circle>%n", xd, y, c, esc(label),
                        r.decodeMiBps()));
                s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">%s</text>%n",
                        Math.min(xe, xd), y - 9, c, esc(label)));
            } else {
                double xt = x(r.endToEndMiBps(), lo, hi, pw);
                s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\">"
                        + "<title>%s end to end %.0f MiB/s, ratio %.2f</title></rect>%n", xt - 5, y - 5, c, esc(label),
                        r.endToEndMiBps(), r.ratio()));
                s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">%s</text>%n", xt - 5, y - 9,
                        c, esc(label)));
            }
        }
        int ly = TOP + 10;
        int lx = LEFT + pw + 20;
        for (Map.Entry<String, String> e : colors.entrySet()) {
            s.append(String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"5\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", lx, ly, e.getValue(), lx + 12, ly + 4, esc(e.getKey())));
            ly += 20;
        }
        ly += 10;
        s.append(String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"5\" fill=\"#666\"/><text x=\"%d\" y=\"%d\">"
                + "encode (in-process)</text>%n", lx, ly, lx + 12, ly + 4));
        ly += 20;
        s.append(String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"5\" fill=\"white\" stroke=\"#666\" "
                + "stroke-width=\"2\"/><text x=\"%d\" y=\"%d\">decode (in-process)</text>%n", lx, ly, lx + 12, ly + 4));
        ly += 20;
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"#666\"/>"
                + "<text x=\"%d\" y=\"%d\">end to end (TCP)</text>%n", lx - 5, ly - 5, lx + 12, ly + 4));
        ly += 20;
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">\u00d7N = channels</text>%n", lx - 5, ly + 4));
        s.append("</svg>\n");
        return s.toString();
    }

    private static double x(double v, double lo, double hi, int pw) {
        return LEFT + (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * pw;
    }

    private static double y(double v, double yMax, int ph) {
        return TOP + ph - v / yMax * ph;
    }

    private static String num(double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
