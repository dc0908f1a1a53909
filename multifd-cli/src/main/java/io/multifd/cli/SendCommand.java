package io.multifd.cli;

import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.core.engine.DirtyPages;
import io.multifd.core.engine.EngineOptions;
import io.multifd.core.engine.MethodChoice;
import io.multifd.core.engine.RefusedException;
import io.multifd.core.engine.SendRequest;
import io.multifd.core.engine.SourceSession;
import io.multifd.core.engine.TcpSource;
import io.multifd.core.engine.TransferStats;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.registry.MethodRegistry;
import io.multifd.core.tls.TlsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

/** {@code multifd send}: sends image files to a {@code multifd receive} over N channels. */
@Command(name = "send", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Sends one or more image files (one RAMBlock each, named after the file without its .img "
                + "suffix) to a 'multifd receive' peer over N parallel TCP channels in QEMU's multifd format. "
                + "The peers agree on the method first; the destination verifies every page and answers before "
                + "this command reports success.",
                "",
                "Exit codes: 0 success, 1 transfer failed, 2 usage error, 3 method unavailable or refused by the peer."})
public final class SendCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RegistryOptions registryOptions;

    @Mixin
    TlsOptions tlsOptions;

    @Option(names = "--connect", required = true, paramLabel = "HOST:PORT",
            description = "Where 'multifd receive' listens.")
    String connect;

    @Option(names = "--channels", defaultValue = "2", paramLabel = "N",
            description = "Parallel data channels, 1..255 (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--method", defaultValue = "auto", paramLabel = "M|auto",
            description = "Compression method, a comma list in preference order, or 'auto': every method that "
                    + "encodes here, best first, the destination picking the first it can decode "
                    + "(default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--level", paramLabel = "L",
            description = "Compression level of the method (with auto: of every offered method that accepts it).")
    Integer level;

    @Option(names = "--param", paramLabel = "NAME=VALUE", description = "Another method parameter.")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--page-size", defaultValue = "4096", paramLabel = "BYTES",
            description = "Page size, a power of two 1024..65536 (default: ${DEFAULT-VALUE}).")
    int pageSize;

    @Option(names = "--uuid", paramLabel = "UUID", description = "Transfer UUID (default: random).")
    UUID uuid;

    @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "Fail when a connection makes no progress for this long, e.g. a peer that stopped "
                    + "reading (default: ${DEFAULT-VALUE}; 0 = never).")
    int timeout;

    @Mixin
    ProgressOption progress;

    @Mixin
    VerboseOption verbose;

    @Parameters(arity = "1..*", paramLabel = "IMAGE_FILE", description = "The image files, one RAMBlock each.")
    List<Path> files;

    /** Created by picocli. */
    public SendCommand() {
    }

    @Override
    public Integer call() throws MultifdException {
        CommandLine cl = spec.commandLine();
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        InetSocketAddress address = HostPort.parse(cl, "--connect", connect, false);
        checkRange(cl, "--channels", channels, 1, 255);
        checkPageSize(cl, pageSize);
        ProgressReporter.Mode mode = progress.mode(cl);
        if (timeout < 0) {
            throw new CommandLine.ParameterException(cl, "--timeout " + timeout + " must be 0 or more");
        }
        MethodRegistry registry = registryOptions.registry(cl);
        List<MethodChoice> choices = MethodChoices.resolve(cl, registry, method, level, params,
                MethodRegistry.Use.ENCODE);
        Map<BlockSpec, Path> blocks = blocks(cl, files, pageSize);
        EngineOptions options = EngineOptions.DEFAULTS.withIoTimeout(Duration.ofSeconds(timeout));
        Optional<TlsConfig.Context> tls = tlsOptions.context(cl);
        SendRequest request = new SendRequest(channels, choices, uuid == null ? UUID.randomUUID() : uuid, options);
        MemoryImage image;
        try {
            image = MemoryImage.mapForSending(pageSize, blocks);
        } catch (UncheckedIOException e) {
            throw new MultifdException(e.getMessage(), e);
        }
        try (image) {
            out.printf("multifd send: %s in %d RAMBlock%s to %s over %d channel%s, offering %s%n",
                    TransferStats.bytes(image.totalBytes()), blocks.size(), blocks.size() == 1 ? "" : "s", connect,
                    channels, channels == 1 ? "" : "s",
                    choices.stream().map(c -> c.provider().name() + (c.parameters().isEmpty() ? "" : c.parameters()))
                            .toList());
            out.flush();
            TransferStats stats;
            try (SourceSession s = TcpSource.connect(address, request, image, tls)) {
                out.println("multifd send: the destination chose " + s.method() + "; transfer " + s.uuid());
                out.flush();
                ProgressReporter p = new ProgressReporter("send", s::progress, mode, err, pageSize, 2000);
                try {
                    s.sendPass(DirtyPages.all());
                    stats = s.finish();
                } finally {
                    p.close();
                }
            } catch (RefusedException e) {
                err.println("multifd send: " + e.getMessage());
                err.flush();
                return Main.EXIT_UNAVAILABLE;
            }
            out.println(stats.table());
            out.println("multifd send: done: " + stats.peerSummary());
            out.flush();
        }
        return Main.EXIT_OK;
    }

    static Map<BlockSpec, Path> blocks(CommandLine cl, List<Path> files, int pageSize) {
        Map<BlockSpec, Path> blocks = new LinkedHashMap<>();
        Map<String, Path> names = new LinkedHashMap<>();
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new CommandLine.ParameterException(cl, f + " is not a file");
            }
            long size;
            try {
                size = Files.size(f);
            } catch (IOException e) {
                throw new CommandLine.ParameterException(cl, "cannot read " + f + ": " + e.getMessage());
            }
            if (size == 0 || size % pageSize != 0) {
                throw new CommandLine.ParameterException(cl, f + " has " + size + " bytes, which is not a positive "
                        + "multiple of the page size " + pageSize);
            }
            String name = f.getFileName().toString();
            if (name.endsWith(".img") && name.length() > 4) {
                name = name.substring(0, name.length() - 4);
            }
            Path before = names.put(name, f);
            if (before != null) {
                throw new CommandLine.ParameterException(cl, f + " and " + before + " would both be RAMBlock " + name);
            }
            try {
                blocks.put(new BlockSpec(name, size), f);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cl, f + ": " + e.getMessage());
            }
        }
        return blocks;
    }

    static void checkRange(CommandLine cl, String option, int v, int min, int max) {
        if (v < min || v > max) {
            throw new CommandLine.ParameterException(cl, option + " " + v + " is outside " + min + ".." + max);
        }
    }

    static void checkPageSize(CommandLine cl, int pageSize) {
        try {
            MultifdApi.checkPageSize(pageSize);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "--page-size: " + e.getMessage());
        }
    }

}
