package io.multifd.core.qemu.live;

import io.multifd.core.channel.ChannelStats;

import io.multifd.core.json.Json;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * What {@link Transcoder} wrote.
 *
 * @param outDir       the output folder ({@code conn-0.bin} main, {@code conn-<1+id>.bin} channels)
 * @param source       the recorded migration it came from
 * @param method       the output's method
 * @param settings     the method's settings (e.g. level)
 * @param channels     the output's channel count
 * @param uuid         the UUID of the output's init packets
 * @param pageSize     the page size
 * @param syncPoints   SYNC packets per channel (= flush markers of the main stream)
 * @param pagesSent    pages sent, counting a page once per pass it appears in
 * @param stats        per output channel: packets, pages, payload and wire bytes
 * @param mainBytes    bytes of the main channel
 * @param elapsedNanos wall time
 * @since 0.1
 */
public record TranscodeResult(Path outDir, Path source, String method, Map<String, String> settings, int channels,
                              UUID uuid, int pageSize, long syncPoints, long pagesSent, List<ChannelStats> stats,
                              long mainBytes, long elapsedNanos) {

    /**
     * Copies the collections.
     *
     * @param outDir       output folder
     * @param source       source folder
     * @param method       method
     * @param settings     settings
     * @param channels     channel count
     * @param uuid         uuid
     * @param pageSize     page size
     * @param syncPoints   sync points
     * @param pagesSent    pages sent
     * @param stats        channel stats
     * @param mainBytes    main channel bytes
     * @param elapsedNanos wall time
     */
    public TranscodeResult {
        settings = Map.copyOf(settings);
        stats = List.copyOf(stats);
    }

    /** @return bytes of all connections */
    public long wireBytes() {
        return mainBytes + stats.stream().mapToLong(ChannelStats::wireBytes).sum();
    }

    /** @return the summary as JSON */
    public String toJson() {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"source\": ").append(Json.quote(source.toString())).append(",\n");
        sb.append("  \"method\": ").append(Json.quote(method)).append(",\n");
        sb.append("  \"settings\": {").append(settings.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> Json.quote(e.getKey()) + ": " + Json.quote(e.getValue()))
                .collect(Collectors.joining(", "))).append("},\n");
        sb.append("  \"channels\": ").append(channels).append(",\n");
        sb.append("  \"uuid\": ").append(Json.quote(uuid.toString())).append(",\n");
        sb.append("  \"page_size\": ").append(pageSize).append(",\n");
        sb.append("  \"sync_points\": ").append(syncPoints).append(",\n");
        sb.append("  \"pages_sent\": ").append(pagesSent).append(",\n");
        sb.append("  \"main_bytes\": ").append(mainBytes).append(",\n");
        sb.append("  \"connections\": [");
        for (int i = 0; i < stats.size(); i++) {
            ChannelStats s = stats.get(i);
            sb.append(i == 0 ? "\n" : ",\n").append("    {\"file\": ").append(Json.quote("conn-" + (i + 1) + ".bin"))
                    .append(", \"channel\": ").append(i).append(", \"packets\": ").append(s.packets())
                    .append(", \"sync_packets\": ").append(s.syncPackets()).append(", \"normal_pages\": ")
                    .append(s.normalPages()).append(", \"zero_pages\": ").append(s.zeroPages())
                    .append(", \"payload_bytes\": ").append(s.payloadBytes()).append(", \"wire_bytes\": ")
                    .append(s.wireBytes()).append("}");
        }
        sb.append("\n  ],\n");
        sb.append("  \"wire_bytes\": ").append(wireBytes()).append(",\n");
        sb.append("  \"elapsed_ms\": ").append(String.format(Locale.ROOT, "%d", elapsedNanos / 1_000_000)).append("\n}\n");
        return sb.toString();
    }
}
