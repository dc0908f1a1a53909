package io.multifd.core.channel;

import io.multifd.api.MultifdException;
import io.multifd.api.PacketFlags;
import io.multifd.api.RecvChannel;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.image.Block;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.wire.CommonHeader;
import io.multifd.core.wire.DeviceStateHeader;
import io.multifd.core.wire.InitPacket;
import io.multifd.core.wire.RamHeader;
import io.multifd.core.wire.Wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;

/**
 * The receive side of one multifd channel: reads packets, validates every header field before it
 * is used (QEMU's checks of spec §2.4 and §3.2, and the stricter ones: page-aligned offsets inside
 * the block, increasing {@code packet_num}, a payload size bounded by what the method can
 * produce), writes zero pages, and calls the method's {@code recv} hook for the normal pages.
 *
 * <p>Use from one thread: {@link #readInit()} (or {@link #setChannelId(int)}), {@link #setup()},
 * {@link #next()} until it returns {@link Event#END}, then {@link #close()}. The caller implements
 * the sync barrier on {@link Event#SYNC}.
 *
 * @since 0.1
 */
public final class ChannelReceiver extends ChannelBase implements RecvChannel, AutoCloseable {

    /** What {@link #next()} read. */
    public enum Event {
        /** A data packet; its pages are in the image. */
        DATA,
        /** A SYNC packet (after any pages it carried); the caller applies the barrier. */
        SYNC,
        /** The connection ended cleanly at a packet boundary. */
        END
    }

    /**
     * Bytes read from the connection at most per read call into the read-ahead buffer. Headers,
     * raw pages and the start of each payload are served from it, so one system call serves a
     * header and many pages, often across packet boundaries (on this project's 2-core VM a system
     * call is expensive: 'none' went from about 4 reads per 512 KiB packet to about 1.3). Large
     * requests (a compressed payload) are read straight into the method's buffer once the buffer
     * is drained. Bytes read ahead belong to the next packets; the receiver owns the connection
     * until {@link Event#END}. 1 MiB: 'bench --transport jvm2' none x2 on a 1 GiB image ran at a
     * median 3.76-4.06 GiB/s against 3.17-3.57 with 256 KiB, 3.36 with 512 KiB, 3.51 with 2 MiB and
     * 3.31 with 4 MiB (a buffer that no longer stays in the caches), side by side.
     */
    static final int STAGE_BYTES = 1024 * 1024;
    /**
     * Requests at least this large bypass the staging buffer when it is empty, unless they go to
     * a view of the destination (see {@link #pageRun}).
     */
    static final int DIRECT_READ_BYTES = 32 * 1024;
    /**
     * Bytes of a packet header read before its flags are known: the device-state header's
     * length, which no RAM packet header is shorter than (320 bytes at least): the flags decide
     * how long the rest is.
     */
    static final int FIRST_READ = Wire.DEVICE_STATE_HEADER_BYTES;

    private final ReadableByteChannel in;
    private final String connection;
    private final PacketNumbers packetNumbers;
    private final RamHeader header;
    /** A whole RAM packet header; its first {@link #FIRST_READ} bytes are read in one go. */
    private final ByteBuffer headerBuffer;
    /** The header's common part and the rest, reused views for the decoders. */
    private final ByteBuffer commonView;
    private final ByteBuffer restView;
    /** The reused writable view of each page slot (API rule 2.9). */
    private final PageViews views;
    private final ByteBuffer stage;
    private final ByteBuffer stageView;
    private final ChannelStats stats = new ChannelStats();

    private MemoryImage image;
    /** The block of the previous packet, looked up again only when the name or image changes. */
    private Block lastBlock;
    private String lastBlockName;
    private MemoryImage lastBlockImage;
    private long lastPacketNumber = -1;
    private long packetsRead;
    private Block block;
    private int payloadRemaining;
    /** Bytes read from the connection so far (read-ahead included). */
    private long streamRead;

