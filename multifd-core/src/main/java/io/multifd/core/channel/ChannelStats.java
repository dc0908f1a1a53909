package io.multifd.core.channel;

/**
 * Counters of one channel in one direction. Updated by the channel thread only; read by others
 * for progress (values may then be slightly stale).
 *
 * @since 0.1
 */
public final class ChannelStats {

    private volatile long packets;
    private volatile long syncPackets;
    private volatile long normalPages;
    private volatile long zeroPages;
    private volatile long payloadBytes;
    private volatile long wireBytes;
    private volatile long codecNanos;
    private volatile long ioNanos;

    /** Zero counters. */
    public ChannelStats() {
    }

    void packet(int normal, int zero, long payload, long wire) {
        packets++;
        normalPages += normal;
        zeroPages += zero;
        payloadBytes += payload;
        wireBytes += wire;
    }

    void sync(long wire) {
        packets++;
        syncPackets++;
        wireBytes += wire;
    }

    /** A SYNC packet that also carried pages (senders before QEMU 9.0): counted by packet() already. */
    void syncCarriedPages() {
        syncPackets++;
    }

    void wire(long bytes) {
        wireBytes += bytes;
    }

    void codec(long nanos) {
        codecNanos += nanos;
    }

    void io(long nanos) {
        ioNanos += nanos;
    }

    /**
     * Adds another channel's counters into this one (for totals).
     *
     * @param o the other counters
     * @return this
     */
    public synchronized ChannelStats add(ChannelStats o) {
        packets += o.packets;
        syncPackets += o.syncPackets;
        normalPages += o.normalPages;
        zeroPages += o.zeroPages;
        payloadBytes += o.payloadBytes;
        wireBytes += o.wireBytes;
        codecNanos += o.codecNanos;
        ioNanos += o.ioNanos;
        return this;
    }

    /** @return packets, SYNC included */
    public long packets() {
        return packets;
    }

    /** @return SYNC packets */
    public long syncPackets() {
        return syncPackets;
    }

    /** @return normal pages */
    public long normalPages() {
        return normalPages;
    }

    /** @return zero pages */
    public long zeroPages() {
        return zeroPages;
    }

    /** @return payload bytes (sum of next_packet_size) */
    public long payloadBytes() {
        return payloadBytes;
    }

    /** @return bytes on the wire: init packet, headers and payloads */
    public long wireBytes() {
        return wireBytes;
    }

    /** @return nanoseconds spent in the method's hooks (compress or decompress) */
    public long codecNanos() {
        return codecNanos;
    }

    /** @return nanoseconds spent waiting on the connection */
    public long ioNanos() {
        return ioNanos;
    }

    /**
     * Image bytes (normal and zero pages) per byte on the wire.
     *
     * @param pageSize the page size
     * @return the ratio, or 0 with nothing sent
     */
    public double ratio(int pageSize) {
        return wireBytes == 0 ? 0 : (double) (normalPages + zeroPages) * pageSize / wireBytes;
    }

    @Override
    public String toString() {
        return "packets=" + packets + " syncs=" + syncPackets + " normal=" + normalPages + " zero=" + zeroPages
                + " payload=" + payloadBytes + " wire=" + wireBytes;
    }
}
