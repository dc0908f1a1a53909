package io.multifd.cli;

import io.multifd.api.MultifdException;
import io.multifd.cli.bench.Bench;
import io.multifd.cli.bench.TwoProcess;
import io.multifd.core.engine.DestinationResult;
import io.multifd.core.engine.EngineOptions;
import io.multifd.core.engine.ImageSink;
import io.multifd.core.engine.MethodChoice;
import io.multifd.core.engine.ReceivePolicy;
import io.multifd.core.engine.TcpDestination;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.registry.MethodRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.io.InputStreamReader;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code multifd bench-destination}: the destination process of {@code bench --transport jvm2},
 * started by the source's JVM (hidden from the help). Prints {@code READY port=N} when it
 * listens, and {@code RESULT crc32c=... cpu=... codec=...} after the transfer.
 */
@Command(name = "bench-destination", hidden = true, mixinStandardHelpOptions = true,
        description = "The destination JVM of 'bench --transport jvm2' (started by bench).")
public final class BenchDestinationCommand implements Callable<Integer> {

    private static final int CHUNK = 1 << 30;

    @Spec
    CommandSpec spec;

    @Mixin
    RegistryOptions registryOptions;

    @Option(names = "--bytes", required = true, description = "Image size in bytes.")
    long bytes;

    @Option(names = "--page-size", defaultValue = "4096", description = "Page size.")
    int pageSize;

    @Option(names = "--channels", defaultValue = "2", description = "Channels of the warm-up transfer.")
    int channels;

    @Option(names = "--prealloc", description = "Allocate and touch the destination memory before the transfer.")
    boolean prealloc;

    @Option(names = "--cold", description = "Map fresh memory when the transfer starts; it faults in as pages arrive.")
    boolean cold;

    @Option(names = "--warmup", defaultValue = "0", description = "Bytes of each untimed warm-up transfer.")
    long warmup;

    @Option(names = "--warmup-limit", defaultValue = "30", description = "Longest warm-up, in seconds.")
    double warmupLimit;

    @Option(names = "--methods", defaultValue = "none", description = "The method to accept.")
    String methods;

    @Option(names = "--level", description = "Compression level.")
    Integer level;

    @Option(names = "--param", description = "Another method parameter.")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--port", defaultValue = "0", description = "Port to listen on (0: any).")
    int port;

    /** Created by picocli. */
    public BenchDestinationCommand() {
    }

    @Override
    public Integer call() throws MultifdException, IOException {
        CommandLine cl = spec.commandLine();
        PrintWriter out = cl.getOut();
        if (prealloc == cold) {
            throw new CommandLine.ParameterException(cl, "give exactly one of --prealloc and --cold");
        }
        MethodRegistry registry = registryOptions.registry(cl);
        List<MethodChoice> choices = MethodChoices.resolve(cl, registry, methods, level, params,
                MethodRegistry.Use.BOTH);
        MethodChoice choice = choices.get(0);
        EngineOptions options = EngineOptions.DEFAULTS.withIoTimeout(Duration.ofSeconds(60));
        List<ByteBuffer> storage = new ArrayList<>();
        if (prealloc) {
            for (long at = 0; at < bytes; at += CHUNK) {
                storage.add(ByteBuffer.allocateDirect((int) Math.min(CHUNK, bytes - at)));
            }
        }
        if (warmup > 0) {
            cl.getErr().println("multifd bench: destination " + Bench.warmUp(pageSize, warmup, choice, channels,
                    options, java.time.Duration.ofMillis((long) (warmupLimit * 1000))));
            cl.getErr().flush();
        }
        // the source warms up too; it says GO when it is ready to send at once, so that the memory
        // touched below is not left idle again (on some VMs idle memory is slow to touch: host faults)
        TwoProcess.settleAfterWarmUp();
        out.println("WARM");
        out.flush();
        String go = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (!"GO".equals(go)) {
            throw new MultifdException("bench destination: expected GO from the source on standard input, got "
                    + (go == null ? "end of input" : "'" + go + "'"));
        }
        if (prealloc) {
            touch(storage);
        }
        MemoryImage[] opened = new MemoryImage[1];
        List<Path> files = new ArrayList<>();
        ImageSink sink = new ImageSink() {
            @Override
            public MemoryImage open(List<BlockSpec> blocks, int ps) throws MultifdException {
                if (blocks.size() != 1 || blocks.get(0).size() != bytes) {
                    throw new MultifdException("bench destination expects one RAMBlock of " + bytes + " bytes, got "
                            + blocks);
                }
                if (prealloc) {
                    opened[0] = MemoryImage.wrap(ps, blocks.get(0), storage, true);
                } else {
                    Path dir = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm")
                            : Path.of(System.getProperty("java.io.tmpdir"));
                    Path f = dir.resolve("multifd-bench-" + ProcessHandle.current().pid() + ".ram");
                    files.add(f);
                    opened[0] = MemoryImage.mapFiles(ps, Map.of(blocks.get(0), f), true);
                }
                return opened[0];
            }

            @Override
            public List<Path> commit() {
                return List.of();
            }

            @Override
            public void abandon() {
                // cleaned up below
            }
        };
        try (TcpDestination dest = TcpDestination.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                ReceivePolicy.of(List.of(choice.provider())), options)) {
            out.println("READY port=" + dest.localAddress().getPort());
            out.flush();
            double cpu0 = TwoProcess.processCpuSeconds();
            DestinationResult r = dest.receive(sink);
            double cpu = TwoProcess.processCpuSeconds() - cpu0;
            long crc = TwoProcess.checksum(opened[0]);
            out.println(String.format(Locale.ROOT, "RESULT crc32c=%d cpu=%.3f codec=%.3f pages=%d", crc, cpu,
                    r.stats().total().codecNanos() / 1e9, r.stats().total().normalPages()));
            out.flush();
        } finally {
            if (opened[0] != null) {
                opened[0].close();
            }
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        }
        return Main.EXIT_OK;
    }

    private static void touch(List<ByteBuffer> storage) {
        for (ByteBuffer b : storage) {
            for (int i = 0; i < b.capacity(); i += 4096) {
                b.put(i, (byte) 0);
            }
        }
    }
}
