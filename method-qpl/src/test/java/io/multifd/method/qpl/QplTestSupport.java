package io.multifd.method.qpl;

import io.multifd.api.MethodFlag;
import io.multifd.api.MultifdException;
import io.multifd.api.PacketFlags;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.channel.ChannelReceiver;
import io.multifd.core.channel.ChannelSender;
import io.multifd.core.channel.SendBatch;
import io.multifd.core.image.Block;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.wire.RamHeader;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shared test plumbing: the libqpl requirement, and streams built and read through the real
 * channel layer of multifd-core ({@link ChannelSender}, {@link ChannelReceiver}).
 */
final class QplTestSupport {

    /** Set to {@code true} to skip, loudly, the tests that need libqpl when it is missing. */
    static final String OPTIONAL_PROPERTY = "multifd.qpl.optional";
    static final String BLOCK = "pc.ram";

    private QplTestSupport() {
    }

    /**
     * The libqpl the tests use (the surefire configuration points {@code multifd.qpl.library} at
     * {@code .qpl/lib/libqpl.so}). Fails the calling test when libqpl is missing, or skips it
     * when {@code -Dmultifd.qpl.optional=true} is given.
     *
     * @return the loaded library
     */
    static QplLibrary.Load requireLibqpl() {
        QplLibrary.Load load = QplLibrary.defaultLoad();
        if (!load.loaded()) {
            String message = "libqpl is not provisioned: run scripts/provision-qpl.sh (it builds .qpl/lib/libqpl.so), "
                    + "or pass -D" + OPTIONAL_PROPERTY + "=true to skip the libqpl tests. " + load.reason();
            if (Boolean.getBoolean(OPTIONAL_PROPERTY)) {
                System.err.println("SKIPPED (" + OPTIONAL_PROPERTY + "=true): " + message);
                Assumptions.abort(message);
            }
            Assertions.fail(message);
        }
        return load;
    }

    /** @return a provider using the default lookup, after {@link #requireLibqpl()} */
    static QplMethodProvider libqplProvider() {
        requireLibqpl();
        return new QplMethodProvider();
    }

    /**
     * A provider whose libqpl lookup finds nothing: as on a machine without libqpl.
     *
     * @param missing a file that does not exist
     * @return the provider
     */
    static QplMethodProvider missingLibqplProvider(Path missing) {
        QplLibrary.Load load = QplLibrary.load(QplLibrary.defaultCandidates(missing.toString(), null, Path.of("")));
        return new QplMethodProvider(() -> load);
    }

    /**
     * @param provider the provider
     * @param path     the path parameter
     * @return the method with those settings
     * @throws MultifdException when the settings are refused
     */
    static ResolvedMethod resolve(QplMethodProvider provider, String path) throws MultifdException {
        return ResolvedMethod.create(provider, Map.of(QplMethodProvider.PATH, path));
    }

    /** A channel stream written by {@link ChannelSender} and the counters of its method. */
    record Encoded(byte[] stream, Map<String, Long> counters) {
    }

