package io.multifd.core.qemu.live;

import io.multifd.core.json.Json;
import io.multifd.core.qemu.BlockSummary;
import io.multifd.core.qemu.DecodeResult;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A migration recorded by {@link MigrationRecorder}: the decode result, the packet sequence of
 * every multifd channel and the source's UUID.
 *
 * @param dir          the recorded migration folder
 * @param decode       what the decoder produced (blocks, channels, flushes, method)
 * @param channels     the packet sequence of every multifd channel, by channel id
 * @param uuid         the UUID of the init packets
 * @param elapsedNanos wall time from the first byte read to the folder written
 * @since 0.1
 */
public record RecordingResult(Path dir, DecodeResult decode, List<ChannelRecording> channels, UUID uuid,
                              long elapsedNanos) {

    /** The {@code format} value of {@code channels/index.json}. */
    public static final String FORMAT = "multifd-java-recording/1";

    /**
     * Copies the list.
     *
     * @param dir          folder
     * @param decode       decode result
     * @param channels     recordings
     * @param uuid         uuid
     * @param elapsedNanos wall time
     */
    public RecordingResult {
        channels = List.copyOf(channels);
    }

    /** @return the number of multifd channels */
    public int channelCount() {
        return channels.size();
    }

    /** @return pages received, normal and zero, counting every copy of a page */
    public long pagesReceived() {
        return decode.blocks().stream().mapToLong(b -> b.normalPages() + b.zeroPages()).sum();
    }

    /** @return pages of all RAMBlocks, each counted once */
    public long pagesInImage() {
        return decode.blocks().stream().mapToLong(b -> b.size() / decode.pageSize()).sum();
    }

    /** @return the content of {@code channels/index.json} */
    String indexJson() {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"format\": ").append(Json.quote(FORMAT)).append(",\n");
        sb.append("  \"method\": ").append(Json.quote(decode.method().orElse(null))).append(",\n");
        sb.append("  \"page_size\": ").append(decode.pageSize()).append(",\n");
        sb.append("  \"channels\": ").append(channels.size()).append(",\n");
        sb.append("  \"uuid\": ").append(Json.quote(uuid.toString())).append(",\n");
        sb.append("  \"flushes\": ").append(decode.flushes()).append(",\n");
        sb.append("  \"sync_mode\": ").append(Json.quote(decode.syncMode().name().toLowerCase(Locale.ROOT)))
                .append(",\n");
        sb.append("  \"machine\": ").append(Json.quote(decode.machineType().orElse(null))).append(",\n");
        sb.append("  \"blocks\": [").append(decode.blocks().stream().map(b -> Json.quote(b.name()))
                .collect(Collectors.joining(", "))).append("],\n");
        sb.append("  \"files\": [").append(channels.stream().map(c -> Json.quote(
                ChannelRecording.fileName(c.channel()))).collect(Collectors.joining(", "))).append("]\n");
        return sb.append("}\n").toString();
    }

    /** @return a JSON summary: the decode result plus the recording's figures */
    public String toJson() {
        String d = decode.toJson().trim();
        StringBuilder sb = new StringBuilder(d.substring(0, d.length() - 1).stripTrailing());
        sb.append(",\n  \"uuid\": ").append(Json.quote(uuid.toString()));
        sb.append(",\n  \"pages_received\": ").append(pagesReceived());
        sb.append(",\n  \"pages_in_image\": ").append(pagesInImage());
        sb.append(",\n  \"recording_ms\": ").append(elapsedNanos / 1_000_000);
        sb.append(",\n  \"complete\": true\n}\n");
        return sb.toString();
    }

    /** @return the summary of the RAMBlock named {@code name}, if received */
    java.util.Optional<BlockSummary> block(String name) {
        return decode.blocks().stream().filter(b -> b.name().equals(name)).findFirst();
    }
}
