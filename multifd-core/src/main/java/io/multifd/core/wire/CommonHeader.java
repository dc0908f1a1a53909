package io.multifd.core.wire;

import io.multifd.api.MultifdException;
import io.multifd.api.PacketFlags;

import java.nio.ByteBuffer;

/**
 * The 12 bytes that start every packet (spec §2.2): magic, version, flags.
 *
 * @since 0.1
 */
public final class CommonHeader {

    private CommonHeader() {
    }

    /**
     * Checks magic and version and parses the flags.
     *
     * @param in 12 bytes
     * @return the typed flags
     * @throws MultifdException naming the field at fault: magic, version or flags
     */
    public static PacketFlags decode(ByteBuffer in) throws MultifdException {
        int magic = in.getInt();
        if (magic != Wire.MAGIC) {
            throw field("magic", String.format("packet magic 0x%08X, expected 0x%08X", magic, Wire.MAGIC));
        }
        int version = in.getInt();
        if (version != Wire.VERSION) {
            throw field("version", "packet version " + Integer.toUnsignedString(version) + ", expected " + Wire.VERSION);
        }
        int flags = in.getInt();
        try {
            return PacketFlags.of(flags);
        } catch (IllegalArgumentException e) {
            throw field("flags", e.getMessage());
        }
    }

    private static MultifdException field(String field, String detail) {
        return new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, field, detail, null);
    }
}
