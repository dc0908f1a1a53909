package io.multifd.core.wire;

import io.multifd.api.MultifdApi;

/**
 * Sizes and constants of QEMU 10.0's multifd framing (spec §1.3, §2).
 *
 * @since 0.1
 */
public final class Wire {

    /** Magic of init packets and of every packet header: BE {@code 0x11223344}. */
    public static final int MAGIC = 0x11223344;
    /** The only multifd version: 1. */
    public static final int VERSION = 1;
    /** Magic of the main migration stream: {@code QEVM}. */
    public static final int MAIN_MAGIC = 0x5145564D;
    /** Bytes of an init packet. */
    public static final int INIT_PACKET_BYTES = 64;
    /** Bytes of the common header (magic, version, flags). */
    public static final int COMMON_HEADER_BYTES = 12;
    /** Bytes of a RAMBlock name field, NUL included. */
    public static final int BLOCK_NAME_BYTES = 256;
    /** Offset of the offsets array in a RAM header. */
    public static final int OFFSETS_AT = 320;
    /** Bytes of a device-state header, common header included. */
    public static final int DEVICE_STATE_HEADER_BYTES = 276;

    private Wire() {
    }

    /**
     * The full RAM header length for a page size: {@code 320 + 8 * (524288 / pageSize)}, 1344 for
     * 4 KiB pages. Sender and receiver must agree on it.
     *
     * @param pageSize the page size
     * @return the header length in bytes, common header included
     */
    public static int ramHeaderBytes(int pageSize) {
        return OFFSETS_AT + 8 * MultifdApi.packetCapacity(pageSize);
    }
}
