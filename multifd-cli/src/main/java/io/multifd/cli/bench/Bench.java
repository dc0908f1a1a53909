package io.multifd.cli.bench;

import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.engine.DestinationResult;
import io.multifd.core.engine.DestinationSession;
import io.multifd.core.engine.DirtyPages;
import io.multifd.core.engine.EngineOptions;
import io.multifd.core.engine.LocalLink;
import io.multifd.core.engine.ImageSink;
import io.multifd.core.engine.MethodChoice;
import io.multifd.core.engine.Progress;
import io.multifd.core.engine.ReceivePolicy;
import io.multifd.core.engine.SendRequest;
import io.multifd.core.engine.SourceSession;
import io.multifd.core.engine.TcpDestination;
import io.multifd.core.engine.TcpSource;
import io.multifd.core.engine.TransferStats;
import io.multifd.core.image.Block;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.wire.InitPacket;
import io.multifd.core.wire.Wire;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Runs one method over N channels through the real engine and checks the result bit-exact.
 * <ul>
 * <li>In-process: the source writes each channel onto an in-memory tape (timed: encode), then
 * the destination reads the tapes back into a fresh image (timed: decode); the main channel is a
 * {@link LocalLink}. Encode and decode each get the whole machine.</li>
 * <li>TCP: source and destination run at once in this process over loopback connections with
 * the full negotiation (timed end to end).</li>
 * </ul>
 */
public final class Bench {

    /** Shows the progress of a phase until closed. */
    @FunctionalInterface
    public interface ProgressDisplay {
        /**
         * @param label    what runs
         * @param progress its progress
         * @return stops the display
         */
        Runnable show(String label, Supplier<Progress> progress);
    }

    private static final int STORAGE_CHUNK = 1 << 30;

    private final MemoryImage source;
    private final EngineOptions options;
    private final ProgressDisplay display;
    private final List<ByteBuffer> destStorage = new ArrayList<>();
    private final ChunkPool pool = new ChunkPool();

    /**
     * Allocates (and so touches) the destination and the in-process tapes once, before any run is
     * timed: first-touch page faults are expensive on some virtual machines and are not part of
     * what the benchmark measures.
     *
     * @param source  the image to send, one RAMBlock
     * @param options engine settings
     * @param display progress display
     * @param inProcess whether tapes are needed
     */
    public Bench(MemoryImage source, EngineOptions options, ProgressDisplay display, boolean inProcess) {
        if (source.blocks().size() != 1) {
            throw new IllegalArgumentException("the benchmark image has one RAMBlock, not " + source.blocks().size());
        }
        this.source = source;
        this.options = options;
        this.display = display;
        long size = source.totalBytes();
        for (long at = 0; at < size; at += STORAGE_CHUNK) {
            destStorage.add(ByteBuffer.allocateDirect((int) Math.min(STORAGE_CHUNK, size - at)));
        }
        if (inProcess) {
            // the stream of 'none': every non-zero page plus 1344-byte headers per 128 pages
            pool.reserve(size + size / 64 + 2L * ChunkPool.CHUNK);
        }
    }

    /** A zero destination over the reused storage. */
    private MemoryImage freshDestination() {
        ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        for (ByteBuffer b : destStorage) {
            b.clear();
            while (b.hasRemaining()) {
                b.put(zeros.clear().limit(Math.min(zeros.capacity(), b.remaining())));
            }
            b.clear();
        }
        return MemoryImage.wrap(source.pageSize(), source.blocks().get(0).spec(), destStorage, true);
    }

