package io.multifd.cli.mutation;

import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.qemu.BlockSummary;
import io.multifd.core.qemu.CaptureDecoder;
import io.multifd.core.qemu.DecodeResult;
import io.multifd.core.qemu.live.MigrationRecorder;
import io.multifd.core.qemu.live.ReceivedMigration;
import io.multifd.core.qemu.live.TranscodeOptions;
import io.multifd.core.qemu.live.Transcoder;
import io.multifd.core.registry.DiscoveredMethod;
import io.multifd.core.registry.MethodRegistry;
import io.multifd.core.testing.Vectors;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The mutation campaign: mutants of real QEMU captures and of streams our own methods wrote are
 * fed to {@link CaptureDecoder}; every case must end in a {@link MultifdException} whose cause
 * chain holds no unchecked exception or error, or in the unmutated image (or, for mutations of
 * bytes no decoder can check, in some image), within a time bound and without old-generation
 * heap growth beyond a bound; the output folder of a failed case must hold no image and no
 * {@code blocks.json}.
 */
final class Campaign {

    /** Bytes of old-generation heap a single case may add at its peak. */
    static final long HEAP_BOUND = 96L << 20;
    /** Time bound of one case. */
    static final Duration CASE_TIMEOUT = Duration.ofSeconds(60);

    /** Unchecked exceptions of codec libraries that a method may turn into its MultifdException. */
    static final java.util.Set<String> CODEC_EXCEPTIONS = java.util.Set.of("com.github.luben.zstd.ZstdException");

    /** Outcome of one case. */
    enum Outcome { CLEAN_ERROR, CORRECT, UNDETECTABLE_DIFF, FAILURE }

    /**
     * One case's result.
     *
     * @param outcome what happened
     * @param detail  the error message or the failure
     */
    record Result(Outcome outcome, String detail) {
    }

