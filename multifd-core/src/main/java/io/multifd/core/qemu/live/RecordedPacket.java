package io.multifd.core.qemu.live;

import java.util.Objects;

/**
 * One packet of a multifd channel as recorded for a later re-send: its number, whether it was a
 * SYNC packet, and for a data packet its RAMBlock and page offsets. Page contents are not kept:
 * a re-send takes them from the received images.
 *
 * <p>The offset array is shared, not copied: do not change it.
 *
 * @param packetNum   the packet's {@code packet_num}
 * @param sync        whether the SYNC flag was set
 * @param block       the RAMBlock name; empty for a SYNC packet without pages
 * @param offsets     the byte offsets: the normal pages first, then the zero pages
 * @param normalPages how many of {@code offsets} are normal pages
 * @since 0.1
 */
public record RecordedPacket(long packetNum, boolean sync, String block, long[] offsets, int normalPages) {

    private static final long[] NONE = new long[0];

    /**
     * Checks the values.
     *
     * @param packetNum   packet number
     * @param sync        SYNC flag
     * @param block       block name
     * @param offsets     offsets
     * @param normalPages normal pages
     */
    public RecordedPacket {
        Objects.requireNonNull(block, "block");
        Objects.requireNonNull(offsets, "offsets");
        if (normalPages < 0 || normalPages > offsets.length) {
            throw new IllegalArgumentException("normal pages " + normalPages + " outside 0.." + offsets.length);
        }
        if (offsets.length > 0 && block.isEmpty()) {
            throw new IllegalArgumentException("packet " + packetNum + " lists pages but names no RAMBlock");
        }
    }

    /**
     * A SYNC packet without pages.
     *
     * @param packetNum its number
     * @return the record
     */
    public static RecordedPacket sync(long packetNum) {
        return new RecordedPacket(packetNum, true, "", NONE, 0);
    }

    /** @return the number of zero pages */
    public int zeroPages() {
        return offsets.length - normalPages;
    }

    /** @return the number of pages listed */
    public int pages() {
        return offsets.length;
    }
}
