package io.multifd.core.wire;

import io.multifd.api.MultifdException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A device-state packet header (spec §2.5, flag {@code 0x40}). Parsed so that it can be rejected
 * with a clear message: this project moves memory images, not device state.
 *
 * @param idstr          the device section id
 * @param instanceId     its instance id
 * @param nextPacketSize the blob's length
 * @since 0.1
 */
public record DeviceStateHeader(String idstr, long instanceId, long nextPacketSize) {

    /**
     * Parses the 264 bytes after the common header and applies QEMU's checks.
     *
     * @param in 264 bytes
     * @return the header
     * @throws MultifdException for an unterminated idstr or an empty blob
     */
    public static DeviceStateHeader decode(ByteBuffer in) throws MultifdException {
        byte[] id = new byte[Wire.BLOCK_NAME_BYTES];
        in.get(id);
        int len = 0;
        while (len < id.length && id[len] != 0) {
            len++;
        }
        if (len == id.length) {
            throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, "idstr",
                    "device-state packet idstr is not NUL-terminated", null);
        }
        long instance = Integer.toUnsignedLong(in.getInt());
        long size = Integer.toUnsignedLong(in.getInt());
        if (size == 0) {
            throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET,
                    "next_packet_size", "empty device-state packet", null);
        }
        return new DeviceStateHeader(new String(id, 0, len, StandardCharsets.UTF_8), instance, size);
    }
}