    private final MethodRegistry registry;
    private final Path work;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "mutation-case");
        t.setDaemon(true);
        return t;
    });
    private final List<MemoryPoolMXBean> oldPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP && !p.getName().contains("Eden")
                    && !p.getName().contains("Survivor"))
            .toList();
    private int caseNo;

    Campaign(MethodRegistry registry, Path work) {
        this.registry = registry;
        this.work = work;
    }

    // ------------------------------------------------------------------ seeds

    /** Every capture set whose method is installed, plus our own transcodes of the first one. */
    List<Stream> seeds(boolean transcodes) throws Exception {
        List<Stream> out = new ArrayList<>();
        Path first = null;
        for (Path set : Vectors.sets()) {
            String method = (String) Vectors.manifest(set).get("method");
            boolean ok = registry.find(method).map(DiscoveredMethod::canDecode).orElse(false);
            if (!ok) {
                continue;
            }
            int ps = ((Long) Vectors.manifest(set).get("page_size")).intValue();
            out.add(load(set.getFileName().toString(), method, ps, set));
            if (first == null && "none".equals(method)) {
                first = set;
            }
        }
        if (transcodes && first != null) {
            Path rec = work.resolve("seed-recording");
            new MigrationRecorder(CaptureDecoder.MethodLookup.of(registry), 4096, Optional.empty(),
                    Duration.ofSeconds(30)).recordCapture(first, rec);
            for (String m : List.of("none", "zlib", "zstd", "qpl")) {
                boolean enc = registry.find(m).map(DiscoveredMethod::canEncode).orElse(false)
                        && registry.find(m).map(DiscoveredMethod::canDecode).orElse(false);
                if (!enc) {
                    continue;
                }
                ResolvedMethod rm = registry.resolve(m, Map.of(), MethodRegistry.Use.ENCODE);
                Path dir = work.resolve("seed-ours-" + m);
                new Transcoder(rm, new TranscodeOptions(OptionalInt.of(3), Optional.empty()))
                        .transcode(ReceivedMigration.open(rec), dir);
                out.add(load("ours-" + m + "-3ch", m, 4096, dir));
            }
            deleteTree(rec);
        }
        return out;
    }

    private Stream load(String name, String method, int ps, Path dir) throws Exception {
        List<Path> files;
        try (var s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().matches("conn-.*\\.bin")).sorted().toList();
        }
        List<Stream.Conn> conns = new ArrayList<>();
        Stream.Conn main = null;
        for (Path f : files) {
            byte[] b = Files.readAllBytes(f);
            Stream.Conn c = new Stream.Conn(f.getFileName().toString(), b, List.of());
            if (c.isMain()) {
                main = c;
            } else {
                conns.add(new Stream.Conn(c.name(), b, Stream.packets(b, ps)));
            }
        }
        if (main == null) {
            throw new IllegalStateException("no main channel in " + dir);
        }
        conns.add(0, main);
        Path out = work.resolve("baseline-" + name);
        DecodeResult r = decoder().decode(connections(conns.stream().map(Stream.Conn::name).toList(),
                conns.stream().map(Stream.Conn::bytes).toList()), out);
        Map<String, String> sha = new LinkedHashMap<>();
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (BlockSummary b : r.blocks()) {
            sha.put(b.name(), b.sha256());
            sizes.put(b.name(), b.size());
        }
        deleteTree(out);
        return new Stream(name, method, ps, List.copyOf(conns), sha, sizes);
    }

    private CaptureDecoder decoder() {
        return new CaptureDecoder(CaptureDecoder.MethodLookup.of(registry)).stallTimeout(Duration.ofSeconds(10));
    }

    static List<CaptureDecoder.Connection> connections(List<String> names, List<byte[]> bytes) {
        List<CaptureDecoder.Connection> out = new ArrayList<>();
        for (int i = 0; i < bytes.size(); i++) {
            out.add(new CaptureDecoder.Connection(names.get(i),
                    Channels.newChannel(new ByteArrayInputStream(bytes.get(i)))));
        }
        return out;
    }

    // ------------------------------------------------------------------ one case

    /**
     * Runs one mutant through the decoder and judges it.
     *
     * @param seed   the stream it came from
     * @param mutant the mutant
     * @return the judgement
     */
    Result run(Stream seed, Mutator.Mutant mutant) {
        Path out = work.resolve("case-" + (caseNo++ % 4));
        deleteTree(out);
        long before = oldUsed();
        oldPools.forEach(MemoryPoolMXBean::resetPeakUsage);
        Future<DecodeResult> f = pool.submit(() -> decoder().decode(connections(mutant.names(), mutant.bytes()), out));
        Result r;
        try {
            DecodeResult d = f.get(CASE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Map<String, String> sha = d.blocks().stream()
                    .collect(Collectors.toMap(BlockSummary::name, BlockSummary::sha256, (a, b) -> a, LinkedHashMap::new));
            if (sha.equals(seed.blockSha())) {
                r = new Result(Outcome.CORRECT, "");
            } else if (mutant.diffAllowed()) {
                r = new Result(Outcome.UNDETECTABLE_DIFF, "");
            } else {
                r = new Result(Outcome.FAILURE, "decoded to another image without an error");
            }
        } catch (TimeoutException e) {
            f.cancel(true);
            r = new Result(Outcome.FAILURE, "no result within " + CASE_TIMEOUT.toSeconds() + " s (hang)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            r = new Result(Outcome.FAILURE, "interrupted");
        } catch (ExecutionException e) {
            r = judge(e.getCause(), out);
        }
        long peak = oldPeak() - before;
        if (r.outcome() != Outcome.FAILURE && peak > HEAP_BOUND) {
            r = new Result(Outcome.FAILURE, "old-generation heap grew by " + (peak >> 20) + " MiB (bound "
                    + (HEAP_BOUND >> 20) + " MiB)");
        }
        deleteTree(out);
        return r;
    }

    static Result judge(Throwable t, Path out) {
        if (!(t instanceof MultifdException)) {
            return new Result(Outcome.FAILURE, "not a MultifdException: " + stack(t));
        }
        for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
            // a codec library's own exception, turned into a message by the method, is clean;
            // any other unchecked exception or error reached a safety net
            if (c instanceof Error || (c instanceof RuntimeException && !CODEC_EXCEPTIONS.contains(c.getClass().getName()))) {
                return new Result(Outcome.FAILURE, "MultifdException wrapping " + stack(t));
            }
        }
        String msg = t.getMessage();
        if (msg == null || msg.contains("internal error") || msg.matches("(?s).*method \\S+ recv\\w* threw.*")) {
            return new Result(Outcome.FAILURE, "internal error: " + stack(t));
        }
        try (var s = Files.list(out)) {
            List<String> left = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.equals(DecodeResult.BLOCKS_JSON) || n.endsWith(".img")).toList();
            if (!left.isEmpty()) {
                return new Result(Outcome.FAILURE, "failed decode left complete-looking files " + left + " after: "
                        + t.getMessage());
            }
        } catch (IOException e) {
            // no output folder: nothing was left
        }
        return new Result(Outcome.CLEAN_ERROR, t.getMessage());
    }

    static String stack(Throwable t) {
        var sw = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(sw));
        String s = sw.toString();
        return s.length() > 4000 ? s.substring(0, 4000) : s;
    }

    private long oldUsed() {
        return oldPools.stream().mapToLong(p -> p.getUsage().getUsed()).sum();
    }

    private long oldPeak() {
        return oldPools.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    void close() {
        pool.shutdownNow();
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
