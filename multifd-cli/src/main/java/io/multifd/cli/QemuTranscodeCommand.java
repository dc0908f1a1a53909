package io.multifd.cli;

import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.channel.ChannelStats;
import io.multifd.core.qemu.CaptureDecoder;
import io.multifd.core.qemu.live.MigrationRecorder;
import io.multifd.core.qemu.live.ReceivedMigration;
import io.multifd.core.qemu.live.TranscodeOptions;
import io.multifd.core.qemu.live.TranscodeResult;
import io.multifd.core.qemu.live.Transcoder;
import io.multifd.core.registry.MethodRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code multifd qemu-transcode}: re-encode a received or captured QEMU migration for qemu-send. */
@Command(name = "qemu-transcode", mixinStandardHelpOptions = true,
        description = {"Re-encodes a QEMU 10.0 migration with another method, level, channel count or UUID. SRC_DIR is "
                + "a folder written by qemu-receive, or a capture (conn-*.bin). The pages are re-batched by our own "
                + "channel layer but keep the pass structure: every page of pass k goes before the k-th SYNC of "
                + "every channel, and every channel gets one SYNC per flush marker of the main stream, which is "
                + "copied unchanged.",
                "OUT_DIR receives conn-0.bin (the main channel), conn-1.bin .. conn-N.bin (multifd channels 0..N-1) "
                + "and transcode.json; stream it to a QEMU destination with qemu-send."})
public final class QemuTranscodeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RegistryOptions registryOptions;

    @Parameters(index = "0", paramLabel = "SRC_DIR", description = "A qemu-receive folder or a capture folder.")
    Path source;

    @Option(names = "--method", required = true, paramLabel = "NAME",
            description = "Method of the output (the destination's multifd-compression).")
    String method;

    @Option(names = "--level", paramLabel = "L", description = "Compression level (zlib 0..9, zstd 0..20).")
    Integer level;

    @Option(names = "--param", paramLabel = "NAME=VALUE", description = "Another method parameter.")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--channels", paramLabel = "N",
            description = "Channel count of the output (the destination's multifd-channels; default: the source's).")
    Integer channels;

    @Option(names = "--uuid", paramLabel = "UUID",
            description = "UUID of the output's init packets: the destination's -uuid (default: the source's).")
    UUID uuid;

    @Option(names = "--page-size", paramLabel = "BYTES", defaultValue = "4096",
            description = "Target page size of a capture SRC_DIR (default: ${DEFAULT-VALUE}).")
    int pageSize;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "OUT_DIR", description = "Output folder.")
    Path outDir;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Mixin
    VerboseOption verbose;

    /** Created by picocli. */
    public QemuTranscodeCommand() {
    }

    @Override
    public Integer call() throws MultifdException {
        CommandLine cl = spec.commandLine();
        if (channels != null && (channels < 1 || channels > 255)) {
            throw new CommandLine.ParameterException(cl, "--channels must be 1..255, got " + channels);
        }
        if (!Files.isDirectory(source)) {
            throw new CommandLine.ParameterException(cl, "SRC_DIR " + source + " is not a folder");
        }
        MethodRegistry registry = registryOptions.registry(cl);
        Map<String, String> settings = new LinkedHashMap<>(params);
        if (level != null) {
            settings.put("level", Integer.toString(level));
        }
        ResolvedMethod m = registry.resolve(method, settings, MethodRegistry.Use.ENCODE);
        Transcoder transcoder = new Transcoder(m, new TranscodeOptions(
                channels == null ? OptionalInt.empty() : OptionalInt.of(channels), Optional.ofNullable(uuid)));
        TranscodeResult r;
        if (ReceivedMigration.isRecording(source)) {
            r = transcoder.transcode(ReceivedMigration.open(source), outDir);
        } else {
            Path tmp;
            try {
                tmp = Files.createTempDirectory("multifd-transcode-");
            } catch (IOException e) {
                throw new MultifdException("cannot create a temporary folder: " + e.getMessage(), e);
            }
            try {
                new MigrationRecorder(CaptureDecoder.MethodLookup.of(registry), pageSize, Optional.empty(),
                        Duration.ofSeconds(60)).recordCapture(source, tmp);
                r = transcoder.transcode(ReceivedMigration.open(tmp), outDir);
            } finally {
                deleteTree(tmp);
            }
        }
        PrintWriter out = cl.getOut();
        if (json) {
            out.print(r.toJson());
        } else {
            out.printf("transcoded %s to %s: method %s%s, %d channels, uuid %s, %d sync points, %d pages sent%n",
                    source, outDir, r.method(), r.settings().isEmpty() ? "" : " " + r.settings(), r.channels(),
                    r.uuid(), r.syncPoints(), r.pagesSent());
            Table t = new Table("FILE", "CHANNEL", "PACKETS", "SYNCS", "NORMAL", "ZERO", "WIRE BYTES")
                    .rightAligned(1, 2, 3, 4, 5, 6);
            t.row("conn-0.bin", "main", "", "", "", "", r.mainBytes());
            for (int i = 0; i < r.stats().size(); i++) {
                ChannelStats s = r.stats().get(i);
                t.row("conn-" + (i + 1) + ".bin", i, s.packets(), s.syncPackets(), s.normalPages(), s.zeroPages(),
                        s.wireBytes());
            }
            t.print(out);
            out.printf("%d bytes in %.2f s; send with: multifd qemu-send --connect HOST:PORT %s%n", r.wireBytes(),
                    r.elapsedNanos() / 1e9, outDir);
        }
        out.flush();
        return Main.EXIT_OK;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a leftover temporary file
                }
            });
        } catch (IOException ignored) {
            // a leftover temporary folder
        }
    }
}
