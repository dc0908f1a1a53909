package io.multifd.tck;

import io.multifd.api.MethodFlag;
import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.api.PacketFlags;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.channel.ChannelReceiver;
import io.multifd.core.channel.ChannelSender;
import io.multifd.core.channel.SendBatch;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.wire.RamHeader;
import io.multifd.core.wire.Wire;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plumbing for a method's own, method-specific tests (those {@link MethodContract} cannot know:
 * the exact bytes of a header, a stream another encoder wrote, what cleanup released). It runs
 * the method through multifd-core's real channel layer in memory: {@link Sender} sends batches
 * through {@link ChannelSender} and records each packet's header and payload as a {@link Packet};
 * {@link Receiver} feeds recorded, altered or hand-built packets to {@link ChannelReceiver}, which
 * validates the headers and calls the receive hooks exactly as the transfer engine does.
 *
 * <pre>{@code
 * ResolvedMethod m = Loopback.resolve(new Lz4MethodProvider(), Map.of());
 * List<List<byte[]>> pages = Loopback.mixedPackets(7, 3, 24);
 * List<Loopback.Packet> wire = Loopback.send(m, pages, false);     // look at the payloads
 * wire.set(1, wire.get(1).withPayload(Arrays.copyOf(wire.get(1).payload(), 10)));
 * assertThatThrownBy(() -> Loopback.receive(m, Loopback.PAGE, Loopback.image(pages), wire))
 *         .isInstanceOf(MultifdException.class);
 * }</pre>
 *
 * <p>The helpers that take no page size use one RAMBlock {@link #BLOCK} of {@link #PAGE}-byte
 * pages, and put page {@code j} of packet {@code p} at {@link #offset(int, int)}: each packet
 * starts a fresh run of {@link #CAPACITY} pages.
 *
 * @since 0.1
 */
public final class Loopback {

    /** The RAMBlock every helper sends to. */
    public static final String BLOCK = "pc.ram";
    /** The page size of the helpers that take none. */
    public static final int PAGE = 4096;
    /** Pages per packet at {@link #PAGE}: {@code MultifdApi.packetCapacity(PAGE)}. */
    public static final int CAPACITY = MultifdApi.packetCapacity(PAGE);

    private static final PageKind[] NOT_ZERO = {PageKind.RANDOM, PageKind.TEXT, PageKind.PATTERN, PageKind.SPARSE,
        PageKind.MIXED};

    private Loopback() {
    }

    /**
     * One packet as it went over the wire (the arrays are not copied; equality is identity).
     *
     * @param header  the RAM header's bytes
     * @param payload the {@code next_packet_size} bytes after it
     */
    public record Packet(byte[] header, byte[] payload) {

        /** @return the header's {@code normal_pages} */
        public int normalPages() {
            return ByteBuffer.wrap(header).getInt(16);
        }

        /** @return the header's {@code next_packet_size} */
        public int nextPacketSize() {
            return ByteBuffer.wrap(header).getInt(20);
        }

        /** @return the header's flags word (the compression field for a data packet) */
        public int flags() {
            return ByteBuffer.wrap(header).getInt(8);
        }

        /**
         * The same packet with another payload; {@code next_packet_size} follows.
         *
         * @param p the new payload
         * @return the packet
         */
        public Packet withPayload(byte[] p) {
            byte[] h = header.clone();
            ByteBuffer.wrap(h).putInt(20, p.length);
            return new Packet(h, p);
        }
    }

    /**
     * Creates the method as the engine does: settings checked against the provider's parameters.
     *
     * @param provider the provider
     * @param settings the method's parameter values, e.g. {@code Map.of("level", "1")}
     * @return the method
     * @throws MultifdException for a setting the provider refuses
     */
    public static ResolvedMethod resolve(MethodProvider provider, Map<String, String> settings)
            throws MultifdException {
        return ResolvedMethod.create(provider, settings);
    }

    /** The send side of one channel: setup on creation, records each packet, cleanup on close. */
    public static final class Sender implements AutoCloseable {
        private final ByteArrayOutputStream sink = new ByteArrayOutputStream();
        private final ChannelSender channel;
        private final int headerBytes;
        private final List<Packet> packets = new ArrayList<>();

        /**
         * Creates the channel and runs {@code sendSetup}.
         *
         * @param method   the method
         * @param id       the channel id
         * @param pageSize the page size
         * @param counter  the transfer's {@code packet_num} counter, shared by its channels
         * @throws MultifdException when setup fails (its cleanup has run)
         */
        public Sender(ResolvedMethod method, int id, int pageSize, AtomicLong counter) throws MultifdException {
            WritableByteChannel out = Channels.newChannel(sink);
            channel = new ChannelSender(method, id, pageSize, out, counter, true);
            headerBytes = Wire.ramHeaderBytes(pageSize);
            channel.setup();
        }

        /** @return the core's channel, which is also the method's {@code SendChannel} (its state slot) */
        public ChannelSender channel() {
            return channel;
        }

        /**
         * Sends one packet of consecutive pages; zero pages are detected as the engine does.
         *
         * @param firstOffset the offset of the first page
         * @param pages       the pages, at most a packet's capacity
         * @return the packet written
         * @throws MultifdException what the channel layer or the method reported
         */
        public Packet send(long firstOffset, List<ByteBuffer> pages) throws MultifdException {
            SendBatch batch = channel.batch(BLOCK);
            for (int i = 0; i < pages.size(); i++) {
                batch.add(firstOffset + (long) i * channel.pageSize(), pages.get(i));
            }
            sink.reset();
            channel.sendBatch();
            byte[] all = sink.toByteArray();
            Packet p = new Packet(Arrays.copyOf(all, headerBytes), Arrays.copyOfRange(all, headerBytes, all.length));
            packets.add(p);
            return p;
        }

        /** @return the packets sent so far, in order (a live list) */
        public List<Packet> packets() {
            return packets;
        }

        /** @return the payloads of the packets sent so far, in order */
        public List<byte[]> payloads() {
            return packets.stream().map(Packet::payload).toList();
        }

        /** Runs {@code sendCleanup} once. */
        @Override
        public void close() throws MultifdException {
            channel.close();
        }
    }

    /** The receive side of one channel: reads the given packets from memory, setup on creation. */
    public static final class Receiver implements AutoCloseable {
        private final ChannelReceiver channel;

        /**
         * Creates the channel over the packets' bytes and runs {@code recvSetup}.
         *
         * @param method   the method
         * @param id       the channel id
         * @param pageSize the page size
         * @param image    where pages go
         * @param packets  what the connection carries, in order; the stream ends after them
         * @throws MultifdException when setup fails (its cleanup has run)
         */
        public Receiver(ResolvedMethod method, int id, int pageSize, MemoryImage image, List<Packet> packets)
                throws MultifdException {
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            for (Packet p : packets) {
                wire.writeBytes(p.header());
                wire.writeBytes(p.payload());
            }
            channel = new ChannelReceiver(method, pageSize,
                    Channels.newChannel(new ByteArrayInputStream(wire.toByteArray())), "test channel " + id, null);
            channel.setChannelId(id);
            channel.setImage(image);
            channel.setup();
        }

        /** @return the core's channel, which is also the method's {@code RecvChannel} (its state slot) */
        public ChannelReceiver channel() {
            return channel;
        }

        /**
         * Reads and applies the next packet.
         *
         * @return false at the end of the packets
         * @throws MultifdException for a malformed packet, as the engine would report it
         */
        public boolean step() throws MultifdException {
            return channel.next() != ChannelReceiver.Event.END;
        }

        /**
         * Reads every remaining packet.
         *
         * @throws MultifdException for a malformed packet
         */
        public void drain() throws MultifdException {
            while (step()) {
                // next packet
            }
        }

        /** Runs {@code recvCleanup} once. */
        @Override
        public void close() throws MultifdException {
            channel.close();
        }
    }

    /**
     * Receives all packets on one channel into {@code image}; cleanup runs whatever happens.
     *
     * @param method   the method
     * @param pageSize the page size
     * @param image    where pages go
     * @param packets  the packets
     * @throws MultifdException for a malformed packet
     */
    public static void receive(ResolvedMethod method, int pageSize, MemoryImage image, List<Packet> packets)
            throws MultifdException {
        try (Receiver r = new Receiver(method, 0, pageSize, image, packets)) {
            r.drain();
        }
    }

    /**
     * Sends packets of {@link #PAGE}-byte pages on one channel (setup, the packets, cleanup),
     * page {@code j} of packet {@code p} at {@link #offset(int, int) offset(p, j)}.
     *
     * @param method  the method
     * @param packets each packet's pages, at most {@link #CAPACITY} each
     * @param direct  whether the pages are handed over as direct buffers rather than heap ones
     * @return the packets written, in order
     * @throws MultifdException what the channel layer or the method reported
     */
    public static List<Packet> send(ResolvedMethod method, List<List<byte[]>> packets, boolean direct)
            throws MultifdException {
        try (Sender s = new Sender(method, 0, PAGE, new AtomicLong())) {
            for (int p = 0; p < packets.size(); p++) {
                s.send(offset(p, 0), direct ? direct(packets.get(p)) : wrap(packets.get(p)));
            }
            return new ArrayList<>(s.packets());
        }
    }

    /**
     * Where {@link #send(ResolvedMethod, List, boolean)} puts a page.
     *
     * @param packet the packet's index
     * @param page   the page's index in the packet
     * @return the page's offset in {@link #BLOCK}
     */
    public static long offset(int packet, int page) {
        return ((long) packet * CAPACITY + page) * PAGE;
    }

    /**
     * A zeroed image of one block {@link #BLOCK}.
     *
     * @param pageSize the page size
     * @param pages    the block's size in pages
     * @return the image
     */
    public static MemoryImage image(int pageSize, long pages) {
        return MemoryImage.allocate(pageSize, List.of(new BlockSpec(BLOCK, pages * pageSize)));
    }

    /**
     * A zeroed image with room for the given packets as {@link #send(ResolvedMethod, List, boolean)}
     * lays them out, and one more packet's room after them.
     *
     * @param packets the packets' pages
     * @return the image
     */
    public static MemoryImage image(List<List<byte[]>> packets) {
        return image(PAGE, (packets.size() + 1L) * CAPACITY);
    }

    /**
     * Reads one page.
     *
     * @param image  the image
     * @param offset the page's offset in {@link #BLOCK}
     * @return a copy of its bytes
     */
    public static byte[] readPage(MemoryImage image, long offset) {
        ByteBuffer p = image.block(BLOCK).orElseThrow().readPage(offset);
        byte[] b = new byte[p.remaining()];
        p.get(b);
        return b;
    }

    /**
     * Asserts that every page of the packets arrived at its {@link #offset(int, int)}.
     *
     * @param image   the image received into
     * @param packets the packets' pages as sent
     * @throws AssertionError naming the first page that differs and the first byte where it does
     */
    public static void assertArrived(MemoryImage image, List<List<byte[]>> packets) {
        for (int p = 0; p < packets.size(); p++) {
            for (int i = 0; i < packets.get(p).size(); i++) {
                byte[] sent = packets.get(p).get(i);
                byte[] got = readPage(image, offset(p, i));
                int at = Arrays.mismatch(sent, got);
                if (at >= 0) {
                    throw new AssertionError(String.format("packet %d, page %d of %d (offset 0x%X) arrived different:"
                            + " first difference at byte %d (sent 0x%02X, received 0x%02X)", p, i,
                            packets.get(p).size(), offset(p, i), at, sent[at] & 0xFF, got[at] & 0xFF));
                }
            }
        }
    }

    /**
     * A packet built by hand, as another encoder would send it.
     *
     * @param pageSize    the page size
     * @param flag        the compression field
     * @param packetNum   {@code packet_num}
     * @param firstOffset the offset of the first page; the others follow it
     * @param normal      {@code normal_pages}
     * @param payload     the payload; {@code next_packet_size} is its length
     * @return the packet
     */
    public static Packet packet(int pageSize, MethodFlag flag, long packetNum, long firstOffset, int normal,
                                byte[] payload) {
        RamHeader h = new RamHeader(pageSize);
        h.setData(PacketFlags.data(flag), BLOCK, normal, 0, payload.length, packetNum);
        for (int i = 0; i < normal; i++) {
            h.setOffset(i, firstOffset + (long) i * pageSize);
        }
        ByteBuffer b = ByteBuffer.allocate(h.byteLength());
        h.encode(b);
        return new Packet(b.array(), payload);
    }

    // ---- page contents ----

    /**
     * A page of the given kind, its bytes drawn from {@code random}.
     *
     * @param kind     what it holds
     * @param random   the source of its seed
     * @param pageSize the page size
     * @return the page
     */
    public static byte[] page(PageKind kind, Random random, int pageSize) {
        byte[] b = new byte[pageSize];
        kind.fill(ByteBuffer.wrap(b), random.nextInt());
        return b;
    }

    /**
     * An incompressible page.
     *
     * @param random   the source of its seed
     * @param pageSize the page size
     * @return the page
     */
    public static byte[] randomPage(Random random, int pageSize) {
        return page(PageKind.RANDOM, random, pageSize);
    }

    /**
     * Packets of 1 to {@code maxPages} {@link #PAGE}-byte normal pages each, of every kind but
     * {@link PageKind#ZERO}.
     *
     * @param seed     the seed: the same seed gives the same pages
     * @param count    how many packets
     * @param maxPages the most pages of one packet
     * @return each packet's pages
     */
    public static List<List<byte[]>> mixedPackets(long seed, int count, int maxPages) {
        Random rnd = new Random(seed);
        List<List<byte[]>> packets = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            List<byte[]> pages = new ArrayList<>();
            int n = 1 + rnd.nextInt(maxPages);
            for (int i = 0; i < n; i++) {
                pages.add(page(NOT_ZERO[rnd.nextInt(NOT_ZERO.length)], rnd, PAGE));
            }
            packets.add(pages);
        }
        return packets;
    }

    /**
     * Packets of incompressible {@link #PAGE}-byte pages: the worst case of a payload bound.
     *
     * @param seed  the seed: the same seed gives the same pages
     * @param sizes each packet's page count, at most {@link #CAPACITY}
     * @return each packet's pages
     */
    public static List<List<byte[]>> randomPackets(long seed, int... sizes) {
        Random rnd = new Random(seed);
        List<List<byte[]>> packets = new ArrayList<>();
        for (int n : sizes) {
            List<byte[]> pages = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                pages.add(randomPage(rnd, PAGE));
            }
            packets.add(pages);
        }
        return packets;
    }

    /**
     * @param pages pages
     * @return heap buffers over them (no copy)
     */
    public static List<ByteBuffer> wrap(List<byte[]> pages) {
        return pages.stream().map(ByteBuffer::wrap).toList();
    }

    /**
     * @param pages pages
     * @return direct buffers holding copies of them
     */
    public static List<ByteBuffer> direct(List<byte[]> pages) {
        return pages.stream().map(p -> ByteBuffer.allocateDirect(p.length).put(p).flip()).toList();
    }

    /**
     * @param parts byte arrays
     * @return them one after the other
     */
    public static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        parts.forEach(o::writeBytes);
        return o.toByteArray();
    }

    /**
     * @param page a page
     * @return whether every byte is zero: the engine sends it as a zero page, without payload
     */
    public static boolean isZero(byte[] page) {
        for (byte b : page) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param pages a packet's pages
     * @return its normal (non-zero) pages, in batch order: what its payload carries
     */
    public static List<byte[]> normalPages(List<byte[]> pages) {
        return pages.stream().filter(p -> !isZero(p)).toList();
    }
}
