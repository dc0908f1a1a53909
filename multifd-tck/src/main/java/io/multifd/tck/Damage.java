package io.multifd.tck;

import io.multifd.api.MultifdApi;
import io.multifd.core.wire.Wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A way to damage the middle packet of a recorded three-packet stream, as a broken or hostile
 * peer would.
 *
 * @since 0.1
 */
public enum Damage {
    /** The connection ends inside the payload. */
    TRUNCATED_STREAM,
    /** The payload loses bytes at its end and {@code next_packet_size} says so. */
    TRUNCATED_PAYLOAD,
    /** Junk follows the payload and {@code next_packet_size} counts it. */
    TRAILING_BYTES,
    /** {@code next_packet_size} exceeds the method's {@code maxPayloadSize}. */
    OVERSIZED,
    /** The header lists one normal page less than the payload holds. */
    FEWER_PAGES_LISTED,
    /** The header lists one normal page more than the payload holds. */
    MORE_PAGES_LISTED,
    /** Some payload bits are flipped. */
    BIT_FLIPS;

    /**
     * A damaged stream.
     *
     * @param stream      the damaged bytes
     * @param end         how many of them the receiver gets
     * @param description what was done, for messages
     */
    record Damaged(byte[] stream, int end, String description) {
    }

    /**
     * Damages the packet {@code p} of a stream.
     *
     * @param stream    the recorded stream
     * @param p         the packet to damage; it lists at least one normal page
     * @param pageSize  the page size
     * @param bound     the method's {@code maxPayloadSize} for the packet's normal pages
     * @param spare     a valid page offset that no packet sends
     * @param seed      the seed of the damage
     * @return the damaged stream
     */
    Damaged apply(byte[] stream, WirePacket p, int pageSize, int bound, long spare, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int len = p.payloadBytes();
        int ps = p.payloadStart();
        switch (this) {
            case TRUNCATED_STREAM -> {
                int cut = len == 0 ? 0 : random.nextInt(len);
                return new Damaged(stream, ps + cut, "the connection ends after " + cut + " of the "
                        + len + " payload bytes");
            }
            case TRUNCATED_PAYLOAD -> {
                int k = len <= 1 ? len : 1 + random.nextInt(random.nextBoolean() ? Math.min(len, 16) : len);
                byte[] out = splice(stream, ps + len - k, p.end(), new byte[0]);
                setInt(out, p.start() + WirePacket.NEXT_PACKET_SIZE_AT, len - k);
                return new Damaged(out, out.length, "the payload lost its last " + k + " of " + len
                        + " bytes, next_packet_size says " + (len - k));
            }
            case TRAILING_BYTES -> {
                int k = 1 + random.nextInt(32);
                byte[] junk = new byte[k];
                for (int i = 0; i < k; i++) {
                    junk[i] = (byte) random.nextInt(256);
                }
                byte[] out = splice(stream, p.end(), p.end(), junk);
                setInt(out, p.start() + WirePacket.NEXT_PACKET_SIZE_AT, len + k);
                return new Damaged(out, out.length, k + " junk bytes follow the " + len
                        + "-byte payload, next_packet_size says " + (len + k));
            }
            case OVERSIZED -> {
                byte[] out = stream.clone();
                long declared = random.nextBoolean() ? bound + 1L + random.nextInt(4096) : 0xFFFFFFF0L;
                setInt(out, p.start() + WirePacket.NEXT_PACKET_SIZE_AT, (int) declared);
                return new Damaged(out, out.length, "next_packet_size says " + declared + ", above the method's"
                        + " maxPayloadSize " + bound + " for " + p.normalPages() + " pages");
            }
            case FEWER_PAGES_LISTED -> {
                byte[] out = stream.clone();
                int n = p.normalPages();
                int z = p.zeroPages();
                int at = p.start() + Wire.OFFSETS_AT;
                System.arraycopy(out, at + 8 * n, out, at + 8 * (n - 1), 8 * z);
                Arrays.fill(out, at + 8 * (n - 1 + z), at + 8 * (n + z), (byte) 0);
                setInt(out, p.start() + WirePacket.NORMAL_PAGES_AT, n - 1);
                return new Damaged(out, out.length, "the header lists " + (n - 1) + " normal pages, the payload"
                        + " holds " + n);
            }
            case MORE_PAGES_LISTED -> {
                byte[] out = stream.clone();
                int n = p.normalPages();
                int z = p.zeroPages();
                if (n + z >= MultifdApi.packetCapacity(pageSize)) {
                    throw new IllegalArgumentException("kit error: no room for one more page");
                }
                int at = p.start() + Wire.OFFSETS_AT;
                System.arraycopy(out, at + 8 * n, out, at + 8 * (n + 1), 8 * z);
                ByteBuffer.wrap(out).order(ByteOrder.BIG_ENDIAN).putLong(at + 8 * n, spare);
                setInt(out, p.start() + WirePacket.NORMAL_PAGES_AT, n + 1);
                return new Damaged(out, out.length, "the header lists " + (n + 1) + " normal pages, the payload"
                        + " holds " + n);
            }
            case BIT_FLIPS -> {
                byte[] out = stream.clone();
                int flips = len == 0 ? 0 : 1 + random.nextInt(8);
                StringBuilder where = new StringBuilder();
                for (int i = 0; i < flips; i++) {
                    int bit = random.nextInt(len * 8);
                    out[ps + bit / 8] ^= (byte) (1 << (bit % 8));
                    where.append(i == 0 ? "" : ", ").append(bit / 8).append('.').append(bit % 8);
                }
                return new Damaged(out, out.length, flips + " bits of the " + len + "-byte payload flipped"
                        + " (byte.bit: " + where + ")");
            }
            default -> throw new AssertionError(this);
        }
    }

    private static byte[] splice(byte[] stream, int cutFrom, int cutTo, byte[] insert) {
        byte[] out = new byte[stream.length - (cutTo - cutFrom) + insert.length];
        System.arraycopy(stream, 0, out, 0, cutFrom);
        System.arraycopy(insert, 0, out, cutFrom, insert.length);
        System.arraycopy(stream, cutTo, out, cutFrom + insert.length, stream.length - cutTo);
        return out;
    }

    private static void setInt(byte[] b, int at, int v) {
        ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN).putInt(at, v);
    }
}
