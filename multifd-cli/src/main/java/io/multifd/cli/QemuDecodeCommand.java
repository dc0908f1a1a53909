package io.multifd.cli;

import io.multifd.api.MultifdException;
import io.multifd.core.registry.MethodRegistry;
import io.multifd.core.qemu.BlockSummary;
import io.multifd.core.qemu.CaptureDecoder;
import io.multifd.core.qemu.ChannelSummary;
import io.multifd.core.qemu.DecodeResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

/** {@code multifd qemu-decode}: one recorded QEMU migration into one image per RAMBlock. */
@Command(name = "qemu-decode", mixinStandardHelpOptions = true,
        description = {"Decodes a QEMU 10.0 multifd migration recorded as one file per TCP connection "
                + "(CAPTURE_DIR/conn-*.bin). The main channel is found by its QEVM magic and the method by the "
                + "packets' compression flag, so no manifest is needed. Writes one image per RAMBlock and "
                + "OUT_DIR/blocks.json (name, file, size, sha256, normal_pages, zero_pages per block), then prints "
                + "a summary: packets, syncs, bytes on the wire and ratio per channel.",
                "Every rule is checked (init packets, headers, packet numbers, one SYNC per flush marker, every "
                + "page received); on malformed input it exits 1 with one line naming channel, packet and field, "
                + "and leaves no output that looks complete."})
public final class QemuDecodeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RegistryOptions registryOptions;

    @Parameters(index = "0", paramLabel = "CAPTURE_DIR", description = "Folder with the conn-*.bin files.")
    Path captureDir;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "OUT_DIR",
            description = "Where to write the block images and blocks.json (created if missing).")
    Path outDir;

    @Option(names = "--json", description = "Print the result as JSON instead of a table.")
    boolean json;

    @Option(names = "--method", paramLabel = "NAME",
            description = "Decode with this method instead of the one the packets' flag names.")
    String method;

    @Option(names = "--page-size", paramLabel = "BYTES", defaultValue = "4096",
            description = "Target page size unless the stream announces one (default: ${DEFAULT-VALUE}).")
    int pageSize;

    @Option(names = "--uuid", paramLabel = "UUID",
            description = "Require this VM UUID in every init packet (default: the channels must agree).")
    UUID uuid;

    @Option(names = "--stall-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long the main channel and a multifd channel may wait for each other at a sync "
                    + "point (default: ${DEFAULT-VALUE}).")
    long stallSeconds;

    @Mixin
    VerboseOption verbose;

    /** Created by picocli. */
    public QemuDecodeCommand() {
    }

    @Override
    public Integer call() throws MultifdException {
        if (stallSeconds <= 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--stall-timeout must be positive");
        }
        try {
            io.multifd.api.MultifdApi.checkPageSize(pageSize);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--page-size: " + e.getMessage());
        }
        MethodRegistry registry = registryOptions.registry(spec.commandLine());
        CaptureDecoder.MethodLookup lookup = method == null ? CaptureDecoder.MethodLookup.of(registry)
                : CaptureDecoder.MethodLookup.fixed(registry.resolve(method, Map.of(), MethodRegistry.Use.DECODE));
        DecodeResult r = new CaptureDecoder(lookup).pageSize(pageSize).expectedUuid(uuid)
                .stallTimeout(Duration.ofSeconds(stallSeconds)).decodeDirectory(captureDir, outDir);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.print(r.toJson());
        } else {
            print(r, out);
        }
        out.flush();
        return Main.EXIT_OK;
    }

    private void print(DecodeResult r, PrintWriter out) {
        out.printf("capture %s: machine %s, method %s, page size %d, %d multifd channels%n", captureDir,
                r.machineType().orElse("unknown"), r.method().orElse("none needed"), r.pageSize(), r.channels().size());
        out.printf("main    %s: %d bytes, %d sync points (%s)%s%n", r.mainConnection(), r.mainBytes(), r.flushes(),
                r.syncMode().name().toLowerCase(Locale.ROOT).replace('_', ' '),
                r.mainNormalPages() + r.mainZeroPages() == 0 ? ""
                        : ", " + r.mainNormalPages() + " normal and " + r.mainZeroPages() + " zero pages");
        out.println();
        Table t = new Table("CHANNEL", "CONNECTION", "PACKETS", "SYNCS", "NORMAL", "ZERO", "PAYLOAD BYTES",
                "WIRE BYTES", "RATIO").rightAligned(2, 3, 4, 5, 6, 7, 8);
        long packets = 0;
        long syncs = 0;
        long normal = 0;
        long zero = 0;
        long payload = 0;
        long wire = 0;
        for (ChannelSummary c : r.channels()) {
            t.row(c.channel(), c.connection(), c.packets(), c.syncPackets(), c.normalPages(), c.zeroPages(),
                    c.payloadBytes(), c.wireBytes(), ratio(c.ratio()));
            packets += c.packets();
            syncs += c.syncPackets();
            normal += c.normalPages();
            zero += c.zeroPages();
            payload += c.payloadBytes();
            wire += c.wireBytes();
        }
        double totalRatio = wire == 0 ? 0 : (double) (normal + zero) * r.pageSize() / wire;
        t.row("total", "", packets, syncs, normal, zero, payload, wire, ratio(totalRatio));
        t.print(out);
        out.println();
        Table b = new Table("RAMBLOCK", "FILE", "SIZE", "NORMAL", "ZERO", "SHA256").rightAligned(2, 3, 4);
        for (BlockSummary s : r.blocks()) {
            b.row(s.name(), s.file(), s.size(), s.normalPages(), s.zeroPages(), s.sha256());
        }
        b.print(out);
        out.println();
        out.printf("wrote %d images (%s) and %s to %s in %.2f s; %s on the wire, ratio %s%n", r.blocks().size(),
                mib(r.imageBytes()), DecodeResult.BLOCKS_JSON, outDir, r.elapsedNanos() / 1e9,
                mib(r.totalWireBytes()), ratio(r.ratio()));
    }

    private static String ratio(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
