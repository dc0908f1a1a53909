package io.multifd.core.wire;

import io.multifd.api.MultifdException;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.UUID;

/**
 * The 64-byte packet that opens every multifd connection (spec §1.3): magic, version, the
 * transfer's UUID and the channel id.
 *
 * @param uuid      the 16 UUID bytes as a {@link UUID} (big-endian, as QEMU's {@code -uuid} text)
 * @param channelId the channel id, {@code 0..255}
 * @since 0.1
 */
public record InitPacket(UUID uuid, int channelId) {

    /** The all-zero UUID QEMU uses when {@code -uuid} is not given. */
    public static final UUID NIL_UUID = new UUID(0, 0);

    /**
     * Checks arguments.
     *
     * @param uuid      uuid
     * @param channelId channel id
     */
    public InitPacket {
        Objects.requireNonNull(uuid, "uuid");
        if (channelId < 0 || channelId > 255) {
            throw new IllegalArgumentException("channel id " + channelId + " does not fit the u8 field");
        }
    }

    /**
     * Writes the 64 bytes at the buffer's position.
     *
     * @param out a buffer with at least 64 bytes remaining, big-endian
     */
    public void encode(ByteBuffer out) {
        int start = out.position();
        out.putInt(Wire.MAGIC).putInt(Wire.VERSION)
                .putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits())
                .put((byte) channelId);
        while (out.position() < start + Wire.INIT_PACKET_BYTES) {
            out.put((byte) 0);
        }
    }

    /** @return the 64 bytes in a new buffer, flipped for reading */
    public ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(Wire.INIT_PACKET_BYTES);
        encode(b);
        return b.flip();
    }

    /**
     * Parses and checks magic and version (spec §1.4 checks 2 and 3). The UUID and channel id are
     * checked by {@link #validate(UUID, int)}, which needs the transfer's settings.
     *
     * @param in         exactly 64 bytes
     * @param connection a name for the connection in messages (e.g. {@code "conn-1.bin"})
     * @return the packet
     * @throws MultifdException naming the field at fault
     */
    public static InitPacket decode(ByteBuffer in, String connection) throws MultifdException {
        if (in.remaining() < Wire.INIT_PACKET_BYTES) {
            throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, "init packet",
                    connection + ": init packet truncated: " + in.remaining() + " of " + Wire.INIT_PACKET_BYTES
                            + " bytes", null);
        }
        int magic = in.getInt();
        if (magic != Wire.MAGIC) {
            throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, "magic",
                    String.format("%s: init packet magic 0x%08X, expected 0x%08X", connection, magic, Wire.MAGIC),
                    null);
        }
        int version = in.getInt();
        if (version != Wire.VERSION) {
            throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, "version",
                    connection + ": init packet version " + Integer.toUnsignedString(version) + ", expected "
                            + Wire.VERSION, null);
        }
        UUID uuid = new UUID(in.getLong(), in.getLong());
        int id = Byte.toUnsignedInt(in.get());
        in.position(in.position() + Wire.INIT_PACKET_BYTES - 25);
        return new InitPacket(uuid, id);
    }

    /**
     * Checks the UUID and the id range (spec §1.4 checks 4 and 5, without QEMU's off-by-one: id
     * {@code == channels} is rejected). Duplicates are the caller's to check.
     *
     * @param expectedUuid the transfer's UUID
     * @param channels     the number of channels
     * @throws MultifdException naming the field at fault
     */
    public void validate(UUID expectedUuid, int channels) throws MultifdException {
        if (!uuid.equals(expectedUuid)) {
            throw new MultifdException(null, channelId, MultifdException.NO_PACKET, "uuid",
                    "init packet uuid " + uuid + ", expected " + expectedUuid, null);
        }
        if (channelId >= channels) {
            throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, "channel id",
                    "init packet channel id " + channelId + " is out of range: the transfer has " + channels
                            + " channels (0.." + (channels - 1) + ")", null);
        }
    }
}
