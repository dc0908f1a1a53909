package io.multifd.tck;

import io.multifd.core.wire.Wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Where one RAM packet sits in a recorded stream, and the header fields the kit checks, read
 * straight from the bytes (independently of the core's codec).
 *
 * @param start          offset of the header in the stream
 * @param headerBytes    length of the header
 * @param wireBytes      bytes the sender wrote for this packet, header included
 * @param flags          the flags word
 * @param normalPages    {@code normal_pages}
 * @param zeroPages      {@code zero_pages}
 * @param nextPacketSize {@code next_packet_size}
 */
record WirePacket(int start, int headerBytes, int wireBytes, int flags, int normalPages, int zeroPages,
                  long nextPacketSize) {

    /** Offset of {@code pages_alloc} in the header. */
    static final int PAGES_ALLOC_AT = 12;
    /** Offset of {@code normal_pages} in the header. */
    static final int NORMAL_PAGES_AT = 16;
    /** Offset of {@code next_packet_size} in the header. */
    static final int NEXT_PACKET_SIZE_AT = 20;
    /** Offset of {@code zero_pages} in the header. */
    static final int ZERO_PAGES_AT = 32;

    /**
     * Reads the header of a packet the sender just wrote.
     *
     * @param stream   the recorded stream
     * @param start    where the packet starts
     * @param end      where the next one starts
     * @param pageSize the page size
     * @return the packet
     */
    static WirePacket parse(byte[] stream, int start, int end, int pageSize) {
        ByteBuffer b = ByteBuffer.wrap(stream).order(ByteOrder.BIG_ENDIAN);
        return new WirePacket(start, Wire.ramHeaderBytes(pageSize), end - start, b.getInt(start + 8),
                b.getInt(start + NORMAL_PAGES_AT), b.getInt(start + ZERO_PAGES_AT),
                Integer.toUnsignedLong(b.getInt(start + NEXT_PACKET_SIZE_AT)));
    }

    /** @return where the payload starts */
    int payloadStart() {
        return start + headerBytes;
    }

    /** @return the payload bytes actually written after the header */
    int payloadBytes() {
        return wireBytes - headerBytes;
    }

    /** @return where the packet ends */
    int end() {
        return start + wireBytes;
    }
}
