package io.multifd.core.qemu;

import io.multifd.core.json.Json;

/**
 * What one multifd connection carried.
 *
 * @param channel      the channel id of its init packet
 * @param connection   the connection's name (file name or peer address)
 * @param packets      packets, SYNC packets included
 * @param syncPackets  SYNC packets
 * @param normalPages  normal pages (with payload)
 * @param zeroPages    zero pages (listed only)
 * @param payloadBytes payload bytes (sum of {@code next_packet_size})
 * @param wireBytes    bytes on the wire: init packet, headers and payloads
 * @param pageSize     the page size
 * @since 0.1
 */
public record ChannelSummary(int channel, String connection, long packets, long syncPackets, long normalPages,
                             long zeroPages, long payloadBytes, long wireBytes, int pageSize) {

    /**
     * Creates the summary.
     *
     * @param channel      channel id
     * @param connection   connection name
     * @param packets      packets
     * @param syncPackets  SYNC packets
     * @param normalPages  normal pages
     * @param zeroPages    zero pages
     * @param payloadBytes payload bytes
     * @param wireBytes    wire bytes
     * @param pageSize     page size
     */
    public ChannelSummary {
    }

    /** @return image bytes (normal and zero pages) per byte on the wire; 0 when nothing was sent */
    public double ratio() {
        return wireBytes == 0 ? 0 : (double) (normalPages + zeroPages) * pageSize / wireBytes;
    }

    String toJson() {
        return "{\"channel\": " + channel + ", \"connection\": " + Json.quote(connection) + ", \"packets\": " + packets
                + ", \"sync_packets\": " + syncPackets + ", \"normal_pages\": " + normalPages + ", \"zero_pages\": "
                + zeroPages + ", \"payload_bytes\": " + payloadBytes + ", \"wire_bytes\": " + wireBytes
                + ", \"ratio\": " + String.format(java.util.Locale.ROOT, "%.4f", ratio()) + "}";
    }
}
