package io.multifd.core.qemu.live;

import io.multifd.api.MultifdException;
import io.multifd.api.PacketFlags;
import io.multifd.core.wire.InitPacket;
import io.multifd.core.wire.RamHeader;
import io.multifd.core.wire.Wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pass-through view of one connection that watches the bytes its reader consumes: it counts
 * them (for idle detection) and, when the connection is a multifd channel, follows its framing to
 * record every packet's number, flags, RAMBlock and offsets ({@link RecordedPacket}). It never
 * changes, adds or holds back a byte and never fails the read: a malformed stream just stops the
 * recording, and the real receiver reports the error.
 *
 * <p>Read by one thread at a time; {@link #bytes()} may be called from any thread.
 */
final class PacketTap implements ReadableByteChannel {

    private enum State { INIT, COMMON, RAM_REST, DEVICE_REST, PAYLOAD, MAIN, BROKEN }

    private final ReadableByteChannel in;
    private final String connection;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong lastActivity = new AtomicLong(System.nanoTime());
    private final RamHeader header;
    private final ByteBuffer init = ByteBuffer.allocate(Wire.INIT_PACKET_BYTES);
    private final ByteBuffer common = ByteBuffer.allocate(Wire.COMMON_HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
    private final ByteBuffer rest;
    private final ByteBuffer deviceRest = ByteBuffer.allocate(Wire.DEVICE_STATE_HEADER_BYTES - Wire.COMMON_HEADER_BYTES);
    private final List<RecordedPacket> packets = new ArrayList<>();

    private State state = State.INIT;
    private PacketFlags flags;
    private long payloadLeft;
    private InitPacket initPacket;
    private boolean ended;
    private String problem;

    PacketTap(ReadableByteChannel in, String connection, int pageSize) {
        this.in = in;
        this.connection = connection;
        this.header = new RamHeader(pageSize);
        this.rest = ByteBuffer.allocate(header.byteLength() - Wire.COMMON_HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int start = dst.position();
        int n = in.read(dst);
        if (n > 0) {
            bytes.addAndGet(n);
            lastActivity.set(System.nanoTime());
            ByteBuffer seen = dst.duplicate();
            seen.limit(start + n).position(start);
            observe(seen);
        } else if (n < 0 && state == State.COMMON && common.position() == 0) {
            ended = true;
        }
        return n;
    }

    private void observe(ByteBuffer b) {
        while (b.hasRemaining()) {
            switch (state) {
                case MAIN, BROKEN -> {
                    return;
                }
                case INIT -> {
                    fill(init, b);
                    if (init.position() >= 4 && init.getInt(0) == Wire.MAIN_MAGIC) {
                        state = State.MAIN;
                        return;
                    }
                    if (!init.hasRemaining()) {
                        try {
                            initPacket = InitPacket.decode(init.flip(), connection);
                            state = State.COMMON;
                        } catch (MultifdException e) {
                            broken(e.getMessage());
                        }
                    }
                }
                case COMMON -> {
                    fill(common, b);
                    if (!common.hasRemaining()) {
                        int magic = common.getInt(0);
                        int version = common.getInt(4);
                        int wire = common.getInt(8);
                        common.clear();
                        if (magic != Wire.MAGIC || version != Wire.VERSION) {
                            broken(String.format("packet header magic 0x%08X version %d", magic, version));
                            break;
                        }
                        try {
                            flags = PacketFlags.of(wire);
                        } catch (IllegalArgumentException e) {
                            broken(e.getMessage());
                            break;
                        }
                        state = flags.deviceState() ? State.DEVICE_REST : State.RAM_REST;
                    }
                }
                case RAM_REST -> {
                    fill(rest, b);
                    if (!rest.hasRemaining()) {
                        try {
                            header.decode(flags, rest.flip());
                        } catch (MultifdException e) {
                            broken(e.getMessage());
                            break;
                        }
                        rest.clear();
                        record();
                        startPayload(header.nextPacketSize());
                    }
                }
                case DEVICE_REST -> {
                    fill(deviceRest, b);
                    if (!deviceRest.hasRemaining()) {
                        long size = Integer.toUnsignedLong(deviceRest.getInt(deviceRest.limit() - 4));
                        deviceRest.clear();
                        broken("device-state packet (not recorded)");
                        startPayload(size);
                    }
                }
                case PAYLOAD -> {
                    int step = (int) Math.min(payloadLeft, b.remaining());
                    b.position(b.position() + step);
                    payloadLeft -= step;
                    if (payloadLeft == 0) {
                        state = State.COMMON;
                    }
                }
                default -> throw new IllegalStateException(state.toString());
            }
        }
    }

    private void startPayload(long size) {
        if (state == State.BROKEN) {
            return;
        }
        payloadLeft = size;
        state = size == 0 ? State.COMMON : State.PAYLOAD;
    }

    private void record() {
        int normal = header.normalPages();
        int listed = normal + header.zeroPages();
        long[] offsets = new long[listed];
        for (int i = 0; i < normal; i++) {
            offsets[i] = header.normalOffset(i);
        }
        for (int i = 0; i < header.zeroPages(); i++) {
            offsets[normal + i] = header.zeroOffset(i);
        }
        if (listed == 0) {
            packets.add(flags.sync() ? RecordedPacket.sync(header.packetNum())
                    : new RecordedPacket(header.packetNum(), false, "", offsets, 0));
        } else if (header.blockName().isEmpty()) {
            // malformed (the receiver reports the unknown RAMBlock): stop recording, never throw
            broken("packet " + Long.toUnsignedString(header.packetNum()) + " lists pages but names no RAMBlock");
        } else {
            packets.add(new RecordedPacket(header.packetNum(), flags.sync(), header.blockName(), offsets, normal));
        }
    }

    private void broken(String why) {
        if (problem == null) {
            problem = why;
        }
        state = State.BROKEN;
    }

    private static void fill(ByteBuffer target, ByteBuffer from) {
        int step = Math.min(target.remaining(), from.remaining());
        ByteBuffer part = from.slice(from.position(), step);
        target.put(part);
        from.position(from.position() + step);
    }

    /** @return the bytes read through this tap so far */
    long bytes() {
        return bytes.get();
    }

    /** @return {@link System#nanoTime()} of the last read that returned bytes */
    long lastActivity() {
        return lastActivity.get();
    }

    /** @return whether the connection is the main channel ({@code QEVM}) */
    boolean isMain() {
        return state == State.MAIN;
    }

    /** @return the init packet, once read */
    Optional<InitPacket> initPacket() {
        return Optional.ofNullable(initPacket);
    }

    /** @return why recording stopped early, if it did */
    Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    /** @return the name of the connection */
    String connection() {
        return connection;
    }

    /**
     * The recording so far.
     *
     * @return the channel's packets; {@code ended} when it ended at a packet boundary
     */
    ChannelRecording recording() {
        return new ChannelRecording(initPacket == null ? -1 : initPacket.channelId(), connection, packets,
                ended && problem == null);
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
