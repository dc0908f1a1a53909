package io.multifd.cli;

import io.multifd.api.MultifdException;
import io.multifd.cli.bench.Bench;
import io.multifd.cli.bench.BenchChart;
import io.multifd.cli.bench.BenchResult;
import io.multifd.cli.bench.GuestImage;
import io.multifd.cli.bench.TwoProcess;
import io.multifd.core.engine.EngineOptions;
import io.multifd.core.engine.MethodChoice;
import io.multifd.core.engine.TransferStats;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.json.Json;
import io.multifd.core.registry.DiscoveredMethod;
import io.multifd.core.registry.MethodRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code multifd bench}: every method through the real engine, verified bit-exact, with figures and a chart. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generates a deterministic guest-like memory image (zero, text, code, pattern and random "
                + "pages) or reads one, sends it through the real engine with each method over N channels, checks "
                + "that the received image is bit-exact, and prints the compression ratio and the throughput.",
                "",
                "In-process (the default) records each channel in memory and times encoding and decoding "
                        + "separately; tcp runs both peers at once over loopback connections with the negotiation "
                        + "and times them end to end; jvm2 runs the destination in a second JVM (like two QEMU "
                        + "processes), with its memory preallocated (--prealloc, default) or cold (--cold), and "
                        + "reports each side's CPU seconds. Writes a chart of ratio against throughput (SVG) and, with "
                        + "--json, the figures for machines.",
                "",
                "Exit codes: 0 every run bit-exact, 1 a run failed or differed, 2 usage error, 3 a named method is "
                        + "unavailable."})
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RegistryOptions registryOptions;

    @Option(names = "--image", defaultValue = "256M", paramLabel = "SIZE|FILE",
            description = "Size of the generated image (e.g. 64M, 1G), or an image file to use instead "
                    + "(default: ${DEFAULT-VALUE}).")
    String image;

    @Option(names = "--methods", defaultValue = "auto", paramLabel = "M[,M...]|auto",
            description = "Methods to run (default: every method that encodes and decodes here).")
    String methods;

    @Option(names = "--channels", split = ",", defaultValue = "2", paramLabel = "N",
            description = "Channel counts to run each method with (default: ${DEFAULT-VALUE}).")
    List<Integer> channels;

    @Option(names = "--transport", defaultValue = "inproc", paramLabel = "inproc|tcp|jvm2",
            description = "inproc: in-process, encode and decode timed apart; tcp: loopback TCP, end to end; "
                    + "jvm2: loopback TCP to a destination in a second JVM, end to end (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--prealloc", description = "jvm2: the destination allocates and touches its memory before "
            + "the transfer, like QEMU's -mem-prealloc (the default).")
    boolean prealloc;

    @Option(names = "--cold", description = "jvm2: the destination maps fresh memory when the transfer starts; "
            + "its pages fault in as they arrive (QEMU without -mem-prealloc).")
    boolean cold;

    @Option(names = "--warmup", defaultValue = "128M", paramLabel = "SIZE",
            description = "jvm2: each JVM first runs untimed in-process transfers of this size until the JIT "
                    + "compiler is idle (0 for none; default: ${DEFAULT-VALUE}).")
    String warmup;

    @Option(names = "--warmup-limit", defaultValue = "30", paramLabel = "SECONDS",
            description = "jvm2: the longest warm-up of each JVM (default: ${DEFAULT-VALUE}).")
    double warmupLimit;

    @Option(names = "--write-image", paramLabel = "FILE",
            description = "Write the generated image (--image SIZE, --seed) to FILE and exit.")
    Path writeImage;

    @Option(names = "--level", paramLabel = "L", description = "Compression level, for every method that accepts it.")
    Integer level;

    @Option(names = "--param", paramLabel = "NAME=VALUE", description = "Another method parameter.")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--page-size", defaultValue = "4096", paramLabel = "BYTES",
            description = "Page size (default: ${DEFAULT-VALUE}).")
    int pageSize;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
            description = "Seed of the generated image (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
    Path json;

    @Option(names = "--chart", defaultValue = "multifd-bench.svg", paramLabel = "FILE",
            description = "Where to write the chart, an SVG file (default: ${DEFAULT-VALUE}).")
    Path chart;

    @Option(names = "--no-chart", description = "Do not write the chart.")
    boolean noChart;

    @Mixin
    ProgressOption progress;

    @Mixin
    VerboseOption verbose;

    /** Created by picocli. */
    public BenchCommand() {
    }

    @Override
    public Integer call() throws MultifdException {
        CommandLine cl = spec.commandLine();
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        SendCommand.checkPageSize(cl, pageSize);
        ProgressReporter.Mode mode = progress.mode(cl);
        boolean tcp = switch (transport) {
            case "inproc" -> false;
            case "tcp", "jvm2" -> true;
            default -> throw new CommandLine.ParameterException(cl, "--transport " + transport
                    + ": expected inproc, tcp or jvm2");
        };
        boolean jvm2 = transport.equals("jvm2");
        if (prealloc && cold) {
            throw new CommandLine.ParameterException(cl, "--prealloc and --cold exclude each other");
        }
        if ((prealloc || cold) && !jvm2) {
            throw new CommandLine.ParameterException(cl, (cold ? "--cold" : "--prealloc")
                    + " needs --transport jvm2");
        }
        long warmupBytes = warmup.trim().equals("0") ? 0 : Sizes.parse(warmup);
        if (warmupBytes < 0) {
            throw new CommandLine.ParameterException(cl, "--warmup " + warmup + " is not a size");
        }
        if (writeImage != null) {
            return writeImage(cl, out);
        }
        for (int n : channels) {
            SendCommand.checkRange(cl, "--channels", n, 1, 255);
        }
        MethodRegistry registry = registryOptions.registry(cl);
        List<MethodChoice> choices = MethodChoices.resolve(cl, registry, methods, level, params,
                MethodRegistry.Use.BOTH);
        if (methods.equals("auto")) {
            choices.sort(java.util.Comparator.comparing(c -> c.provider().name()));
        }
        long t0 = System.nanoTime();
        MemoryImage img = openImage(cl, out, jvm2);
        try (img) {
            out.printf(Locale.ROOT, "multifd bench: %s in %.1f s%n", describe, (System.nanoTime() - t0) / 1e9);
            List<String> skipped = new ArrayList<>();
            if (methods.equals("auto")) {
                for (DiscoveredMethod m : registry.methods()) {
                    if (!m.availability().isFull()) {
                        skipped.add(m.name() + " (" + m.availability() + ")");
                    }
                }
            }
            out.printf("multifd bench: %s, channels %s, methods %s%s%n", tcp ? "loopback TCP, end to end"
                            : "in-process, encode and decode timed apart", channels,
                    choices.stream().map(c -> c.provider().name()).toList(),
                    skipped.isEmpty() ? "" : "; skipped " + String.join(", ", skipped));
            out.flush();
            EngineOptions options = EngineOptions.DEFAULTS.withIoTimeout(Duration.ofSeconds(60));
            long t1 = System.nanoTime();
            Bench bench = jvm2 ? null : new Bench(img, options, (label, p) -> {
                ProgressReporter r = new ProgressReporter(label, p, mode, err, pageSize, 2000);
                return r::close;
            }, !tcp);
            long crc = jvm2 ? TwoProcess.checksum(img) : 0;
            out.printf(Locale.ROOT, "multifd bench: %s in %.1f s (not timed)%n", jvm2 ? "source checksum computed"
                    : "destination" + (tcp ? "" : " and tape") + " memory prepared", (System.nanoTime() - t1) / 1e9);
            if (!jvm2) {
                warmUp(choices, options);
            }
            List<BenchResult> results = new ArrayList<>();
            for (MethodChoice c : choices) {
                for (int n : channels) {
                    BenchResult r = jvm2 ? TwoProcess.run(img, crc, c, n, !cold, warmupBytes,
                            java.time.Duration.ofMillis((long) (warmupLimit * 1000)), peerArgs(c), options,
                            s -> {
                                out.println("multifd bench: " + s);
                                out.flush();
                            }, s -> {
                                err.println(s);
                                err.flush();
                            })
                            : tcp ? bench.tcp(c, n) : bench.inProcess(c, n);
                    results.add(r);
                    out.println("multifd bench: " + line(r));
                    out.flush();
                    System.gc(); // release the run's direct buffers before the next one
                }
            }
            out.println();
            table(results, tcp, jvm2).print(out);
            out.println("every run verified " + (jvm2 ? "by CRC-32C of the whole received image" : "bit-exact")
                    + "; throughput is MiB of image per second"
                    + (tcp ? " from connect to the destination's verdict" : " of wall time, all channels together")
                    + (jvm2 ? "; destination memory " + (cold ? "cold" : "preallocated") + "; CPU s = process CPU "
                    + "seconds of each JVM during the timed run" : ""));
            writeOutputs(results, out);
            out.flush();
        }
        return Main.EXIT_OK;
    }

    private String describe = "";

    /** Runs each method once on a small image, untimed, so the first timed run is not the JIT's warm-up. */
    private void warmUp(List<MethodChoice> choices, EngineOptions options) throws MultifdException {
        long bytes = 16L << 20;
        try (MemoryImage small = MemoryImage.allocate(pageSize, List.of(new BlockSpec("pc.ram", bytes)))) {
            GuestImage.fill(small, seed + 1);
            Bench warm = new Bench(small, options, (label, p) -> () -> { }, true);
            for (MethodChoice c : choices) {
                warm.inProcess(c, channels.get(0));
            }
        }
    }

    /** The destination's arguments: the method as the user chose it. */
    private List<String> peerArgs(MethodChoice c) {
        List<String> a = new ArrayList<>();
        a.add("--methods=" + c.provider().name());
        for (Map.Entry<String, String> e : c.parameters().entrySet()) {
            a.add("--param=" + e.getKey() + "=" + e.getValue());
        }
        return a;
    }

    private int writeImage(CommandLine cl, PrintWriter out) throws MultifdException {
        long size = Sizes.parse(image);
        if (size <= 0 || size % pageSize != 0) {
            throw new CommandLine.ParameterException(cl, "--write-image needs --image SIZE, a multiple of the page "
                    + "size, not " + image);
        }
        try (MemoryImage m = MemoryImage.allocate(pageSize, List.of(new BlockSpec("pc.ram", size)));
             FileChannel fc = FileChannel.open(writeImage, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            GuestImage.fill(m, seed);
            for (long at = 0; at < size; at += 1 << 20) {
                int len = (int) Math.min(1 << 20, size - at);
                ByteBuffer b = m.blocks().get(0).readOnlyChunk(at).slice(m.blocks().get(0).chunkOffset(at), len);
                while (b.hasRemaining()) {
                    fc.write(b);
                }
            }
        } catch (IOException e) {
            throw new MultifdException("cannot write " + writeImage + ": " + e.getMessage(), e);
        }
        out.printf(Locale.ROOT, "multifd bench: wrote a guest-like image of %s (seed %d) to %s%n",
                TransferStats.bytes(size), seed, writeImage);
        out.flush();
        return Main.EXIT_OK;
    }

    private MemoryImage openImage(CommandLine cl, PrintWriter out, boolean load) {
        Path file = Path.of(image);
        long size = Sizes.parse(image);
        if (Files.isRegularFile(file) || size < 0) {
            if (!Files.isRegularFile(file)) {
                throw new CommandLine.ParameterException(cl, "--image " + image + " is neither a size nor a file");
            }
            long bytes;
            try {
                bytes = Files.size(file) / pageSize * pageSize;
            } catch (IOException e) {
                throw new CommandLine.ParameterException(cl, "--image " + image + ": " + e.getMessage());
            }
            if (bytes == 0) {
                throw new CommandLine.ParameterException(cl, "--image " + image + " is smaller than one page");
            }
            String name = file.getFileName().toString().replaceAll("\\.img$", "");
            try {
                BlockSpec blockSpec = new BlockSpec(name.isEmpty() ? "ram" : name, bytes);
                if (load) {
                    // like a QEMU source whose memory is filled: the image in touched memory, not the page cache
                    MemoryImage m = MemoryImage.allocate(pageSize, List.of(blockSpec));
                    try (FileChannel fc = FileChannel.open(file, StandardOpenOption.READ)) {
                        for (long at = 0; at < bytes; at += 1 << 20) {
                            int len = (int) Math.min(1 << 20, bytes - at);
                            ByteBuffer dst = m.blocks().get(0).window(at, len);
                            while (dst.hasRemaining()) {
                                if (fc.read(dst, at + dst.position()) < 0) {
                                    throw new IOException("file ended early");
                                }
                            }
                        }
                    } catch (IOException e) {
                        m.close();
                        throw new UncheckedIOException(e);
                    }
                    describe = "image " + file + ", " + TransferStats.bytes(bytes) + " (" + bytes / pageSize
                            + " pages of " + pageSize + " bytes), loaded into memory";
                    return m;
                }
                MemoryImage m = MemoryImage.mapFiles(pageSize, Map.of(blockSpec, file), false);
                describe = "image " + file + ", " + TransferStats.bytes(bytes) + " (" + bytes / pageSize + " pages of "
                        + pageSize + " bytes), mapped";
                return m;
            } catch (UncheckedIOException | IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cl, "--image " + image + ": " + e.getMessage());
            }
        }
        if (size % pageSize != 0) {
            throw new CommandLine.ParameterException(cl, "--image " + image + " is not a multiple of the page size "
                    + pageSize);
        }
        MemoryImage m = MemoryImage.allocate(pageSize, List.of(new BlockSpec("pc.ram", size)));
        Map<GuestImage.Kind, Long> kinds = GuestImage.fill(m, seed);
        long pages = size / pageSize;
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<GuestImage.Kind, Long> e : kinds.entrySet()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(e.getKey().name().toLowerCase(Locale.ROOT)).append(' ')
                    .append(Math.round(100.0 * e.getValue() / pages)).append('%');
        }
        describe = "generated guest-like image of " + TransferStats.bytes(size) + " (" + pages + " pages of " + pageSize
                + " bytes: " + sb + ", seed " + seed + ")";
        return m;
    }

    private static String line(BenchResult r) {
        String speed = !r.transport().equals("inproc")
                ? String.format(Locale.ROOT, "end to end %.0f MiB/s", r.endToEndMiBps())
                : String.format(Locale.ROOT, "encode %.0f MiB/s, decode %.0f MiB/s", r.encodeMiBps(), r.decodeMiBps());
        return String.format(Locale.ROOT, "%s over %d channel%s: ratio %.2f, %s, %s on the wire, bit-exact",
                r.label(), r.channels(), r.channels() == 1 ? "" : "s", r.ratio(), speed,
                TransferStats.bytes(r.wireBytes()));
    }

    private static Table table(List<BenchResult> results, boolean tcp, boolean jvm2) {
        if (jvm2) {
            Table t = new Table("METHOD", "CHANNELS", "RATIO", "END-TO-END MiB/s", "GiB/s", "WIRE", "ZERO PAGES",
                    "CPU s (src/dst)", "CODEC s (enc/dec)").rightAligned(1, 2, 3, 4, 5, 6);
            for (BenchResult r : results) {
                t.row(r.label(), r.channels(), f2(r.ratio()), f0(r.endToEndMiBps()),
                        String.format(Locale.ROOT, "%.3f", r.endToEndMiBps() / 1024), TransferStats.bytes(r.wireBytes()),
                        String.format(Locale.ROOT, "%.1f%%", 100.0 * r.zeroPages() / (r.zeroPages() + r.normalPages())),
                        String.format(Locale.ROOT, "%.2f/%.2f", r.sourceCpuSeconds(), r.destinationCpuSeconds()),
                        String.format(Locale.ROOT, "%.2f/%.2f", r.encodeCpuSeconds(), r.decodeCpuSeconds()));
            }
            return t;
        }
        Table t = tcp ? new Table("METHOD", "CHANNELS", "RATIO", "END-TO-END MiB/s", "WIRE", "ZERO PAGES",
                "CODEC CPU s (enc/dec)").rightAligned(1, 2, 3, 4, 5)
                : new Table("METHOD", "CHANNELS", "RATIO", "ENCODE MiB/s", "DECODE MiB/s", "WIRE", "ZERO PAGES",
                "CODEC CPU s (enc/dec)").rightAligned(1, 2, 3, 4, 5, 6);
        for (BenchResult r : results) {
            String cpu = String.format(Locale.ROOT, "%.2f/%.2f", r.encodeCpuSeconds(), r.decodeCpuSeconds());
            String zero = String.format(Locale.ROOT, "%.1f%%", 100.0 * r.zeroPages() / (r.zeroPages() + r.normalPages()));
            if (tcp) {
                t.row(r.label(), r.channels(), f2(r.ratio()), f0(r.endToEndMiBps()), TransferStats.bytes(r.wireBytes()),
                        zero, cpu);
            } else {
                t.row(r.label(), r.channels(), f2(r.ratio()), f0(r.encodeMiBps()), f0(r.decodeMiBps()),
                        TransferStats.bytes(r.wireBytes()), zero, cpu);
            }
        }
        return t;
    }

    private static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String f0(double v) {
        return String.format(Locale.ROOT, "%.0f", v);
    }

    private void writeOutputs(List<BenchResult> results, PrintWriter out) throws MultifdException {
        try {
            if (json != null) {
                Files.writeString(json, json(results), StandardCharsets.UTF_8);
                out.println("multifd bench: figures written to " + json);
            }
            if (!noChart) {
                Files.writeString(chart, BenchChart.svg("multifd bench: ratio vs throughput (" + transport + ", "
                        + TransferStats.bytes(results.isEmpty() ? 0 : results.get(0).imageBytes()) + ")", results),
                        StandardCharsets.UTF_8);
                out.println("multifd bench: chart written to " + chart);
            }
        } catch (IOException e) {
            throw new MultifdException("cannot write the bench output: " + e.getMessage(), e);
        }
    }

    private String json(List<BenchResult> results) {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"image\": ").append(Json.quote(describe)).append(",\n");
        sb.append("  \"transport\": ").append(Json.quote(transport)).append(",\n");
        sb.append("  \"pageSize\": ").append(pageSize).append(",\n");
        sb.append("  \"results\": [");
        for (int i = 0; i < results.size(); i++) {
            BenchResult r = results.get(i);
            sb.append(i == 0 ? "\n" : ",\n").append("    {");
            sb.append("\"method\": ").append(Json.quote(r.method()));
            sb.append(", \"parameters\": {");
            int j = 0;
            for (Map.Entry<String, String> e : r.parameters().entrySet()) {
                sb.append(j++ == 0 ? "" : ", ").append(Json.quote(e.getKey())).append(": ")
                        .append(Json.quote(e.getValue()));
            }
            sb.append("}, \"channels\": ").append(r.channels());
            sb.append(", \"imageBytes\": ").append(r.imageBytes());
            sb.append(", \"wireBytes\": ").append(r.wireBytes());
            sb.append(", \"normalPages\": ").append(r.normalPages());
            sb.append(", \"zeroPages\": ").append(r.zeroPages());
            sb.append(", \"ratio\": ").append(num(r.ratio()));
            sb.append(", \"encodeMiBps\": ").append(num(r.encodeMiBps()));
            sb.append(", \"decodeMiBps\": ").append(num(r.decodeMiBps()));
            sb.append(", \"transport\": ").append(Json.quote(r.transport()));
            sb.append(", \"endToEndMiBps\": ").append(num(r.endToEndMiBps()));
            sb.append(", \"endToEndGiBps\": ").append(num(r.endToEndMiBps() / 1024));
            sb.append(", \"endToEndSeconds\": ").append(num(r.endToEndSeconds()));
            sb.append(", \"sourceCpuSeconds\": ").append(num(r.sourceCpuSeconds()));
            sb.append(", \"destinationCpuSeconds\": ").append(num(r.destinationCpuSeconds()));
            sb.append(", \"destinationMemory\": ").append(Json.quote(r.destinationMemory()));
            sb.append(", \"encodeCpuSeconds\": ").append(num(r.encodeCpuSeconds()));
            sb.append(", \"decodeCpuSeconds\": ").append(num(r.decodeCpuSeconds()));
            sb.append(", \"verified\": true}");
        }
        sb.append("\n  ]\n}\n");
        return sb.toString();
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "null";
    }
}
