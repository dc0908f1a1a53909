package io.multifd.core.channel;

import io.multifd.api.MethodFlag;
import io.multifd.api.MultifdException;
import io.multifd.api.PacketFlags;
import io.multifd.api.PageBatch;
import io.multifd.api.SendChannel;
import io.multifd.api.WriteFlag;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.wire.InitPacket;
import io.multifd.core.wire.RamHeader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The send side of one multifd channel: calls the method's send hooks in the order of the
 * contract, checks what they produced (rules 2.1 to 2.6), and writes init packet, RAM packets and
 * SYNC packets byte-exact with QEMU 10.0, each with one gather write.
 *
 * <p>Use from one thread: {@link #writeInit}, {@link #setup()}, then any number of
 * {@link #batch(String)} / {@link #sendBatch()} and {@link #sendSync()}, then {@link #close()}.
 *
 * @since 0.1
 */
public final class ChannelSender extends ChannelBase implements SendChannel, AutoCloseable {

    private final WritableByteChannel out;
    private final AtomicLong packetCounter;
    private final RamHeader header;
    private final ByteBuffer headerBuffer;
    private final SendBatch batch;
    private final ChannelStats stats = new ChannelStats();
    private final ByteBuffer[] syncIov = new ByteBuffer[1];

    private int iovSlots;
    private ByteBuffer[] iov = new ByteBuffer[0];
    private int iovCount;
    private Set<WriteFlag> writeFlags = EnumSet.noneOf(WriteFlag.class);
    private boolean inPrepare;
    private MethodFlag compression = MethodFlag.NONE;
    private int nextPacketSize;
    private boolean filled;
    private int filledSize;
    private MethodFlag filledCompression;

    /**
     * A sender for one channel.
     *
     * @param method        the negotiated method
     * @param id            the channel id
     * @param pageSize      the page size
     * @param out           the connection
     * @param packetCounter the transfer's {@code packet_num} counter, shared by all channels
     * @param detectZero    whether to detect zero pages (QEMU's default {@code multifd})
     */
    public ChannelSender(ResolvedMethod method, int id, int pageSize, WritableByteChannel out, AtomicLong packetCounter,
                         boolean detectZero) {
        super(method, id, pageSize);
        this.out = out;
        this.packetCounter = packetCounter;
        this.header = new RamHeader(pageSize);
        this.headerBuffer = ByteBuffer.allocateDirect(header.byteLength()).order(ByteOrder.BIG_ENDIAN);
        this.batch = new SendBatch(pageSize, capacity, detectZero);
    }

    /**
     * Writes the 64-byte init packet.
     *
     * @param uuid the transfer's UUID
     * @throws MultifdException when the connection fails
     */
    public void writeInit(UUID uuid) throws MultifdException {
        ByteBuffer b = new InitPacket(uuid, id).encode();
        write(new ByteBuffer[] {b}, 1, "init packet", false);
        stats.wire(b.capacity());
    }

    /**
     * Calls {@code sendSetup} and checks rule 2.1. After a failure the method's cleanup has run.
     *
     * @throws MultifdException naming the method and channel
     */
    public void setup() throws MultifdException {
        runSetup("sendSetup", () -> method.method().sendSetup(this));
        if (iovSlots < 1) {
            close();
            throw bug("sendSetup", "broke rule 2.1: it did not declare its payload buffers with setIovSlots()", null);
        }
    }

    /**
     * Starts the next packet's batch.
     *
     * @param blockName the RAMBlock
     * @return the batch to fill with {@link SendBatch#add(long, ByteBuffer)}
     */
    public SendBatch batch(String blockName) {
        return batch.reset(blockName);
    }

    /** @return the current batch */
    public SendBatch currentBatch() {
        return batch;
    }

    /**
     * Builds the current batch into a packet with the method's {@code sendPrepare}, checks the
     * result (rules 2.3 to 2.6) and writes it. Does nothing for an empty batch.
     *
     * @throws MultifdException when the method fails or breaks a rule, or the connection fails
     */
    public void sendBatch() throws MultifdException {
        if (batch.isEmpty()) {
            return;
        }
        iovCount = 1;
        nextPacketSize = 0;
        compression = MethodFlag.NONE;
        filled = false;
        packetNumber = MultifdException.NO_PACKET;
        inPrepare = true;
        long t0 = System.nanoTime();
        try {
            method.method().sendPrepare(this);
        } catch (MultifdException e) {
            throw e.withContext(method.name(), id, packetNumber);
        } catch (RuntimeException | LinkageError e) {
            throw bug("sendPrepare", "threw " + e, e);
        } finally {
            inPrepare = false;
            stats.codec(System.nanoTime() - t0);
        }
        checkPrepared();
        long wire = write(iov, iovCount, "packet", true);
        stats.packet(batch.normalCount(), batch.zeroCount(), nextPacketSize, wire);
        for (int i = 1; i < iovCount; i++) {
            iov[i] = null;
        }
        batch.reset(batch.blockName());
    }

    private void checkPrepared() throws MultifdException {
        if (!filled) {
            throw bug("sendPrepare", "broke rule 2.6: it returned without calling fillPacket()", null);
        }
        if (filledSize != nextPacketSize || !filledCompression.equals(compression)) {
            throw bug("sendPrepare", "broke rule 2.6: it changed the packet after fillPacket()", null);
        }
        if (!compression.equals(method.flag())) {
            throw bug("sendPrepare", "broke rule 2.5: it set compression " + compression + ", its flag is "
                    + method.flag(), null);
        }
        long sum = 0;
        for (int i = 1; i < iovCount; i++) {
            sum += iov[i].remaining();
        }
        if (sum != nextPacketSize) {
            throw bug("sendPrepare", "broke rule 2.4: next_packet_size " + nextPacketSize + " but the payload has "
                    + sum + " bytes", null);
        }
        if (batch.normalCount() == 0 && nextPacketSize != 0) {
            throw bug("sendPrepare", "broke rule 2.3: a packet without normal pages has a payload of "
                    + nextPacketSize + " bytes", null);
        }
        int bound = method.method().maxPayloadSize(batch.normalCount(), pageSize);
        if (nextPacketSize > bound) {
            throw bug("sendPrepare", "broke rule 2.4: next_packet_size " + nextPacketSize
                    + " exceeds its own maxPayloadSize " + bound + " for " + batch.normalCount() + " pages", null);
        }
    }

    /**
     * Writes a SYNC packet (spec §6.2): flags {@code 0x01}, no pages, a fresh {@code packet_num}.
     *
     * @throws MultifdException when the connection fails
     */
    public void sendSync() throws MultifdException {
        packetNumber = packetCounter.getAndIncrement();
        header.setSync(packetNumber);
        encodeHeader();
        syncIov[0] = headerBuffer;
        long wire = write(syncIov, 1, "SYNC packet", true);
        stats.sync(wire);
    }

    private void encodeHeader() {
        headerBuffer.clear();
        header.encode(headerBuffer);
        headerBuffer.flip();
    }

    /**
     * Writes buffers completely.
     *
     * @param what     what they are, for the failure message (built only when the write fails)
     * @param numbered whether the message adds the packet number
     */
    private long write(ByteBuffer[] bufs, int count, String what, boolean numbered) throws MultifdException {
        long total = 0;
        for (int i = 0; i < count; i++) {
            total += bufs[i].remaining();
        }
        long t0 = System.nanoTime();
        try {
            if (out instanceof GatheringByteChannel g) {
                long left = total;
                int first = 0;
                while (left > 0) {
                    long n = g.write(bufs, first, count - first);
                    left -= n;
                    while (first < count && !bufs[first].hasRemaining()) {
                        first++;
                    }
                }
            } else {
                for (int i = 0; i < count; i++) {
                    while (bufs[i].hasRemaining()) {
                        out.write(bufs[i]);
                    }
                }
            }
        } catch (IOException e) {
            throw new MultifdException(method.name(), id, packetNumber, null, "connection failed while writing "
                    + what + (numbered ? " " + packetNumber : "") + ": " + e.getMessage(), e);
        } finally {
            stats.io(System.nanoTime() - t0);
        }
        return total;
    }

    /**
     * Calls {@code sendCleanup} once and checks rule 1.5 (the state slot is empty afterwards).
     *
     * @throws MultifdException when the method left its state slot filled or its cleanup threw
     */
    @Override
    public void close() throws MultifdException {
        runCleanup("sendCleanup", () -> method.method().sendCleanup(this));
    }

    /** @return this channel's counters */
    public ChannelStats stats() {
        return stats;
    }

    /** @return the method */
    public ResolvedMethod resolvedMethod() {
        return method;
    }

    // ---- SendChannel ----

    @Override
    public void setIovSlots(int slots) {
        if (slots < 1) {
            throw new IllegalArgumentException("channel " + id + ": iov slots must be at least 1, got " + slots);
        }
        iovSlots = slots;
        iov = new ByteBuffer[slots + 1];
    }

    @Override
    public int iovSlots() {
        return iovSlots;
    }

    @Override
    public void setWriteFlags(Set<WriteFlag> flags) {
        writeFlags = flags.isEmpty() ? EnumSet.noneOf(WriteFlag.class) : EnumSet.copyOf(flags);
    }

    /** @return the write hints the method set */
    public Set<WriteFlag> writeFlags() {
        return writeFlags;
    }

    @Override
    public PageBatch batch() {
        requirePrepare("batch()");
        return batch;
    }

    @Override
    public void addPayload(ByteBuffer payload) {
        requirePrepare("addPayload()");
        if (iovCount > iovSlots) {
            throw new IllegalStateException("channel " + id + ": method " + method.name()
                    + " added more payload buffers than the " + iovSlots + " it declared in sendSetup (rule 2.1)");
        }
        iov[iovCount++] = payload;
    }

    @Override
    public void setNextPacketSize(int bytes) {
        requirePrepare("setNextPacketSize()");
        nextPacketSize = bytes;
    }

    @Override
    public int nextPacketSize() {
        return nextPacketSize;
    }

    @Override
    public void setCompression(MethodFlag flag) {
        requirePrepare("setCompression()");
        compression = flag;
    }

    @Override
    public PacketFlags flags() {
        return PacketFlags.data(compression);
    }

    @Override
    public void fillPacket() {
        requirePrepare("fillPacket()");
        if (filled) {
            throw new IllegalStateException("channel " + id + ": fillPacket() called twice for one packet (rule 2.6)");
        }
        filled = true;
        filledSize = nextPacketSize;
        filledCompression = compression;
        packetNumber = packetCounter.getAndIncrement();
        header.setData(PacketFlags.data(compression), batch.blockName(), batch.normalCount(), batch.zeroCount(),
                Integer.toUnsignedLong(nextPacketSize), packetNumber);
        int n = batch.normalCount();
        for (int i = 0; i < n; i++) {
            header.setOffset(i, batch.normalOffset(i));
        }
        for (int i = 0; i < batch.zeroCount(); i++) {
            header.setOffset(n + i, batch.zeroOffset(i));
        }
        encodeHeader();
        iov[0] = headerBuffer;
    }

    private void requirePrepare(String call) {
        if (!inPrepare) {
            throw new IllegalStateException("channel " + id + ": " + call + " may only be called inside sendPrepare");
        }
    }
}
