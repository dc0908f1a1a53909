package io.multifd.cli.mutation;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One migration as bytes, one array per connection, with the layout of its multifd connections
 * (init packet, then packet headers and payloads) found by walking the framing.
 *
 * @param name        where it comes from (capture set or transcoded method)
 * @param method      the method of its packets
 * @param pageSize    the page size
 * @param connections the connections, the main one first
 * @param blockSha    the unmutated decode: RAMBlock name to sha256
 * @param blockSizes  RAMBlock name to size in bytes
 */
record Stream(String name, String method, int pageSize, List<Conn> connections, Map<String, String> blockSha,
              Map<String, Long> blockSizes) {

    /** Offsets of the RAM header fields, from the packet's first byte (spec §2.3). */
    static final int MAGIC = 0;
    static final int VERSION = 4;
    static final int FLAGS = 8;
    static final int PAGES_ALLOC = 12;
    static final int NORMAL_PAGES = 16;
    static final int NEXT_PACKET_SIZE = 20;
    static final int PACKET_NUM = 24;
    static final int ZERO_PAGES = 32;
    static final int RESERVED = 36;
    static final int RAMBLOCK = 64;
    static final int OFFSETS = 320;

    /** Every field start of a RAM header, for truncation at each of them. */
    static final int[] FIELD_STARTS = {MAGIC, VERSION, FLAGS, PAGES_ALLOC, NORMAL_PAGES, NEXT_PACKET_SIZE,
        PACKET_NUM, ZERO_PAGES, RESERVED, RAMBLOCK, OFFSETS};

    /**
     * One connection.
     *
     * @param name    file name
     * @param bytes   the bytes
     * @param packets for a multifd connection: its packets in order; empty for the main channel
     */
    record Conn(String name, byte[] bytes, List<Packet> packets) {

        boolean isMain() {
            return bytes.length >= 4 && ByteBuffer.wrap(bytes).getInt(0) == 0x5145564D;
        }
    }

    /**
     * One RAM packet of a multifd connection.
     *
     * @param start       first byte
     * @param headerBytes header length
     * @param payload     payload length
     * @param listed      normal + zero pages
     * @param normal      normal pages
     * @param sync        SYNC flag
     */
    record Packet(int start, int headerBytes, int payload, int listed, int normal, boolean sync) {

        int end() {
            return start + headerBytes + payload;
        }

        int payloadStart() {
            return start + headerBytes;
        }
    }

    /**
     * Walks a multifd connection's framing.
     *
     * @param bytes    the connection
     * @param pageSize page size
     * @return its RAM packets (stops at anything that is not a well-formed RAM packet)
     */
    static List<Packet> packets(byte[] bytes, int pageSize) {
        int header = 320 + 8 * (512 * 1024 / pageSize);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        List<Packet> out = new ArrayList<>();
        int at = 64;
        while (at + header <= bytes.length) {
            int flags = b.getInt(at + FLAGS);
            if ((flags & 0x40) != 0) {
                break;
            }
            int normal = b.getInt(at + NORMAL_PAGES);
            int zero = b.getInt(at + ZERO_PAGES);
            int size = b.getInt(at + NEXT_PACKET_SIZE);
            if (size < 0 || at + header + (long) size > bytes.length) {
                break;
            }
            out.add(new Packet(at, header, size, normal + zero, normal, (flags & 1) != 0));
            at += header + size;
        }
        return List.copyOf(out);
    }
}
