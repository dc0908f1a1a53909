package io.multifd.core.qemu;

import io.multifd.api.MethodFlag;
import io.multifd.api.MultifdException;
import io.multifd.api.PacketFlags;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.channel.ChannelReceiver;
import io.multifd.core.channel.ChannelStats;
import io.multifd.core.channel.PacketNumbers;
import io.multifd.core.channel.SyncBarrier;
import io.multifd.core.image.Block;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.registry.MethodRegistry;
import io.multifd.core.wire.InitPacket;
import io.multifd.core.wire.RamHeader;
import io.multifd.core.wire.Wire;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Decodes one QEMU migration, recorded (one file per TCP connection) or live (the accepted
 * connections), into one image file per RAMBlock, the way a QEMU 10.0 destination would load it,
 * and checks more than QEMU does.
 *
 * <h2>Steps</h2>
 * <ol>
 * <li>Every connection is classified by its first 4 bytes: {@code QEVM} is the main channel
 * (exactly one), anything else a multifd channel (names are irrelevant).</li>
 * <li>The 64-byte init packet of every multifd channel is read: magic and version, the same UUID
 * on every channel (or the expected one), channel ids exactly {@code 0..N-1}, each once.</li>
 * <li>The main stream is read until it announces the RAMBlocks (and the page size, when it
 * carries {@code target-page-bits}).</li>
 * <li>The method: unless a {@link MethodLookup#fixed fixed} one was given (as a live destination
 * has), the packets of the channels are peeked until one lists pages, and its compression field
 * is looked up (a capture needs no manifest). Packets that list only zero pages carry the
 * method's flag too. Every later packet must carry the same flag.</li>
 * <li>One file per block is created in the output folder as {@code <file>.partial}, sparse, and
 * mapped; one thread per multifd channel decodes its packets ({@link ChannelReceiver}: every
 * header check, {@code packet_num} increasing per channel and unique across channels) while the
 * calling thread reads the main stream; the {@link SyncBarrier} orders them at every flush
 * marker; pages sent on the main channel are applied too.</li>
 * <li>After the main stream ended ({@code QEMU_VM_EOF} and the end of the connection) and every
 * channel ended at a packet boundary: every channel sent one SYNC per flush marker, and every
 * page of every block was received at least once (as a normal or zero page). The one exception:
 * when the stream announces {@code x-ignore-shared}, a block that received no page at all is
 * taken as a shared block QEMU does not send (logged, its image stays zero).</li>
 * <li>Then, and only then, the images are renamed to their final names and
 * {@value DecodeResult#BLOCKS_JSON} is written (per block: name, file, size, sha256,
 * normal_pages, zero_pages). A failed decode deletes its partial files and leaves no
 * {@value DecodeResult#BLOCKS_JSON}.</li>
 * </ol>
 * Any failure (malformed input, a failing method, a truncated connection) fails the barrier,
 * closes every connection so that all threads stop within bounded time, and surfaces as the
 * <b>first</b> {@link MultifdException}, naming channel, packet and field.
 *
 * <p>A decoder is configured with its setters and may then run several decodes, one at a time.
 *
 * @since 0.1
 */
public final class CaptureDecoder {

    /** Files of a capture folder, one per TCP connection. */
    public static final String CAPTURE_GLOB = "conn-*.bin";

    private static final System.Logger LOG = System.getLogger("io.multifd.core.qemu");
    private static final int MAX_PEEK_PACKETS = 256;
    private static final long JOIN_AFTER_FAILURE_NANOS = TimeUnit.SECONDS.toNanos(10);

    /**
     * One connection of a migration.
     *
     * @param name    a name for messages and summaries (file name or peer address)
     * @param channel the bytes, from the connection's first byte
     */
    public record Connection(String name, ReadableByteChannel channel) {

        /**
         * Checks arguments.
         *
         * @param name    name
         * @param channel channel
         */
        public Connection {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(channel, "channel");
        }
    }

    /** Finds the method that decodes the packets of a wire flag. */
    @FunctionalInterface
    public interface MethodLookup {

        /**
         * The method for a flag.
         *
         * @param flag the compression field of the first packet that lists pages
         * @return the method, ready to decode
         * @throws MultifdException when no such method is installed or it cannot decode here
         */
        ResolvedMethod forFlag(MethodFlag flag) throws MultifdException;

        /**
         * Looks flags up in a registry, with the method's default settings.
         *
         * @param registry the registry
         * @return the lookup
         */
        static MethodLookup of(MethodRegistry registry) {
            return flag -> registry.resolve(flag, Map.of(), MethodRegistry.Use.DECODE);
        }

        /**
         * Always the given method (as a QEMU destination uses its configured one); a packet with
         * another compression field then fails its channel.
         *
         * @param method the method
         * @return the lookup
         */
        static MethodLookup fixed(ResolvedMethod method) {
            return new FixedMethod(Objects.requireNonNull(method, "method"));
        }
    }

    /** A lookup that needs no peeking: the method is known before the first packet. */
    private record FixedMethod(ResolvedMethod method) implements MethodLookup {
        @Override
        public ResolvedMethod forFlag(MethodFlag flag) {
            return method;
        }
    }

    private final MethodLookup lookup;
    private int pageSize = 4096;
    private Duration stallTimeout = Duration.ofSeconds(60);
    private UUID expectedUuid;
    private WritableByteChannel mainSink;

    /**
     * A decoder.
     *
     * @param lookup how to find the method from the packets' flag
     */
    public CaptureDecoder(MethodLookup lookup) {
        this.lookup = Objects.requireNonNull(lookup, "lookup");
    }

    /**
     * Sets the target page size (default 4096); a {@code target-page-bits} subsection of the
     * main stream overrides it.
     *
     * @param pageSize the page size
     * @return this
     */
    public CaptureDecoder pageSize(int pageSize) {
        this.pageSize = io.multifd.api.MultifdApi.checkPageSize(pageSize);
        return this;
    }

    /**
     * Sets how long the main stream and a channel may wait for each other at a sync point
     * (default 60 s).
     *
     * @param timeout the stall timeout
     * @return this
     */
    public CaptureDecoder stallTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("stall timeout must be positive: " + timeout);
        }
        this.stallTimeout = timeout;
        return this;
    }

    /**
     * Requires this UUID in every init packet (QEMU's {@code -uuid} of the destination); by
     * default the channels must only agree with each other.
     *
     * @param uuid the UUID, or null for "the channels agree"
     * @return this
     */
    public CaptureDecoder expectedUuid(UUID uuid) {
        this.expectedUuid = uuid;
        return this;
    }

    /**
     * Copies every byte of the main connection to a sink as it is read (to store it).
     *
     * @param sink the sink, or null
     * @return this
     */
    public CaptureDecoder mainSink(WritableByteChannel sink) {
        this.mainSink = sink;
        return this;
    }

    // ------------------------------------------------------------------ entry points

    /**
     * Decodes the {@value #CAPTURE_GLOB} files of a capture folder.
     *
     * @param captureDir the folder
     * @param outDir     where to write the images and {@value DecodeResult#BLOCKS_JSON}
     * @return what was decoded
     * @throws MultifdException when the folder has no capture, or for any malformed input
     */
    public DecodeResult decodeDirectory(Path captureDir, Path outDir) throws MultifdException {
        if (!Files.isDirectory(captureDir)) {
            throw new MultifdException("capture folder " + captureDir + " does not exist or is not a folder");
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(captureDir, CAPTURE_GLOB)) {
            for (Path p : ds) {
                if (Files.isRegularFile(p)) {
                    files.add(p);
                }
            }
        } catch (IOException e) {
            throw new MultifdException("cannot list the capture folder " + captureDir + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new MultifdException("capture folder " + captureDir + " has no " + CAPTURE_GLOB + " files");
        }
        files.sort(null);
        List<Connection> connections = new ArrayList<>();
        try {
            for (Path f : files) {
                connections.add(new Connection(f.getFileName().toString(), FileChannel.open(f, StandardOpenOption.READ)));
            }
        } catch (IOException e) {
            closeAll(connections);
            throw new MultifdException("cannot open the capture file: " + e.getMessage(), e);
        }
        return decode(connections, outDir);
    }

    /**
     * Decodes one migration from its connections. The decoder takes the connections over and
     * closes them all before it returns.
     *
     * @param connections the main connection and the multifd connections, in any order
     * @param outDir      where to write the images and {@value DecodeResult#BLOCKS_JSON}
     * @return what was decoded
     * @throws MultifdException the first failure, naming channel, packet and field
     */
    public DecodeResult decode(List<Connection> connections, Path outDir) throws MultifdException {
        try {
            return new Run(List.copyOf(connections), outDir).run();
        } finally {
            closeAll(connections);
        }
    }

    private static void closeAll(List<Connection> connections) {
        for (Connection c : connections) {
            try {
                c.channel().close();
            } catch (IOException ignored) {
                // nothing more can be done; the decode result does not depend on it
            }
        }
    }

    // ------------------------------------------------------------------ one decode

    /** A connection with the bytes read from it so far (classification, init packet, peeking). */
    private static final class Peeked {
        final Connection connection;
        byte[] bytes = new byte[4096];
        int length;
        InitPacket init;

        Peeked(Connection connection) {
            this.connection = connection;
        }

        /** Reads until {@code n} bytes were read in total; false when the connection ends first. */
        boolean fill(int n) throws MultifdException {
            if (bytes.length < n) {
                bytes = Arrays.copyOf(bytes, Math.max(n, bytes.length * 2));
            }
            ByteBuffer b = ByteBuffer.wrap(bytes, length, n - length);
            try {
                while (b.hasRemaining()) {
                    int r = connection.channel().read(b);
                    if (r < 0) {
                        break;
                    }
                }
            } catch (IOException e) {
                throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, null,
                        "connection " + connection.name() + " failed while reading: " + e.getMessage(), e);
            }
            length = b.position();
            return length >= n;
        }

        int be32(int at) {
            return ByteBuffer.wrap(bytes).getInt(at);
        }

        ReadableByteChannel replay() {
            return new PrefixedChannel(bytes, length, connection.channel());
        }

        String name() {
            return connection.name();
        }
    }

    private final class Run implements MainStreamReader.Listener {
        private final List<Connection> connections;
        private final Path outDir;
        private final AtomicReference<MultifdException> failure = new AtomicReference<>();
        private final List<Path> partials = new ArrayList<>();
        private MemoryImage image;
        private SyncBarrier barrier;
        private long[] mainNormal;
        private long[] mainZero;

        Run(List<Connection> connections, Path outDir) {
            this.connections = connections;
            this.outDir = outDir;
        }

        DecodeResult run() throws MultifdException {
            long t0 = System.nanoTime();
            if (connections.isEmpty()) {
                throw new MultifdException("no connections to decode");
            }
            boolean done = false;
            try {
                DecodeResult r = decode(t0);
                done = true;
                return r;
            } finally {
                if (!done) {
                    if (image != null) {
                        image.close();
                    }
                    for (Path p : partials) {
                        try {
                            Files.deleteIfExists(p);
                        } catch (IOException ignored) {
                            // a leftover .partial file still does not look complete
                        }
                    }
                }
            }
        }

        private DecodeResult decode(long t0) throws MultifdException {
            // 1. classify by the first 4 bytes
            Peeked main = null;
            List<Peeked> multifd = new ArrayList<>();
            for (Connection c : connections) {
                Peeked p = new Peeked(c);
                boolean four = p.fill(4);
                if (four && p.be32(0) == MainStreamReader.FILE_MAGIC) {
                    if (main != null) {
                        throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET,
                                "magic", "two connections start with QEVM (the main channel's magic): " + main.name()
                                + " and " + p.name(), null);
                    }
                    main = p;
                } else {
                    multifd.add(p);
                }
            }
            if (main == null) {
                throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, "magic",
                        "none of the " + connections.size() + " connections starts with QEVM (0x5145564D), so there "
                        + "is no main channel: " + connections.stream().map(Connection::name).toList(), null);
            }

            // 2. init packets
            Map<Integer, Peeked> byId = checkInitPackets(multifd);

            // 3. main stream until the blocks
            MainStreamReader reader = new MainStreamReader(main.replay(), main.name(), pageSize, this, mainSink);
            List<BlockSpec> specs = reader.readUntilBlocks();
            int ps = reader.pageSize();

            // 4. method
            ResolvedMethod method = null;
            if (lookup instanceof FixedMethod fixed) {
                method = fixed.method();
            } else if (!byId.isEmpty()) {
                MethodFlag flag = detectFlag(multifd, ps);
                method = lookup.forFlag(flag == null ? MethodFlag.NONE : flag);
            }

            // 5. output files
            Map<BlockSpec, String> names = fileNames(specs);
            image = createImage(ps, names);
            mainNormal = new long[specs.size()];
            mainZero = new long[specs.size()];

            // 6. channel threads and the main stream
            int n = byId.size();
            barrier = new SyncBarrier(n, stallTimeout.toNanos(), TimeUnit.NANOSECONDS);
            PacketNumbers numbers = new PacketNumbers();
            List<ChannelRun> runs = new ArrayList<>();
            for (int id = 0; id < n; id++) {
                Peeked p = byId.get(id);
                ChannelReceiver rx = new ChannelReceiver(method, ps, p.replay(), p.name(), numbers);
                runs.add(new ChannelRun(id, rx, specs.size()));
            }
            for (ChannelRun r : runs) {
                r.thread.start();
            }
            try {
                reader.readToEnd();
                barrier.mainEnded();
            } catch (MultifdException e) {
                fail(e);
            } catch (RuntimeException e) {
                fail(new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, null,
                        "internal error while reading the main channel " + main.name() + ": " + e, e));
            }
            joinAll(runs);
            MultifdException first = failure.get();
            if (first != null) {
                throw first;
            }

            // 7. completeness
            barrier.checkComplete();
            boolean ignoreShared = reader.capabilities().contains("x-ignore-shared");
            for (Block b : image.blocks()) {
                long missing = b.firstMissing();
                if (missing >= 0 && ignoreShared && b.receivedPages() == 0) {
                    LOG.log(System.Logger.Level.WARNING, "RAMBlock {0} received no page: with x-ignore-shared, "
                            + "QEMU announces shared blocks it never sends; its image is all zero", b.name());
                    continue;
                }
                if (missing >= 0) {
                    throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, "pages",
                            String.format("RAMBlock %s: the page at offset 0x%X was never received (neither as a "
                                    + "normal nor as a zero page); %d of %d pages arrived", b.name(), missing,
                                    b.receivedPages(), b.pages()), null);
                }
            }

            // 8. results, then the final names
            List<BlockSummary> blocks = new ArrayList<>();
            for (Block b : image.blocks()) {
                long normal = mainNormal[b.index()];
                long zero = mainZero[b.index()];
                for (ChannelRun r : runs) {
                    normal += r.normal[b.index()];
                    zero += r.zero[b.index()];
                }
                blocks.add(new BlockSummary(b.name(), names.get(b.spec()), b.size(), sha256(b), normal, zero));
            }
            List<ChannelSummary> channels = new ArrayList<>();
            for (ChannelRun r : runs) {
                ChannelStats s = r.rx.stats();
                channels.add(new ChannelSummary(r.id, r.rx.connection(), s.packets(), s.syncPackets(), s.normalPages(),
                        s.zeroPages(), s.payloadBytes(), s.wireBytes(), ps));
            }
            image.close();
            DecodeResult result = new DecodeResult(outDir, reader.machineType(),
                    Optional.ofNullable(method).map(ResolvedMethod::name), ps, main.name(), reader.position(),
                    reader.flushes(), reader.syncMode(), reader.normalPages(), reader.zeroPages(), channels, blocks,
                    System.nanoTime() - t0);
            publish(result);
            return result;
        }

        private Map<Integer, Peeked> checkInitPackets(List<Peeked> multifd) throws MultifdException {
            int n = multifd.size();
            Peeked first = null;
            Map<Integer, Peeked> byId = new HashMap<>();
            for (Peeked p : multifd) {
                if (!p.fill(Wire.INIT_PACKET_BYTES)) {
                    throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET,
                            "init packet", p.name() + ": the connection ended after " + p.length + " of "
                            + Wire.INIT_PACKET_BYTES + " bytes of the init packet", null);
                }
                p.init = InitPacket.decode(ByteBuffer.wrap(p.bytes, 0, Wire.INIT_PACKET_BYTES), p.name());
                int id = p.init.channelId();
                UUID want = expectedUuid != null ? expectedUuid : first == null ? p.init.uuid() : first.init.uuid();
                if (!p.init.uuid().equals(want)) {
                    throw new MultifdException(null, id, MultifdException.NO_PACKET, "uuid", p.name()
                            + ": init packet uuid " + p.init.uuid() + " differs from "
                            + (expectedUuid != null ? "the expected uuid " : first.name() + "'s uuid ") + want
                            + "; every channel of one migration carries the source's uuid", null);
                }
                if (first == null) {
                    first = p;
                }
                if (id >= n) {
                    throw new MultifdException(null, id, MultifdException.NO_PACKET, "channel id", p.name()
                            + ": init packet channel id " + id + " is out of range: the migration has " + n
                            + " multifd connections, so the ids are 0.." + (n - 1), null);
                }
                Peeked other = byId.putIfAbsent(id, p);
                if (other != null) {
                    throw new MultifdException(null, id, MultifdException.NO_PACKET, "channel id", p.name() + " and "
                            + other.name() + " both carry channel id " + id + " in their init packets", null);
                }
            }
            return byId;
        }

        private MethodFlag detectFlag(List<Peeked> multifd, int ps) throws MultifdException {
            int headerBytes = Wire.ramHeaderBytes(ps);
            for (Peeked p : multifd) {
                int at = Wire.INIT_PACKET_BYTES;
                for (int k = 0; k < MAX_PEEK_PACKETS; k++) {
                    if (!p.fill(at + Wire.COMMON_HEADER_BYTES)) {
                        break;
                    }
                    int flags = p.be32(at + 8);
                    if ((flags & PacketFlags.DEVICE_STATE_BIT) != 0 || !p.fill(at + headerBytes)) {
                        break;
                    }
                    long normal = Integer.toUnsignedLong(p.be32(at + 16));
                    long size = Integer.toUnsignedLong(p.be32(at + 20));
                    long zero = Integer.toUnsignedLong(p.be32(at + 32));
                    if (normal + zero > 0) {
                        return MethodFlag.of(flags & MethodFlag.FIELD_MASK);
                    }
                    if (size != 0) {
                        break; // malformed: the channel's receiver reports it
                    }
                    at += headerBytes;
                }
            }
            return null;
        }

        private Map<BlockSpec, String> fileNames(List<BlockSpec> specs) {
            Map<BlockSpec, String> names = new LinkedHashMap<>();
            Set<String> used = new HashSet<>();
            for (BlockSpec s : specs) {
                String name = s.fileName();
                String base = name.substring(0, name.length() - ".img".length());
                for (int k = 2; !used.add(name); k++) {
                    name = base + "-" + k + ".img";
                }
                names.put(s, name);
            }
            return names;
        }

        private MemoryImage createImage(int ps, Map<BlockSpec, String> names) throws MultifdException {
            try {
                Files.createDirectories(outDir);
                Files.deleteIfExists(outDir.resolve(DecodeResult.BLOCKS_JSON));
                Map<BlockSpec, Path> files = new LinkedHashMap<>();
                for (Map.Entry<BlockSpec, String> e : names.entrySet()) {
                    Files.deleteIfExists(outDir.resolve(e.getValue()));
                    Path partial = outDir.resolve(e.getValue() + ".partial");
                    partials.add(partial);
                    files.put(e.getKey(), partial);
                }
                return MemoryImage.mapFiles(ps, files, true);
            } catch (IOException | UncheckedIOException e) {
                throw new MultifdException("cannot create the image files in " + outDir + ": " + e.getMessage(), e);
            }
        }

        private void publish(DecodeResult result) throws MultifdException {
            try {
                for (BlockSummary b : result.blocks()) {
                    Path target = outDir.resolve(b.file());
                    Files.move(outDir.resolve(b.file() + ".partial"), target, StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.ATOMIC_MOVE);
                }
                partials.clear();
                Path json = outDir.resolve(DecodeResult.BLOCKS_JSON);
                Path tmp = outDir.resolve(DecodeResult.BLOCKS_JSON + ".partial");
                Files.writeString(tmp, result.blocksJson(), StandardCharsets.UTF_8);
                Files.move(tmp, json, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new MultifdException("cannot write the results into " + outDir + ": " + e.getMessage(), e);
            }
        }

        private void joinAll(List<ChannelRun> runs) {
            long deadline = System.nanoTime() + (failure.get() != null ? JOIN_AFTER_FAILURE_NANOS
                    : stallTimeout.toNanos() + JOIN_AFTER_FAILURE_NANOS);
            for (ChannelRun r : runs) {
                try {
                    long left = deadline - System.nanoTime();
                    if (left > 0) {
                        r.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    fail(new MultifdException("interrupted while waiting for the channel threads", e));
                    return;
                }
                if (r.thread.isAlive()) {
                    fail(new MultifdException(null, r.id, MultifdException.NO_PACKET, null, "channel " + r.id + " ("
                            + r.rx.connection() + ") did not end after the main stream ended", null));
                    deadline = Math.min(deadline, System.nanoTime() + JOIN_AFTER_FAILURE_NANOS);
                }
            }
        }

        /** Records the first failure, fails the barrier and closes every connection so all threads stop. */
        void fail(MultifdException e) {
            if (failure.compareAndSet(null, e)) {
                if (barrier != null) {
                    barrier.fail(e);
                }
                closeAll(connections);
            }
        }

        private String sha256(Block b) throws MultifdException {
            MessageDigest md;
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new MultifdException("SHA-256 is not available: " + e.getMessage(), e);
            }
            for (long off = 0; off < b.size(); off += image.pageSize()) {
                md.update(b.readPage(off));
            }
            return HexFormat.of().formatHex(md.digest());
        }

        // ---- main stream callbacks (calling thread)

        @Override
        public void flush(long k) throws MultifdException {
            if (barrier == null) {
                throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, "ram flags",
                        "flush marker " + k + " on the main channel before the RAM block list", null);
            }
            barrier.flush();
        }

        @Override
        public void zeroPage(String block, long offset) throws MultifdException {
            Block b = mainBlock(block);
            b.applyZero(offset);
            mainZero[b.index()]++;
        }

        @Override
        public void page(String block, long offset, ByteBuffer data) throws MultifdException {
            Block b = mainBlock(block);
            b.page(offset).put(data);
            b.markReceived(offset);
            mainNormal[b.index()]++;
        }

        private Block mainBlock(String name) throws MultifdException {
            if (image == null) {
                throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, "ramblock",
                        "page record on the main channel before the images exist", null);
            }
            return image.block(name).orElseThrow(() -> new MultifdException(null, MultifdException.NO_CHANNEL,
                    MultifdException.NO_PACKET, "ramblock", "page record for unknown RAMBlock " + name, null));
        }

        /** One multifd channel's thread. */
        private final class ChannelRun implements Runnable {
            final int id;
            final ChannelReceiver rx;
            final long[] normal;
            final long[] zero;
            final Thread thread;

            ChannelRun(int id, ChannelReceiver rx, int blocks) {
                this.id = id;
                this.rx = rx;
                this.normal = new long[blocks];
                this.zero = new long[blocks];
                this.thread = new Thread(this, "multifd-decode-" + id);
                this.thread.setDaemon(true);
            }

            @Override
            public void run() {
                try {
                    rx.readInit();
                    rx.setImage(image);
                    rx.setup();
                    String lastName = null;
                    int lastIndex = -1;
                    while (true) {
                        ChannelReceiver.Event ev = rx.next();
                        if (ev == ChannelReceiver.Event.END) {
                            barrier.channelEnded(id);
                            break;
                        }
                        RamHeader h = rx.header();
                        if (h.normalPages() + h.zeroPages() > 0) {
                            if (!h.blockName().equals(lastName)) {
                                lastName = h.blockName();
                                lastIndex = image.block(lastName).map(Block::index).orElseThrow();
                            }
                            normal[lastIndex] += h.normalPages();
                            zero[lastIndex] += h.zeroPages();
                        }
                        if (ev == ChannelReceiver.Event.SYNC) {
                            barrier.channelSynced(id);
                        }
                    }
                } catch (MultifdException e) {
                    fail(e);
                } catch (RuntimeException | Error e) {
                    fail(new MultifdException(null, id, rx.packetNumber(), null, "internal error in channel " + id
                            + " (" + rx.connection() + "): " + e, e));
                } finally {
                    try {
                        rx.close();
                    } catch (MultifdException e) {
                        fail(e);
                    }
                }
            }
        }
    }
}
