package io.multifd.core.qemu.live;

import io.multifd.api.MultifdException;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.json.Json;
import io.multifd.core.qemu.BlockSummary;
import io.multifd.core.qemu.DecodeResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A recorded migration folder, as written by {@code qemu-receive} ({@link QemuReceiver}) or by
 * {@link MigrationRecorder#recordCapture}, opened for reading.
 *
 * <h2>Layout</h2>
 * <pre>
 * DIR/main.bin                     the main channel, byte for byte as received
 * DIR/blocks.json                  per RAMBlock: name, file, size, sha256, normal_pages, zero_pages
 *                                  (the same fields as qemu-decode)
 * DIR/&lt;block&gt;.img                 one image per RAMBlock: its final content
 * DIR/channels/index.json          format, method, page_size, channels, uuid, flushes, sync_mode,
 *                                  machine, blocks (names, in main-stream order), files
 * DIR/channels/channel-&lt;id&gt;.packets the packet sequence of channel id ({@link ChannelRecording})
 * DIR/receive.json                 a summary of the run
 * DIR/INCOMPLETE                   present while receiving and after a failure, with the reason;
 *                                  absent only when the migration ended properly
 * </pre>
 *
 * @since 0.1
 */
public final class ReceivedMigration {

    /** The main channel's bytes. */
    public static final String MAIN_BIN = "main.bin";
    /** The folder of the packet sequences. */
    public static final String CHANNELS_DIR = "channels";
    /** The index of the packet sequences, inside {@value #CHANNELS_DIR}. */
    public static final String INDEX_JSON = "index.json";
    /** The run's summary. */
    public static final String RECEIVE_JSON = "receive.json";
    /** The marker of a folder that does not hold a complete migration. */
    public static final String INCOMPLETE = "INCOMPLETE";

    private final Path dir;
    private final Optional<String> method;
    private final int pageSize;
    private final UUID uuid;
    private final long flushes;
    private final List<BlockSummary> blocks;
    private final List<ChannelRecording> channels;

    private ReceivedMigration(Path dir, Optional<String> method, int pageSize, UUID uuid, long flushes,
                              List<BlockSummary> blocks, List<ChannelRecording> channels) {
        this.dir = dir;
        this.method = method;
        this.pageSize = pageSize;
        this.uuid = uuid;
        this.flushes = flushes;
        this.blocks = List.copyOf(blocks);
        this.channels = List.copyOf(channels);
    }

    /**
     * Whether a folder looks like a recorded migration (it has {@code channels/index.json}).
     *
     * @param dir the folder
     * @return true when it does
     */
    public static boolean isRecording(Path dir) {
        return Files.isRegularFile(dir.resolve(CHANNELS_DIR).resolve(INDEX_JSON))
                || Files.isRegularFile(dir.resolve(INCOMPLETE));
    }

    /**
     * Opens a complete recorded migration.
     *
     * @param dir the folder
     * @return the migration
     * @throws MultifdException when the folder is incomplete, missing a file, or malformed
     */
    public static ReceivedMigration open(Path dir) throws MultifdException {
        Path marker = dir.resolve(INCOMPLETE);
        if (Files.exists(marker)) {
            String why;
            try {
                why = Files.readString(marker, StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                why = "(unreadable marker)";
            }
            throw new MultifdException(dir + " does not hold a complete migration (" + INCOMPLETE + ": " + why + ")");
        }
        Path index = dir.resolve(CHANNELS_DIR).resolve(INDEX_JSON);
        try {
            Map<String, Object> idx = Json.parseObject(Files.readString(index, StandardCharsets.UTF_8));
            if (!RecordingResult.FORMAT.equals(idx.get("format"))) {
                throw new MultifdException(index + ": format " + idx.get("format") + ", expected "
                        + RecordingResult.FORMAT);
            }
            Optional<String> method = Optional.ofNullable((String) idx.get("method"));
            int pageSize = (int) Json.integer(idx, "page_size");
            UUID uuid = UUID.fromString(Json.string(idx, "uuid"));
            long flushes = Json.integer(idx, "flushes");
            List<String> names = new ArrayList<>();
            for (Object o : Json.asList(idx.get("blocks"))) {
                names.add((String) o);
            }
            List<BlockSummary> blocks = new ArrayList<>();
            Path blocksJson = dir.resolve(DecodeResult.BLOCKS_JSON);
            for (Object o : Json.asList(Json.parse(Files.readString(blocksJson, StandardCharsets.UTF_8)))) {
                Map<String, Object> b = Json.asObject(o);
                blocks.add(new BlockSummary(Json.string(b, "name"), Json.string(b, "file"),
                        Json.integer(b, "size"), Json.string(b, "sha256"), Json.integer(b, "normal_pages"),
                        Json.integer(b, "zero_pages")));
            }
            if (!blocks.stream().map(BlockSummary::name).toList().equals(names)) {
                throw new MultifdException(index + " lists RAMBlocks " + names + " but " + blocksJson + " has "
                        + blocks.stream().map(BlockSummary::name).toList());
            }
            for (BlockSummary b : blocks) {
                Path f = dir.resolve(b.file());
                if (!f.normalize().startsWith(dir.normalize()) || !Files.isRegularFile(f)) {
                    throw new MultifdException(blocksJson + ": the image " + b.file() + " of RAMBlock " + b.name()
                            + " is missing");
                }
            }
            if (!Files.isRegularFile(dir.resolve(MAIN_BIN))) {
                throw new MultifdException(dir + " has no " + MAIN_BIN);
            }
            List<ChannelRecording> channels = new ArrayList<>();
            int n = (int) Json.integer(idx, "channels");
            for (int id = 0; id < n; id++) {
                ChannelRecording r = ChannelRecording.read(dir.resolve(CHANNELS_DIR)
                        .resolve(ChannelRecording.fileName(id)), names);
                if (r.channel() != id) {
                    throw new MultifdException(ChannelRecording.fileName(id) + " holds channel " + r.channel());
                }
                channels.add(r);
            }
            return new ReceivedMigration(dir, method, pageSize, uuid, flushes, blocks, channels);
        } catch (IOException e) {
            throw new MultifdException("cannot read the recorded migration " + dir + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new MultifdException("malformed recorded migration " + dir + ": " + e.getMessage(), e);
        }
    }

    /** @return the folder */
    public Path dir() {
        return dir;
    }

    /** @return the main channel's file */
    public Path mainFile() {
        return dir.resolve(MAIN_BIN);
    }

    /** @return the method the channels were decoded with; empty without multifd channels */
    public Optional<String> method() {
        return method;
    }

    /** @return the page size */
    public int pageSize() {
        return pageSize;
    }

    /** @return the UUID of the source's init packets */
    public UUID uuid() {
        return uuid;
    }

    /** @return the sync points (flush markers) of the main channel */
    public long flushes() {
        return flushes;
    }

    /** @return the RAMBlocks in main-stream order */
    public List<BlockSummary> blocks() {
        return blocks;
    }

    /** @return the packet sequences, by channel id */
    public List<ChannelRecording> channels() {
        return channels;
    }

    /**
     * Maps the block images read-only.
     *
     * @return the image; close it after use
     * @throws MultifdException when an image cannot be mapped
     */
    public MemoryImage openImage() throws MultifdException {
        Map<BlockSpec, Path> files = new LinkedHashMap<>();
        for (BlockSummary b : blocks) {
            files.put(new BlockSpec(b.name(), b.size()), dir.resolve(b.file()));
        }
        try {
            return MemoryImage.mapFiles(pageSize, files, false);
        } catch (UncheckedIOException e) {
            throw new MultifdException(e.getMessage(), e);
        }
    }
}