    /**
     * A receiver for one connection.
     *
     * @param method        the negotiated method
     * @param pageSize      the page size
     * @param in            the connection, positioned at its init packet
     * @param connection    a name for messages (file name or peer address)
     * @param packetNumbers the transfer's cross-channel {@code packet_num} check, or null
     */
    public ChannelReceiver(ResolvedMethod method, int pageSize, ReadableByteChannel in, String connection,
                           PacketNumbers packetNumbers) {
        super(method, MultifdException.NO_CHANNEL, pageSize);
        this.in = in;
        this.connection = connection;
        this.packetNumbers = packetNumbers;
        this.header = new RamHeader(pageSize);
        if (header.byteLength() < FIRST_READ) {
            throw new IllegalArgumentException("page size " + pageSize + " gives a RAM header of " + header.byteLength()
                    + " bytes, shorter than the device-state header");
        }
        this.headerBuffer = ByteBuffer.allocateDirect(header.byteLength()).order(ByteOrder.BIG_ENDIAN);
        this.commonView = headerBuffer.slice(0, Wire.COMMON_HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
        this.restView = headerBuffer.slice(Wire.COMMON_HEADER_BYTES, header.byteLength() - Wire.COMMON_HEADER_BYTES)
                .order(ByteOrder.BIG_ENDIAN);
        this.views = new PageViews(capacity, pageSize, false);
        this.stage = ByteBuffer.allocateDirect(STAGE_BYTES).limit(0);
        this.stageView = stage.duplicate();
    }

    /**
     * Reads and parses the init packet; the caller validates UUID, id range and duplicates.
     *
     * @return the init packet
     * @throws MultifdException for a short read, wrong magic or version
     */
    public InitPacket readInit() throws MultifdException {
        ByteBuffer b = ByteBuffer.allocate(Wire.INIT_PACKET_BYTES);
        int n = readFully(b);
        if (n < Wire.INIT_PACKET_BYTES) {
            throw new MultifdException(method.name(), MultifdException.NO_CHANNEL, MultifdException.NO_PACKET,
                    "init packet", connection + ": connection ended after " + n + " of " + Wire.INIT_PACKET_BYTES
                    + " bytes of the init packet", null);
        }
        InitPacket init = InitPacket.decode(b.flip(), connection);
        id = init.channelId();
        stats.wire(Wire.INIT_PACKET_BYTES);
        return init;
    }

    /**
     * Sets the channel id when the init packet was read elsewhere.
     *
     * @param channelId the id
     */
    public void setChannelId(int channelId) {
        this.id = channelId;
    }

    /**
     * Sets the image pages go to. May be called late (the main channel announces the blocks),
     * but before the first data packet.
     *
     * @param image the destination
     */
    public void setImage(MemoryImage image) {
        this.image = image;
    }

    /**
     * Calls {@code recvSetup}; after a failure the method's cleanup has run.
     *
     * @throws MultifdException naming method and channel
     */
    public void setup() throws MultifdException {
        runSetup("recvSetup", () -> method.method().recvSetup(this));
    }

    /**
     * Reads, validates and applies the next packet.
     *
     * @return what was read
     * @throws MultifdException for any malformed field, a failing method, a truncated stream or a
     *                          failing connection; the message names channel, packet and field
     */
    public Event next() throws MultifdException {
        packetNumber = MultifdException.NO_PACKET;
        block = null;
        payloadRemaining = 0;
        headerBuffer.clear().limit(FIRST_READ);
        int n = readFully(headerBuffer);
        if (n == 0) {
            return Event.END;
        }
        if (n < Wire.COMMON_HEADER_BYTES) {
            throw failure("header", "stream ended inside a packet header (" + n + " of " + Wire.COMMON_HEADER_BYTES
                    + " bytes) after packet " + lastNumberText());
        }
        PacketFlags flags;
        try {
            flags = CommonHeader.decode(commonView.clear());
        } catch (MultifdException e) {
            throw e.withContext(method.name(), id, MultifdException.NO_PACKET);
        }
        if (flags.deviceState()) {
            if (n < Wire.DEVICE_STATE_HEADER_BYTES) {
                throw failure("device-state header", "stream ended inside the device-state header ("
                        + (n - Wire.COMMON_HEADER_BYTES) + " of " + (Wire.DEVICE_STATE_HEADER_BYTES
                        - Wire.COMMON_HEADER_BYTES) + " bytes) after packet " + lastNumberText());
            }
            DeviceStateHeader d;
            try {
                d = DeviceStateHeader.decode(headerBuffer.slice(Wire.COMMON_HEADER_BYTES,
                        Wire.DEVICE_STATE_HEADER_BYTES - Wire.COMMON_HEADER_BYTES));
            } catch (MultifdException e) {
                throw e.withContext(method.name(), id, MultifdException.NO_PACKET);
            }
            throw failure("flags", "device-state packet (flag 0x40) for device '" + d.idstr() + "' instance "
                    + d.instanceId() + ": device state is not supported, only RAM");
        }
        int rest = headerBuffer.capacity() - Wire.COMMON_HEADER_BYTES;
        if (n == FIRST_READ) {
            headerBuffer.limit(headerBuffer.capacity());
            n += readFully(headerBuffer);
        }
        if (n < headerBuffer.capacity()) {
            throw failure("header", "stream ended inside the RAM packet header (" + (n - Wire.COMMON_HEADER_BYTES)
                    + " of " + rest + " bytes) after packet " + lastNumberText());
        }
        try {
            header.decode(flags, restView.clear());
        } catch (MultifdException e) {
            throw e.withContext(method.name(), id, MultifdException.NO_PACKET);
        }
        packetNumber = header.packetNum();
        checkPacketNumber();
        long wire = headerBuffer.capacity();
        int listed = header.normalPages() + header.zeroPages();
        if (listed == 0) {
            if (header.nextPacketSize() != 0) {
                throw failure("next_packet_size", "packet lists no page but declares a payload of "
                        + header.nextPacketSize() + " bytes");
            }
            if (!flags.sync()) {
                throw failure("normal_pages", "data packet lists no page");
            }
            stats.sync(wire);
            return Event.SYNC;
        }
        applyPages(flags);
        stats.packet(header.normalPages(), header.zeroPages(), header.nextPacketSize(),
                wire + header.nextPacketSize());
        if (flags.sync()) {
            stats.syncCarriedPages();
            return Event.SYNC;
        }
        return Event.DATA;
    }

    private void checkPacketNumber() throws MultifdException {
        if (lastPacketNumber >= 0 && Long.compareUnsigned(packetNumber, lastPacketNumber) <= 0) {
            throw failure("packet_num", "packet_num " + Long.toUnsignedString(packetNumber)
                    + " does not increase on this channel (previous " + lastPacketNumber + ")");
        }
        if (packetNumbers != null) {
            String problem = packetNumbers.record(packetNumber);
            if (problem != null) {
                throw failure("packet_num", problem);
            }
        }
        lastPacketNumber = packetNumber;
        packetsRead++;
    }

    private void applyPages(PacketFlags flags) throws MultifdException {
        if (image == null) {
            throw failure("ramblock", "data packet before the RAMBlocks were announced on the main channel");
        }
        String name = header.blockName();
        if (name != lastBlockName || image != lastBlockImage) { // RamHeader keeps the String while it is unchanged
            lastBlock = image.block(name).orElse(null);
            lastBlockName = name;
            lastBlockImage = image;
        }
        block = lastBlock;
        if (block == null) {
            throw failure("ramblock", "unknown RAMBlock '" + name + "'; known: "
                    + image.specs().stream().map(s -> s.name()).toList());
        }
        int listed = header.normalPages() + header.zeroPages();
        for (int i = 0; i < listed; i++) {
            long off = i < header.normalPages() ? header.normalOffset(i) : header.zeroOffset(i - header.normalPages());
            String problem = block.checkOffset(off);
            if (problem != null) {
                throw failure("offset[" + i + "]", problem);
            }
        }
        if (!flags.compression().equals(method.flag())) {
            throw failure("flags", "compression field " + flags.compression() + " but the negotiated method "
                    + method.name() + " has flag " + method.flag());
        }
        int normal = header.normalPages();
        long bound = normal == 0 ? 0 : method.method().maxPayloadSize(normal, pageSize);
        if (header.nextPacketSize() > bound) {
            throw failure("next_packet_size", "next_packet_size " + header.nextPacketSize() + " exceeds "
                    + (normal == 0 ? "0, as the packet has no normal page"
                    : "the bound " + bound + " of method " + method.name() + " for " + normal + " pages"));
        }
        for (int i = 0; i < header.zeroPages(); i++) {
            block.applyZero(header.zeroOffset(i));
        }
        if (normal == 0) {
            return;
        }
        payloadRemaining = (int) header.nextPacketSize();
        long t0 = System.nanoTime();
        try {
            method.method().recv(this);
        } catch (MultifdException e) {
            throw e.withContext(method.name(), id, packetNumber);
        } catch (RuntimeException | LinkageError e) {
            throw bug("recv", "threw " + e, e);
        } finally {
            stats.codec(System.nanoTime() - t0);
        }
        if (payloadRemaining != 0) {
            throw failure("next_packet_size", "method " + method.name() + " left " + payloadRemaining + " of "
                    + header.nextPacketSize() + " payload bytes unread (rule 3.3)");
        }
        for (int i = 0; i < normal; i++) {
            block.markReceived(header.normalOffset(i));
        }
    }

    private String lastNumberText() {
        return lastPacketNumber < 0 ? "none (first packet)" : Long.toString(lastPacketNumber);
    }

    /** Moves staged bytes into {@code b}, as many as fit; returns how many. */
    private int unstage(ByteBuffer b) {
        int k = Math.min(stage.remaining(), b.remaining());
        int at = stage.position();
        stageView.limit(at + k).position(at);
        b.put(stageView);
        stage.position(at + k);
        return k;
    }

    private int readFully(ByteBuffer b) throws MultifdException {
        int total = 0;
        long t0 = 0; // I/O time counts reads from the connection only: most calls are served from the buffer
        try {
            while (b.hasRemaining()) {
                if (stage.hasRemaining()) {
                    total += unstage(b);
                    continue;
                }
                if (t0 == 0) {
                    t0 = System.nanoTime();
                }
                if (b.remaining() >= DIRECT_READ_BYTES && !views.contains(b)) { // never straight into the image
                    int n = in.read(b);
                    if (n < 0) {
                        break;
                    }
                    total += n;
                    streamRead += n;
                } else {
                    stage.clear();
                    int n = in.read(stage);
                    stage.flip();
                    if (n < 0) {
                        stage.limit(0);
                        break;
                    }
                    streamRead += n;
                }
            }
        } catch (IOException e) {
            stage.limit(0);
            throw failure(null, "connection " + connection + " failed while reading"
                    + (packetNumber != MultifdException.NO_PACKET ? ""
                    : lastPacketNumber < 0 ? " its first packet" : " the packet after packet " + lastPacketNumber)
                    + ": " + e.getMessage(), e);
        } finally {
            if (t0 != 0) {
                stats.io(System.nanoTime() - t0);
            }
        }
        return total;
    }

    /**
     * Calls {@code recvCleanup} once and checks rule 1.5.
     *
     * @throws MultifdException when the method left its state slot filled or its cleanup threw
     */
    @Override
    public void close() throws MultifdException {
        runCleanup("recvCleanup", () -> method.method().recvCleanup(this));
    }

    /** @return the header of the last packet read (reused: copy it to keep it) */
    public RamHeader header() {
        return header;
    }

    /** @return this channel's counters */
    public ChannelStats stats() {
        return stats;
    }

    /**
     * @return bytes of the connection consumed by the init packet and the packets read so far
     *         (bytes read ahead for the next packets excluded)
     */
    public long consumedBytes() {
        return streamRead - stage.remaining();
    }

    /** @return packets read so far */
    public long packetsRead() {
        return packetsRead;
    }

    /** @return the connection's name */
    public String connection() {
        return connection;
    }

    // ---- RecvChannel ----

    @Override
    public PacketFlags flags() {
        return PacketFlags.data(header.flags().compression());
    }

    @Override
    public String blockName() {
        return header.blockName();
    }

    @Override
    public int normalCount() {
        return header.normalPages();
    }

    @Override
    public long normalOffset(int i) {
        if (i < 0 || i >= header.normalPages()) {
            throw new IndexOutOfBoundsException("normal page " + i + " outside 0.." + (header.normalPages() - 1));
        }
        return header.normalOffset(i);
    }

    @Override
    public int zeroCount() {
        return header.zeroPages();
    }

    @Override
    public long zeroOffset(int i) {
        if (i < 0 || i >= header.zeroPages()) {
            throw new IndexOutOfBoundsException("zero page " + i + " outside 0.." + (header.zeroPages() - 1));
        }
        return header.zeroOffset(i);
    }

    @Override
    public int nextPacketSize() {
        return (int) header.nextPacketSize();
    }

    @Override
    public int payloadRemaining() {
        return payloadRemaining;
    }

    @Override
    public void readPayload(ByteBuffer dst) throws MultifdException {
        int want = dst.remaining();
        if (want > payloadRemaining) {
            throw failure("next_packet_size", "method " + method.name() + " asked for " + want
                    + " payload bytes but only " + payloadRemaining + " of " + header.nextPacketSize()
                    + " remain (rule 3.3)");
        }
        int n = readFully(dst);
        payloadRemaining -= n;
        if (n < want) {
            throw failure("payload", "stream ended inside the payload: " + (header.nextPacketSize() - payloadRemaining)
                    + " of " + header.nextPacketSize() + " bytes arrived");
        }
    }

    /** The reused writable view of slot {@code i}, set to span page {@code i} (API rule 2.9). */
    @Override
    public ByteBuffer pageBuffer(int i) {
        long offset = normalOffset(i);
        return views.view(i, block.chunk(offset), block.chunkOffset(offset));
    }

    /**
     * The reused view of slot {@code i}, set to span pages {@code i..i+k-1}: as many as follow
     * each other in the block and in its storage chunk (a run never crosses a chunk boundary).
     *
     * <p>Raw pages read into a run go through the read-ahead buffer, never straight from the
     * connection: on this project's VM the kernel's first write into a destination page ran at
     * 0.35-0.54 GB/s against 2.3-2.6 GB/s for a read into the buffer plus a copy; and into
     * preallocated (touched) destination memory, a 'none' transfer over 2 channels used 0.96-1.09 s
     * of destination CPU per GiB instead of 0.21-0.25 (the kernel's copy into the pages took 55%
     * of the destination's samples).
     */
    @Override
    public ByteBuffer pageRun(int i) {
        long offset = normalOffset(i);
        int at = block.chunkOffset(offset);
        ByteBuffer chunk = block.chunk(offset);
        int n = header.normalPages();
        int pages = 1;
        int room = (chunk.capacity() - at) / pageSize;
        while (i + pages < n && pages < room && header.normalOffset(i + pages) == offset + (long) pages * pageSize) {
            pages++;
        }
        return views.run(i, chunk, at, pages);
    }
}