    /**
     * In-process run.
     *
     * @param choice   method and settings
     * @param channels data channels
     * @return the result, verified bit-exact
     * @throws MultifdException when a session fails or the image differs after the round trip
     */
    public BenchResult inProcess(MethodChoice choice, int channels) throws MultifdException {
        ResolvedMethod enc = ResolvedMethod.create(choice.provider(), choice.parameters());
        ResolvedMethod dec = ResolvedMethod.create(choice.provider(), choice.parameters());
        String label = choice.provider().name() + " x" + channels;
        List<Tape> tapes = new ArrayList<>();
        for (int c = 0; c < channels; c++) {
            tapes.add(new Tape(pool));
        }
        LocalLink link = LocalLink.recorded();
        UUID uuid = UUID.randomUUID();
        long t0 = System.nanoTime();
        TransferStats sent;
        try (SourceSession s = SourceSession.start(enc, uuid, source, tapes, link.source(), options)) {
            Runnable stop = display.show(label + " encode", s::progress);
            try {
                s.sendPass(DirtyPages.all());
                sent = s.finish();
            } finally {
                stop.run();
            }
        }
        double encodeSeconds = (System.nanoTime() - t0) / 1e9;
        MemoryImage dest = freshDestination();
        List<ReadableByteChannel> readers = new ArrayList<>();
        for (int c = 0; c < channels; c++) {
            readers.add(new InitCheckingReader(tapes.get(c).reader(), uuid, c));
        }
        long t1 = System.nanoTime();
        TransferStats got;
        try (DestinationSession d = new DestinationSession(dec, source.pageSize(), readers, link.destination(),
                Optional.of(dest), blocks -> dest, options)) {
            Runnable stop = display.show(label + " decode", d::progress);
            try {
                got = d.run();
            } finally {
                stop.run();
            }
        }
        double decodeSeconds = (System.nanoTime() - t1) / 1e9;
        verify(dest, label);
        return result(choice, channels, "inproc", sent, got, encodeSeconds, decodeSeconds, Double.NaN);
    }

