package io.multifd.cli;

import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.qemu.BlockSummary;
import io.multifd.core.qemu.DecodeResult;
import io.multifd.core.qemu.live.QemuReceiver;
import io.multifd.core.qemu.live.ReceiveOptions;
import io.multifd.core.qemu.live.ReceivedMigration;
import io.multifd.core.qemu.live.RecordingResult;
import io.multifd.core.registry.MethodRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;

/** {@code multifd qemu-receive}: be the destination of a live QEMU multifd migration. */
@Command(name = "qemu-receive", mixinStandardHelpOptions = true,
        description = {"Receives a live QEMU 10.0 multifd migration, as a QEMU destination started with "
                + "'-incoming tcp:HOST:PORT' and multifd-channels=N, multifd-compression=METHOD would. Accepts the "
                + "main connection and the N multifd connections in any order, checks every init packet, decodes "
                + "one channel per thread with the sync barrier, and writes into OUT_DIR: main.bin (the main "
                + "channel as received), one image per RAMBlock, blocks.json (name, file, size, sha256, "
                + "normal_pages, zero_pages) and channels/ (each channel's packet sequence, for qemu-transcode).",
                "Exits 0 only when the source finished the migration (the main stream ended properly and every "
                + "channel closed at a packet boundary). Otherwise it exits 1 with one line naming channel, packet "
                + "and field, OUT_DIR/INCOMPLETE says why, and it never hangs: every error, silence or deadline "
                + "stops every thread."})
public final class QemuReceiveCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RegistryOptions registryOptions;

    @Mixin
    TlsOptions tlsOptions;

    @Option(names = "--listen", required = true, paramLabel = "HOST:PORT",
            description = "Address to listen on, as in the source's 'migrate tcp:HOST:PORT' (port 0: any free port, "
                    + "printed and written to --port-file).")
    String listen;

    @Option(names = "--channels", required = true, paramLabel = "N",
            description = "The source's multifd-channels.")
    int channels;

    @Option(names = "--method", required = true, paramLabel = "NAME",
            description = "The source's multifd-compression: none, zlib, zstd, qpl, or an installed method.")
    String method;

    @Option(names = "--page-size", paramLabel = "BYTES", defaultValue = "4096",
            description = "Target page size (default: ${DEFAULT-VALUE}).")
    int pageSize;

    @Option(names = "--uuid", paramLabel = "UUID",
            description = "Require this UUID in every init packet, as a destination started with -uuid does "
                    + "(default: the channels must agree with each other).")
    UUID uuid;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "OUT_DIR",
            description = "Where to write the recorded migration (created if missing).")
    Path outDir;

    @Option(names = "--accept-timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "How long to wait for all N+1 connections (default: ${DEFAULT-VALUE}).")
    long acceptSeconds;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "Fail when no byte arrives on any connection for this long, or a channel waits this long "
                    + "at a sync point (default: ${DEFAULT-VALUE}).")
    long idleSeconds;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "0",
            description = "Fail when the whole migration takes longer (default: no limit).")
    long timeoutSeconds;

    @Option(names = "--port-file", paramLabel = "FILE",
            description = "Write the listening port to this file once listening (for scripts and tests).")
    Path portFile;

    @Option(names = "--json", description = "Print the result as JSON instead of a table.")
    boolean json;

    @Mixin
    VerboseOption verbose;

    /** Created by picocli. */
    public QemuReceiveCommand() {
    }

    @Override
    public Integer call() throws MultifdException {
        CommandLine cl = spec.commandLine();
        InetSocketAddress address = HostPort.parse(cl, "--listen", listen, true);
        if (channels < 1 || channels > 255) {
            throw new CommandLine.ParameterException(cl, "--channels must be 1..255, got " + channels);
        }
        if (acceptSeconds <= 0 || idleSeconds <= 0 || timeoutSeconds < 0) {
            throw new CommandLine.ParameterException(cl, "--accept-timeout and --idle-timeout must be positive, "
                    + "--timeout positive or 0");
        }
        try {
            MultifdApi.checkPageSize(pageSize);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "--page-size: " + e.getMessage());
        }
        MethodRegistry registry = registryOptions.registry(cl);
        ResolvedMethod m = registry.resolve(method, Map.of(), MethodRegistry.Use.DECODE);
        Optional<Instant> deadline = timeoutSeconds == 0 ? Optional.empty()
                : Optional.of(Instant.now().plusSeconds(timeoutSeconds));
        ReceiveOptions options = new ReceiveOptions(address, channels, pageSize, Optional.ofNullable(uuid), outDir,
                Duration.ofSeconds(acceptSeconds), Duration.ofSeconds(idleSeconds), deadline);
        PrintWriter out = cl.getOut();
        try (QemuReceiver receiver = new QemuReceiver(m, options, tlsOptions.context(cl))) {
            InetSocketAddress bound = receiver.bind();
            if (portFile != null) {
                writePortFile(bound.getPort());
            }
            if (!json) {
                out.printf("listening on %s:%d for the main channel and %d multifd channels (method %s)%n",
                        bound.getAddress().getHostAddress(), bound.getPort(), channels, m.name());
                out.flush();
            }
            RecordingResult r = receiver.receive();
            if (json) {
                out.print(r.toJson());
            } else {
                print(r, out);
            }
            out.flush();
            return Main.EXIT_OK;
        }
    }

    private void writePortFile(int port) throws MultifdException {
        try {
            Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
            Files.writeString(tmp, port + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, portFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new MultifdException("cannot write the port file " + portFile + ": " + e.getMessage(), e);
        }
    }

    private void print(RecordingResult r, PrintWriter out) {
        DecodeResult d = r.decode();
        out.printf("received: machine %s, method %s, %d multifd channels, uuid %s, %d sync points (%s)%n",
                d.machineType().orElse("unknown"), d.method().orElse("none"), d.channels().size(), r.uuid(),
                d.flushes(), d.syncMode().name().toLowerCase(Locale.ROOT).replace('_', ' '));
        Table t = new Table("CHANNEL", "PACKETS", "SYNCS", "NORMAL", "ZERO", "WIRE BYTES").rightAligned(0, 1, 2, 3, 4, 5);
        d.channels().forEach(c -> t.row(c.channel(), c.packets(), c.syncPackets(), c.normalPages(), c.zeroPages(),
                c.wireBytes()));
        t.print(out);
        Table b = new Table("RAMBLOCK", "FILE", "SIZE", "NORMAL", "ZERO", "SHA256").rightAligned(2, 3, 4);
        Map<String, BlockSummary> blocks = new LinkedHashMap<>();
        d.blocks().forEach(s -> blocks.put(s.name(), s));
        blocks.values().forEach(s -> b.row(s.name(), s.file(), s.size(), s.normalPages(), s.zeroPages(), s.sha256()));
        b.print(out);
        out.printf("%d pages received for %d pages of RAM (%.2f per page), %d bytes on the wire, in %.2f s; wrote %s, "
                        + "%s, %s/ and %s to %s%n", r.pagesReceived(), r.pagesInImage(),
                r.pagesInImage() == 0 ? 0.0 : (double) r.pagesReceived() / r.pagesInImage(), d.totalWireBytes(),
                r.elapsedNanos() / 1e9, ReceivedMigration.MAIN_BIN, DecodeResult.BLOCKS_JSON,
                ReceivedMigration.CHANNELS_DIR, "the block images", outDir);
    }
}
