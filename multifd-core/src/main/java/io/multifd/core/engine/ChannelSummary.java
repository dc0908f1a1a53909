package io.multifd.core.engine;

import io.multifd.core.channel.ChannelStats;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The counters of one channel (or of all channels) at the end of a transfer.
 *
 * @param channel      the channel id, or -1 for the total
 * @param packets      packets, SYNC included
 * @param syncPackets  SYNC packets
 * @param normalPages  normal pages
 * @param zeroPages    zero pages
 * @param payloadBytes payload bytes (sum of {@code next_packet_size})
 * @param wireBytes    bytes on the wire: init packet, headers and payloads
 * @param codecNanos   time in the method's hooks (compress or decompress)
 * @param ioNanos      time in reads or writes of the connection
 * @param counters     the method's own counters ({@code MultifdMethod.counters})
 * @since 0.1
 */
public record ChannelSummary(int channel, long packets, long syncPackets, long normalPages, long zeroPages,
                             long payloadBytes, long wireBytes, long codecNanos, long ioNanos,
                             Map<String, Long> counters) {

    /**
     * Copies the counters.
     *
     * @param channel      channel
     * @param packets      packets
     * @param syncPackets  sync packets
     * @param normalPages  normal pages
     * @param zeroPages    zero pages
     * @param payloadBytes payload bytes
     * @param wireBytes    wire bytes
     * @param codecNanos   codec time
     * @param ioNanos      I/O time
     * @param counters     method counters
     */
    public ChannelSummary {
        counters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(counters));
    }

    /**
     * A snapshot of live counters.
     *
     * @param channel  the channel id
     * @param s        its counters
     * @param counters the method's counters
     * @return the summary
     */
    public static ChannelSummary of(int channel, ChannelStats s, Map<String, Long> counters) {
        return new ChannelSummary(channel, s.packets(), s.syncPackets(), s.normalPages(), s.zeroPages(),
                s.payloadBytes(), s.wireBytes(), s.codecNanos(), s.ioNanos(), counters);
    }

    /**
     * Adds two summaries (for totals; the channel becomes -1, counters are summed by name).
     *
     * @param o the other
     * @return the sum
     */
    public ChannelSummary plus(ChannelSummary o) {
        Map<String, Long> c = new LinkedHashMap<>(counters);
        o.counters.forEach((k, v) -> c.merge(k, v, Long::sum));
        return new ChannelSummary(-1, packets + o.packets, syncPackets + o.syncPackets, normalPages + o.normalPages,
                zeroPages + o.zeroPages, payloadBytes + o.payloadBytes, wireBytes + o.wireBytes,
                codecNanos + o.codecNanos, ioNanos + o.ioNanos, c);
    }

    /** @return an all-zero total */
    static ChannelSummary zero() {
        return new ChannelSummary(-1, 0, 0, 0, 0, 0, 0, 0, 0, Map.of());
    }

    /** @return data packets (SYNC packets not counted) */
    public long dataPackets() {
        return packets - syncPackets;
    }

    /**
     * @param pageSize the page size
     * @return image bytes covered: {@code (normal + zero) * pageSize}
     */
    public long imageBytes(int pageSize) {
        return (normalPages + zeroPages) * pageSize;
    }

    /**
     * Image bytes per byte on the wire.
     *
     * @param pageSize the page size
     * @return the ratio, 0 when nothing was sent
     */
    public double ratio(int pageSize) {
        return wireBytes == 0 ? 0 : (double) imageBytes(pageSize) / wireBytes;
    }
}
