package io.multifd.bench;

import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.channel.ChannelReceiver;
import io.multifd.core.channel.ChannelSender;
import io.multifd.core.channel.SendBatch;
import io.multifd.core.image.Block;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.registry.MethodRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One full packet per invocation: {@code sendPrepare} (with zero-page detection and the gather
 * write to a channel that discards) and {@code recv} (with header validation into a destination
 * image). Throughput in packets per second; one packet is 128 pages = 512 KiB of image.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PacketBenchmarks {

    private static final int PAGE = 4096;
    /** Pages in the benchmark image: 256 packets' worth. */
    static final int PAGES = 128 * 256;

    /** The method under test. */
    @Param({"none", "zstd", "zlib"})
    public String method;

    /**
     * How the kinds of pages are laid out: {@code runs}, in runs of 1 to 64 pages of one kind as
     * in a guest's RAM (and as the CLI bench's image); {@code pages}, a kind drawn for every page,
     * the worst case for anything that handles adjacent pages together.
     */
    @Param({"runs", "pages"})
    public String layout;

    private MemoryImage source;
    private Block block;
    private ChannelSender sender;
    private int nextPacket;

    private byte[] tape;
    private ByteBuffer destinationStorage;
    private ByteBuffer directTape;
    private MemoryImage destination;
    private ResolvedMethod recvMethod;
    private ChannelReceiver receiver;

    /** Creates the state (JMH). */
    public PacketBenchmarks() {
    }

    /**
     * Builds the image, a sender, and a tape of every packet of the image for the receiver.
     *
     * @throws MultifdException when the method cannot be set up
     */
    @Setup(Level.Trial)
    public void setUp() throws MultifdException {
        source = MemoryImage.allocate(PAGE, List.of(new BlockSpec("pc.ram", (long) PAGES * PAGE)));
        block = source.blocks().get(0);
        fill(block, "runs".equals(layout));
        MethodRegistry registry = MethodRegistry.discover();
        sender = new ChannelSender(registry.resolve(method, Map.of(), MethodRegistry.Use.ENCODE), 0, PAGE,
                Discard.INSTANCE, new AtomicLong(), true);
        sender.setup();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ChannelSender s = new ChannelSender(registry.resolve(method, Map.of(), MethodRegistry.Use.ENCODE), 0, PAGE,
                Channels.newChannel(bytes), new AtomicLong(), true)) {
            s.writeInit(new UUID(0, 0));
            s.setup();
            for (int p = 0; p < PAGES; p += 128) {
                SendBatch b = s.batch(block.name());
                for (int i = 0; i < 128; i++) {
                    b.add(block, (long) (p + i) * PAGE);
                }
                s.sendBatch();
            }
        }
        tape = bytes.toByteArray();
        destinationStorage = ByteBuffer.allocateDirect(PAGES * PAGE);
        directTape = ByteBuffer.allocateDirect(tape.length).put(tape).flip();
        recvMethod = registry.resolve(method, Map.of(), MethodRegistry.Use.DECODE);
        openReceiver();
    }

    /** @return the encoded stream of one channel: init packet, then every packet of the image */
    byte[] tape() {
        return tape;
    }

    private void openReceiver() throws MultifdException {
        if (receiver != null) {
            receiver.close();
        }
        // like one transfer: a fresh received-bitmap over the same memory (so zero pages are not
        // cleared again, as in a single pass) and a tape read with one copy per read (as from a socket)
        if (destination != null) {
            destination.close();
        }
        destination = MemoryImage.wrap(PAGE, new BlockSpec("pc.ram", (long) PAGES * PAGE),
                List.of(destinationStorage), true);
        receiver = new ChannelReceiver(recvMethod, PAGE, new TapeChannel(directTape.duplicate()), "tape", null);
        receiver.readInit();
        receiver.setImage(destination);
        receiver.setup();
    }

    /**
     * Closes sender and receiver.
     *
     * @throws MultifdException when a cleanup breaks a rule
     */
    @TearDown(Level.Trial)
    public void tearDown() throws MultifdException {
        sender.close();
        receiver.close();
        source.close();
        destination.close();
    }

    /**
     * Builds and writes the next full packet of the image.
     *
     * @return packets written so far, so the work is not eliminated
     * @throws MultifdException when the method fails
     */
    @Benchmark
    public long sendPrepare() throws MultifdException {
        int first = nextPacket * 128;
        nextPacket = (nextPacket + 1) % (PAGES / 128);
        SendBatch b = sender.batch(block.name());
        for (int i = 0; i < 128; i++) {
            b.add(block, (long) (first + i) * PAGE);
        }
        sender.sendBatch();
        return sender.stats().packets();
    }

    /**
     * Reads, validates and decodes the next packet of the tape (the tape restarts with a fresh
     * receiver, as a new connection, every 256 packets).
     *
     * @return the event
     * @throws MultifdException when decoding fails
     */
    @Benchmark
    public ChannelReceiver.Event recv() throws MultifdException {
        ChannelReceiver.Event e = receiver.next();
        if (e == ChannelReceiver.Event.END) {
            openReceiver();
            e = receiver.next();
        }
        return e;
    }

    /**
     * A guest-like page mix: 35% zero, 20% text, 20% code-like, 10% patterns, 15% random.
     *
     * @param runs whether kinds come in runs of 1 to 64 pages (else one kind per page)
     */
    static void fill(Block block, boolean runs) {
        SplittableRandom r = new SplittableRandom(1);
        byte[] words = "the quick brown fox jumps over the lazy dog; memory page multifd channel packet zstd "
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int k = 0;
        long runLeft = 0;
        for (long p = 0; p < PAGES; p++) {
            ByteBuffer page = block.page(p * PAGE);
            if (runLeft == 0) {
                k = r.nextInt(100);
                runLeft = runs ? 1 + (long) (r.nextDouble() * r.nextDouble() * 64) : 1;
            }
            runLeft--;
            if (k < 35) {
                continue;
            }
            for (int i = 0; i < PAGE; i++) {
                byte v;
                if (k < 55) {
                    v = words[(i * 7 + r.nextInt(3)) % words.length];
                } else if (k < 75) {
                    v = (byte) (r.nextInt(8) == 0 ? r.nextInt(256) : (i % 16 < 4 ? 0x48 : i % 5));
                } else if (k < 85) {
                    v = (byte) ((i / 8) ^ p);
                } else {
                    v = (byte) r.nextInt(256);
                }
                page.put(i, v);
            }
        }
    }

    /** Reads a tape held in a direct buffer, one copy per read, as a socket read would. */
    private static final class TapeChannel implements ReadableByteChannel {
        private final ByteBuffer tape;

        TapeChannel(ByteBuffer tape) {
            this.tape = tape;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (!tape.hasRemaining()) {
                return -1;
            }
            int n = Math.min(dst.remaining(), tape.remaining());
            dst.put(dst.position(), tape, tape.position(), n);
            dst.position(dst.position() + n);
            tape.position(tape.position() + n);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
            // nothing to release
        }
    }

    /** A channel that accepts and drops everything. */
    private static final class Discard implements WritableByteChannel, java.nio.channels.GatheringByteChannel {
        static final Discard INSTANCE = new Discard();

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += write(srcs[i]);
            }
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs) {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
            // nothing to release
        }
    }
}