    /**
     * Loopback TCP run: both peers in this process, with the negotiation.
     *
     * @param choice   method and settings
     * @param channels data channels
     * @return the result, verified bit-exact
     * @throws MultifdException when a side fails or the image differs after the round trip
     */
    public BenchResult tcp(MethodChoice choice, int channels) throws MultifdException {
        String label = choice.provider().name() + " x" + channels;
        MemoryImage target = freshDestination();
        ImageSink sink = new ImageSink() {
            @Override
            public MemoryImage open(List<BlockSpec> blocks, int pageSize) {
                return target;
            }

            @Override
            public List<Path> commit() {
                return List.of();
            }

            @Override
            public void abandon() {
                // the storage is reused
            }
        };
        try (TcpDestination dest = TcpDestination.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                ReceivePolicy.of(List.of(choice.provider())), options)) {
            CompletableFuture<DestinationResult> received = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    received.complete(dest.receive(sink));
                } catch (Throwable e) {
                    received.completeExceptionally(e);
                }
            }, "bench-destination");
            t.start();
            long t0 = System.nanoTime();
            TransferStats sent;
            try (SourceSession s = TcpSource.connect(dest.localAddress(),
                    new SendRequest(channels, List.of(choice), UUID.randomUUID(), options), source)) {
                Runnable stop = display.show(label + " tcp", s::progress);
                try {
                    s.sendPass(DirtyPages.all());
                    sent = s.finish();
                } finally {
                    stop.run();
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            DestinationResult r = await(received);
            verify(target, label);
            return result(choice, channels, "tcp", sent, r.stats(), Double.NaN, Double.NaN, seconds);
        }
    }

    private static DestinationResult await(CompletableFuture<DestinationResult> f) throws MultifdException {
        try {
            return f.get(10, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof MultifdException m) {
                throw m;
            }
            throw new MultifdException("bench destination failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MultifdException("interrupted", e);
        } catch (TimeoutException e) {
            throw new MultifdException("bench destination did not finish", e);
        }
    }

    private BenchResult result(MethodChoice choice, int channels, String transport, TransferStats sent,
                               TransferStats got, double enc, double dec, double e2e) {
        return new BenchResult(choice.provider().name(), ResolvedSettings.of(choice), channels, transport,
                source.totalBytes(), sent.total().wireBytes(), sent.total().normalPages(), sent.total().zeroPages(),
                enc, dec, e2e, sent.total().codecNanos() / 1e9, got.total().codecNanos() / 1e9, Double.NaN,
                Double.NaN, "prealloc");
    }

    /**
     * @param choice a method choice
     * @return its settings with defaults filled in
     */
    static java.util.Map<String, String> settings(MethodChoice choice) {
        return ResolvedSettings.of(choice);
    }

    /**
     * Untimed in-process loopback TCP transfers of a small generated image, repeated until the JIT
     * has settled: a fixed amount is not enough, because the per-packet code runs once per 128
     * pages and reaches C2's thresholds only after thousands of packets (seen with
     * {@code -XX:+PrintCompilation}: with one 256 MiB warm-up, the whole send path was still being
     * compiled during the timed run, and C2 took a third of the CPU). Settled = two successive
     * rounds in which the compiler threads spent less than 2% of the round's wall time, after at
     * least three rounds, or the time limit.
     *
     * @param pageSize the page size
     * @param bytes    the warm-up image size (one round)
     * @param choice   the method
     * @param channels data channels
     * @param options  engine settings
     * @param limit    the longest warm-up
     * @return a line saying how long it took and whether the JIT settled
     * @throws MultifdException when a warm-up transfer fails
     */
    public static String warmUp(int pageSize, long bytes, MethodChoice choice, int channels, EngineOptions options,
                                java.time.Duration limit) throws MultifdException {
        long size = Math.max(pageSize, bytes / pageSize * pageSize);
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
        long start = System.nanoTime();
        int rounds = 0;
        int quiet = 0;
        try (MemoryImage small = MemoryImage.allocate(pageSize, List.of(new BlockSpec("pc.ram", size)))) {
            GuestImage.fill(small, 12345);
            Bench warm = new Bench(small, options, (label, p) -> () -> { }, false);
            do {
                long jit0 = timed ? jit.getTotalCompilationTime() : 0;
                long t0 = System.nanoTime();
                warm.tcp(choice, channels);
                rounds++;
                long roundMs = (System.nanoTime() - t0) / 1_000_000;
                long jitMs = timed ? jit.getTotalCompilationTime() - jit0 : Long.MAX_VALUE;
                quiet = jitMs * 50 < roundMs ? quiet + 1 : 0;
                if (rounds >= 3 && quiet >= 2) {
                    break;
                }
            } while (System.nanoTime() - start < limit.toNanos());
        }
        return String.format(Locale.ROOT, "JIT warm-up: %d in-process transfers of %d MiB in %.1f s, %s", rounds,
                size >> 20, (System.nanoTime() - start) / 1e9, quiet >= 2 ? "settled"
                        : timed ? "NOT settled (time limit)" : "compilation time not measurable");
    }

    private void verify(MemoryImage dest, String label) throws MultifdException {
        int pageSize = source.pageSize();
        for (Block b : source.blocks()) {
            Block d = dest.block(b.name()).orElseThrow();
            for (long p = 0; p < b.pages(); p++) {
                if (b.readPage(p * pageSize).mismatch(d.readPage(p * pageSize)) != -1) {
                    throw new MultifdException(String.format("bench %s: RAMBlock %s page at offset 0x%X differs after "
                            + "the round trip", label, b.name(), p * pageSize));
                }
            }
        }
    }

    /** The settings a choice resolves to (defaults filled in), for the report. */
    private static final class ResolvedSettings {
        static java.util.Map<String, String> of(MethodChoice c) {
            try {
                return io.multifd.api.MethodSettings.resolve(c.provider().name(), c.provider().parameters(),
                        c.parameters()).asMap();
            } catch (MultifdException e) {
                return c.parameters();
            }
        }
    }

    /** Reads and checks a channel's init packet (TcpDestination does this for sockets), then the rest. */
    private static final class InitCheckingReader implements ReadableByteChannel {
        private final ReadableByteChannel in;
        private final UUID uuid;
        private final int channel;
        private boolean checked;

        InitCheckingReader(ReadableByteChannel in, UUID uuid, int channel) {
            this.in = in;
            this.uuid = uuid;
            this.channel = channel;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            if (!checked) {
                ByteBuffer b = ByteBuffer.allocate(Wire.INIT_PACKET_BYTES);
                while (b.hasRemaining()) {
                    if (in.read(b) < 0) {
                        throw new IOException("tape of channel " + channel + " ends inside its init packet");
                    }
                }
                try {
                    InitPacket init = InitPacket.decode(b.flip(), "tape " + channel);
                    init.validate(uuid, Integer.MAX_VALUE);
                    if (init.channelId() != channel) {
                        throw new IOException("tape " + channel + " carries channel id " + init.channelId());
                    }
                } catch (MultifdException e) {
                    throw new IOException(e.getMessage(), e);
                }
                checked = true;
            }
            return in.read(dst);
        }

        @Override
        public boolean isOpen() {
            return in.isOpen();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
