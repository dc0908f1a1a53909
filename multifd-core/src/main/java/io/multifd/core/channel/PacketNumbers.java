package io.multifd.core.channel;

import java.util.BitSet;

/**
 * Checks that {@code packet_num} values are unique across all channels of one transfer, with
 * bounded memory: a window of {@value #WINDOW} numbers slides forward with the highest one seen.
 * A number below the window is rejected as a replay (a real channel never lags that far behind:
 * every pass ends with a sync of all channels).
 *
 * @since 0.1
 */
public final class PacketNumbers {

    /** Width of the window of remembered numbers. */
    public static final int WINDOW = 1 << 22;

    private final BitSet seen = new BitSet();
    private long low;

    /** An empty record of numbers, for one transfer. */
    public PacketNumbers() {
    }

    /**
     * Records a number.
     *
     * @param packetNum the unsigned {@code packet_num}
     * @return null when new, else a sentence saying why it is rejected
     */
    public synchronized String record(long packetNum) {
        if (packetNum < 0) {
            return "packet_num " + Long.toUnsignedString(packetNum) + " is beyond 2^63";
        }
        if (packetNum < low) {
            return "packet_num " + packetNum + " is older than the last " + WINDOW + " numbers (replayed packet?)";
        }
        if (packetNum - low >= WINDOW) {
            long newLow = packetNum - WINDOW / 2;
            int shift = (int) Math.min(newLow - low, Integer.MAX_VALUE);
            BitSet moved = shift >= WINDOW ? new BitSet() : seen.get(shift, WINDOW);
            seen.clear();
            seen.or(moved);
            low = newLow;
        }
        int bit = (int) (packetNum - low);
        if (seen.get(bit)) {
            return "packet_num " + packetNum + " was already used by another packet";
        }
        seen.set(bit);
        return null;
    }
}
