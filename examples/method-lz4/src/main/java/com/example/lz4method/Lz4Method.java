package com.example.lz4method;

import io.multifd.api.ChannelContext;
import io.multifd.api.MethodFlag;
import io.multifd.api.MultifdException;
import io.multifd.api.MultifdMethod;
import io.multifd.api.PageBatch;
import io.multifd.api.RecvChannel;
import io.multifd.api.SendChannel;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

import java.nio.ByteBuffer;

/**
 * The {@code lz4} hooks. Wire format: the payload of a packet with normal pages is one LZ4 block
 * (no frame, no length prefix) that decodes to exactly {@code normalCount * pageSize} bytes, the
 * normal pages in batch order; {@code next_packet_size} is the block's length. A packet without
 * normal pages has no payload. No state carries from packet to packet.
 *
 * <p>Per channel and direction, the state slot holds two byte arrays for one full packet: the
 * pages going in and the block coming out (or the reverse), allocated at the first packet that
 * needs them. Nothing native, so cleanup only empties the slot.
 */
final class Lz4Method implements MultifdMethod {

    /** lz4-java's pure-Java implementation that checks every bound: no JNI, no Unsafe. */
    private static final LZ4Factory LZ4 = LZ4Factory.safeInstance();

    private final MethodFlag flag;
    private final int level;
    private final LZ4Compressor compressor;
    private final LZ4SafeDecompressor decompressor;

    Lz4Method(MethodFlag flag, int level) {
        this.flag = flag;
        this.level = level;
        // lz4-java's compressors and decompressors are stateless and safe to share between channels
        this.compressor = level == 0 ? LZ4.fastCompressor() : LZ4.highCompressor(level);
        this.decompressor = LZ4.safeDecompressor();
    }

    /**
     * One channel's buffers, allocated at the channel's first packet with normal pages (so setup
     * and cleanup stay cheap): {@code pages} holds a packet's pages, {@code block} its LZ4 block.
     */
    private static final class Buffers {
        private final int pagesBytes;
        private final int blockBytes;
        private byte[] pages;
        private byte[] block;

        Buffers(int pagesBytes, int blockBytes) {
            this.pagesBytes = pagesBytes;
            this.blockBytes = blockBytes;
        }

        byte[] pages() {
            if (pages == null) {
                pages = new byte[pagesBytes];
            }
            return pages;
        }

        byte[] block() {
            if (block == null) {
                block = new byte[blockBytes];
            }
            return block;
        }
    }

    private Buffers buffers(ChannelContext channel) {
        return new Buffers(channel.packetCapacity() * channel.pageSize(),
                maxPayloadSize(channel.packetCapacity(), channel.pageSize()));
    }

    @Override
    public int maxPayloadSize(int normalPages, int pageSize) {
        return normalPages == 0 ? 0 : LZ4.fastCompressor().maxCompressedLength(normalPages * pageSize);
    }

    @Override
    public String engine() {
        return level == 0 ? "lz4-java (pure Java), fast" : "lz4-java (pure Java), HC level " + level;
    }

    // ---- send ----

    @Override
    public void sendSetup(SendChannel channel) {
        channel.setIovSlots(1);
        channel.setState(buffers(channel));
    }

    @Override
    public void sendCleanup(SendChannel channel) {
        channel.setState(null);
    }

    @Override
    public void sendPrepare(SendChannel channel) throws MultifdException {
        PageBatch batch = channel.batch();
        int n = batch.normalCount();
        int size = 0;
        if (n > 0) {
            Buffers b = channel.state(Buffers.class);
            int pageSize = channel.pageSize();
            // copy first: the pages may be live memory that changes while we compress (rule 2.7)
            for (int i = 0; i < n; i++) {
                batch.normalPage(i).duplicate().get(b.pages(), i * pageSize, pageSize);
            }
            try {
                size = compressor.compress(b.pages(), 0, n * pageSize, b.block(), 0, b.block().length);
            } catch (RuntimeException e) {
                throw channel.failure("payload", "LZ4 compression of " + n + " pages failed: " + e, e);
            }
            channel.addPayload(ByteBuffer.wrap(b.block(), 0, size));
        }
        channel.setNextPacketSize(size);
        channel.setCompression(flag);
        channel.fillPacket();
    }

    // ---- receive ----

    @Override
    public void recvSetup(RecvChannel channel) {
        channel.setState(buffers(channel));
    }

    @Override
    public void recvCleanup(RecvChannel channel) {
        channel.setState(null);
    }

    @Override
    public void recv(RecvChannel channel) throws MultifdException {
        Buffers b = channel.state(Buffers.class);
        int n = channel.normalCount();
        int pageSize = channel.pageSize();
        int expected = n * pageSize;
        int size = channel.nextPacketSize();
        if (size <= 0 || size > b.blockBytes) {
            throw channel.failure("next_packet_size", "an LZ4 block for " + n + " pages has 1 to "
                    + b.blockBytes + " bytes, got " + size);
        }
        channel.readPayload(ByteBuffer.wrap(b.block(), 0, size));
        int decoded;
        try {
            // the safe decompressor never writes past 'expected' and throws on a malformed block
            decoded = decompressor.decompress(b.block(), 0, size, b.pages(), 0, expected);
        } catch (RuntimeException e) {
            throw channel.failure("payload", "the " + size + "-byte payload is not an LZ4 block of at most "
                    + expected + " bytes (" + n + " pages): " + e.getMessage(), e);
        }
        if (decoded != expected) {
            throw channel.failure("payload", "the LZ4 block decodes to " + decoded + " bytes, but the packet lists "
                    + n + " normal pages of " + pageSize + " bytes (" + expected + ")");
        }
        for (int i = 0; i < n; i++) {
            channel.pageBuffer(i).put(b.pages(), i * pageSize, pageSize);
        }
    }
}
