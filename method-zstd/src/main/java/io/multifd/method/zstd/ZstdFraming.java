package io.multifd.method.zstd;

import java.nio.ByteBuffer;

/**
 * Follows the frame and block layout (RFC 8878 §3.1) of one channel's payloads without decoding
 * them, to check that every payload ends where a flush ends: at a block boundary. zstd's streaming
 * decoder would otherwise swallow a few trailing bytes (a partial block header) silently and
 * misread the next packet. QEMU checks none of this (P-ZSTD-2).
 *
 * <p>Accepts what a zstd decoder accepts between frames: one endless frame (QEMU), a complete frame
 * per packet, skippable frames. State carries from payload to payload: whether a frame is open
 * and whether it ends with a checksum.
 */
final class ZstdFraming {

    static final int MAGIC = 0xFD2FB528;
    static final int SKIPPABLE_MAGIC = 0x184D2A50;
    static final int SKIPPABLE_MASK = 0xFFFFFFF0;

    private static final int[] DICT_ID_BYTES = {0, 1, 2, 4};

    private boolean inFrame;
    private boolean checksum;

    /**
     * Walks one payload and advances the state.
     *
     * @param payload the payload, from position to limit; not moved
     * @return null when it ends at a block or frame boundary, else a sentence saying what is wrong
     */
    String check(ByteBuffer payload) {
        int start = payload.position();
        int end = payload.limit();
        int pos = start;
        while (pos < end) {
            int left = end - pos;
            if (!inFrame) {
                if (left < 4) {
                    return "the payload ends " + left + " bytes into a frame magic at byte " + (pos - start);
                }
                int magic = intLE(payload, pos);
                if ((magic & SKIPPABLE_MASK) == SKIPPABLE_MAGIC) {
                    if (left < 8) {
                        return "the payload ends inside a skippable frame header at byte " + (pos - start);
                    }
                    long size = Integer.toUnsignedLong(intLE(payload, pos + 4));
                    if (size > left - 8) {
                        return "a skippable frame of " + size + " bytes at byte " + (pos - start)
                                + " runs past the end of the payload";
                    }
                    pos += 8 + (int) size;
                    continue;
                }
                if (magic != MAGIC) {
                    return String.format("expected the zstd frame magic 28 B5 2F FD at payload byte %d, found %08X",
                            pos - start, Integer.reverseBytes(magic));
                }
                if (left < 5) {
                    return "the payload ends inside the frame header at byte " + (pos - start);
                }
                int fhd = payload.get(pos + 4) & 0xFF;
                if ((fhd & 0x08) != 0) {
                    return String.format("the frame header descriptor 0x%02X at payload byte %d has its reserved bit set",
                            fhd, pos + 4 - start);
                }
                boolean singleSegment = (fhd & 0x20) != 0;
                int fcsFlag = fhd >>> 6;
                int header = 5 + (singleSegment ? 0 : 1) + DICT_ID_BYTES[fhd & 0x03]
                        + (fcsFlag == 0 ? (singleSegment ? 1 : 0) : 1 << fcsFlag);
                if (left < header) {
                    return "the payload ends inside a " + header + "-byte frame header at byte " + (pos - start);
                }
                checksum = (fhd & 0x04) != 0;
                inFrame = true;
                pos += header;
                continue;
            }
            if (left < ZstdMethod.BLOCK_HEADER) {
                return "the payload ends " + left + " bytes into a block header at byte " + (pos - start)
                        + " (trailing bytes, or a missing flush)";
            }
            int bh = (payload.get(pos) & 0xFF) | (payload.get(pos + 1) & 0xFF) << 8 | (payload.get(pos + 2) & 0xFF) << 16;
            boolean last = (bh & 1) != 0;
            int type = (bh >>> 1) & 0x03;
            int size = bh >>> 3;
            if (type == 3) {
                return "the block at payload byte " + (pos - start) + " has the reserved block type 3";
            }
            if (size > ZstdMethod.BLOCK_MAX) {
                return "the block at payload byte " + (pos - start) + " declares " + size + " bytes, more than 128 KiB";
            }
            int content = type == 1 ? 1 : size; // an RLE block carries one byte
            if (content > left - ZstdMethod.BLOCK_HEADER) {
                return "the " + content + "-byte block at payload byte " + (pos - start) + " runs "
                        + (content - (left - ZstdMethod.BLOCK_HEADER)) + " bytes past the end of the payload";
            }
            pos += ZstdMethod.BLOCK_HEADER + content;
            if (last) {
                inFrame = false;
                if (checksum) {
                    if (end - pos < 4) {
                        return "the payload ends inside the frame checksum at byte " + (pos - start);
                    }
                    pos += 4;
                }
            }
        }
        return null;
    }

    private static int intLE(ByteBuffer b, int at) {
        return (b.get(at) & 0xFF) | (b.get(at + 1) & 0xFF) << 8 | (b.get(at + 2) & 0xFF) << 16 | (b.get(at + 3) & 0xFF) << 24;
    }
}
