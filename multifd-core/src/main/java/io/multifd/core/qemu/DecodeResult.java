package io.multifd.core.qemu;

import io.multifd.core.json.Json;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The outcome of a successful {@link CaptureDecoder} run.
 *
 * @param outputDir      where the images and {@code blocks.json} were written
 * @param machineType    the machine type of the main stream's configuration, when present
 * @param method         the method that decoded the multifd packets; empty without multifd channels
 * @param pageSize       the page size
 * @param mainConnection the main connection's name
 * @param mainBytes      bytes of the main connection
 * @param flushes        sync points of the main stream
 * @param syncMode       how the source synced (per round with flush markers, or per section)
 * @param mainNormalPages pages sent whole on the main channel
 * @param mainZeroPages  zero pages sent on the main channel
 * @param channels       one summary per multifd channel, by channel id
 * @param blocks         one summary per RAMBlock, in stream order
 * @param elapsedNanos   wall time of the decode
 * @since 0.1
 */
public record DecodeResult(Path outputDir, Optional<String> machineType, Optional<String> method, int pageSize,
                           String mainConnection, long mainBytes, long flushes, MainStreamReader.SyncMode syncMode,
                           long mainNormalPages, long mainZeroPages, List<ChannelSummary> channels,
                           List<BlockSummary> blocks, long elapsedNanos) {

    /** The file {@link CaptureDecoder} writes into the output folder. */
    public static final String BLOCKS_JSON = "blocks.json";

    /**
     * Copies the lists.
     *
     * @param outputDir       output folder
     * @param machineType     machine type
     * @param method          method
     * @param pageSize        page size
     * @param mainConnection  main connection
     * @param mainBytes       main bytes
     * @param flushes         flushes
     * @param syncMode        sync mode
     * @param mainNormalPages main-channel pages
     * @param mainZeroPages   main-channel zero pages
     * @param channels        channels
     * @param blocks          blocks
     * @param elapsedNanos    elapsed time
     */
    public DecodeResult {
        channels = List.copyOf(channels);
        blocks = List.copyOf(blocks);
    }

    /** @return bytes of all multifd connections */
    public long multifdWireBytes() {
        return channels.stream().mapToLong(ChannelSummary::wireBytes).sum();
    }

    /** @return bytes of all connections */
    public long totalWireBytes() {
        return mainBytes + multifdWireBytes();
    }

    /** @return the image bytes of all blocks */
    public long imageBytes() {
        return blocks.stream().mapToLong(BlockSummary::size).sum();
    }

    /** @return image bytes per byte on the wire, main channel included */
    public double ratio() {
        long wire = totalWireBytes();
        return wire == 0 ? 0 : (double) imageBytes() / wire;
    }

    /** @return the content of {@code blocks.json}: a JSON array, one object per block */
    public String blocksJson() {
        return blocks.stream().map(b -> "  " + b.toJson()).collect(Collectors.joining(",\n", "[\n", "\n]\n"));
    }

    /** @return the whole result as one JSON object (for {@code --json}) */
    public String toJson() {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"output_dir\": ").append(Json.quote(outputDir.toString())).append(",\n");
        sb.append("  \"machine\": ").append(Json.quote(machineType.orElse(null))).append(",\n");
        sb.append("  \"method\": ").append(Json.quote(method.orElse(null))).append(",\n");
        sb.append("  \"page_size\": ").append(pageSize).append(",\n");
        sb.append("  \"main\": {\"connection\": ").append(Json.quote(mainConnection)).append(", \"bytes\": ")
                .append(mainBytes).append(", \"flushes\": ").append(flushes).append(", \"sync_mode\": ")
                .append(Json.quote(syncMode.name().toLowerCase(java.util.Locale.ROOT))).append(", \"normal_pages\": ")
                .append(mainNormalPages).append(", \"zero_pages\": ").append(mainZeroPages).append("},\n");
        sb.append("  \"channels\": [").append(channels.stream().map(c -> "\n    " + c.toJson())
                .collect(Collectors.joining(","))).append(channels.isEmpty() ? "" : "\n  ").append("],\n");
        sb.append("  \"blocks\": [").append(blocks.stream().map(b -> "\n    " + b.toJson())
                .collect(Collectors.joining(","))).append(blocks.isEmpty() ? "" : "\n  ").append("],\n");
        sb.append("  \"wire_bytes\": ").append(totalWireBytes()).append(",\n");
        sb.append("  \"ratio\": ").append(String.format(java.util.Locale.ROOT, "%.4f", ratio())).append(",\n");
        sb.append("  \"elapsed_ms\": ").append(elapsedNanos / 1_000_000).append("\n}\n");
        return sb.toString();
    }
}