    /**
     * Sends pages at offsets {@code 0, pageSize, ...} of block {@link #BLOCK} on one channel,
     * without an init packet, in packets of at most the packet capacity.
     *
     * @param method   the method
     * @param pageSize the page size
     * @param pages    the pages, each {@code pageSize} bytes
     * @return the bytes written and the counters reported before cleanup
     * @throws MultifdException when a hook fails
     */
    static Encoded send(ResolvedMethod method, int pageSize, List<ByteBuffer> pages) throws MultifdException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ChannelSender sender = new ChannelSender(method, 0, pageSize, Channels.newChannel(bytes), new AtomicLong(),
                true);
        Map<String, Long> counters;
        try {
            sender.setup();
            SendBatch batch = sender.batch(BLOCK);
            for (int i = 0; i < pages.size(); i++) {
                batch.add((long) i * pageSize, pages.get(i));
                if (batch.isFull()) {
                    sender.sendBatch();
                }
            }
            sender.sendBatch();
            sender.sendSync();
            counters = method.method().counters(sender);
        } finally {
            sender.close();
        }
        return new Encoded(bytes.toByteArray(), counters);
    }

    /** What a receiver produced: the image and the counters of its method. */
    record Decoded(MemoryImage image, Map<String, Long> counters) {
        /**
         * @param i page index
         * @return the bytes of page i of {@link #BLOCK}
         */
        byte[] page(int i) {
            Block b = image.block(BLOCK).orElseThrow();
            ByteBuffer p = b.readPage((long) i * image.pageSize());
            byte[] out = new byte[p.remaining()];
            p.get(out);
            return out;
        }
    }

    /**
     * Reads a channel stream (no init packet) into a fresh image of one block.
     *
     * @param method   the method
     * @param pageSize the page size
     * @param pages    pages in the block
     * @param stream   the bytes
     * @return the image and counters
     * @throws MultifdException when the stream or a hook fails
     */
    static Decoded receive(ResolvedMethod method, int pageSize, int pages, byte[] stream) throws MultifdException {
        return receive(method, pageSize, pages, stream, false);
    }

    /**
     * As {@link #receive(ResolvedMethod, int, int, byte[])}, optionally into heap memory.
     *
     * @param method   the method
     * @param pageSize the page size
     * @param pages    pages in the block
     * @param stream   the bytes
     * @param heap     whether the image's pages are heap buffers instead of direct memory
     * @return the image and counters
     * @throws MultifdException when the stream or a hook fails
     */
    static Decoded receive(ResolvedMethod method, int pageSize, int pages, byte[] stream, boolean heap)
            throws MultifdException {
        BlockSpec spec = new BlockSpec(BLOCK, (long) pages * pageSize);
        MemoryImage image = heap
                ? MemoryImage.wrap(pageSize, spec, List.of(ByteBuffer.allocate(pages * pageSize)), true)
                : MemoryImage.allocate(pageSize, List.of(spec));
        ChannelReceiver receiver = new ChannelReceiver(method, pageSize,
                Channels.newChannel(new ByteArrayInputStream(stream)), "test stream", null);
        receiver.setChannelId(0);
        receiver.setImage(image);
        Map<String, Long> counters;
        try {
            receiver.setup();
            while (receiver.next() != ChannelReceiver.Event.END) {
                // pages land in the image
            }
            counters = method.method().counters(receiver);
        } finally {
            receiver.close();
        }
        return new Decoded(image, counters);
    }

    /**
     * One qpl data packet built by hand: header by multifd-core's {@link RamHeader}, then the
     * given payload, with the given {@code next_packet_size} (which may disagree with it).
     *
     * @param pageSize       the page size
     * @param normalPages    normal pages listed (offsets 0, pageSize, ...)
     * @param nextPacketSize the declared payload size
     * @param payload        the payload bytes
     * @return the packet
     */
    static byte[] packet(int pageSize, int normalPages, int nextPacketSize, byte[] payload) {
        RamHeader header = new RamHeader(pageSize);
        header.setData(PacketFlags.data(MethodFlag.QPL), BLOCK, normalPages, 0, nextPacketSize, 1);
        for (int i = 0; i < normalPages; i++) {
            header.setOffset(i, (long) i * pageSize);
        }
        ByteBuffer out = ByteBuffer.allocate(header.byteLength() + payload.length).order(ByteOrder.BIG_ENDIAN);
        header.encode(out);
        out.put(payload);
        return out.array();
    }

    /**
     * A qpl payload: the BE u32 length table, then the page data.
     *
     * @param lengths the table
     * @param data    the page data, concatenated
     * @return the payload
     */
    static byte[] payload(int[] lengths, byte[]... data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer table = ByteBuffer.allocate(4 * lengths.length).order(ByteOrder.BIG_ENDIAN);
        for (int len : lengths) {
            table.putInt(len);
        }
        out.writeBytes(table.array());
        for (byte[] d : data) {
            out.writeBytes(d);
        }
        return out.toByteArray();
    }

    /**
     * @param bytes content
     * @return a direct copy, position 0
     */
    static ByteBuffer direct(byte[] bytes) {
        ByteBuffer b = ByteBuffer.allocateDirect(bytes.length);
        b.put(bytes).flip();
        return b;
    }

    /**
     * @param pages page contents
     * @return each as a read-only heap buffer
     */
    static List<ByteBuffer> heapPages(List<byte[]> pages) {
        List<ByteBuffer> out = new ArrayList<>();
        for (byte[] p : pages) {
            out.add(ByteBuffer.wrap(p.clone()).asReadOnlyBuffer());
        }
        return out;
    }

    /**
     * @param pages page contents
     * @return each as a direct buffer
     */
    static List<ByteBuffer> directPages(List<byte[]> pages) {
        List<ByteBuffer> out = new ArrayList<>();
        for (byte[] p : pages) {
            out.add(direct(p));
        }
        return out;
    }
}
