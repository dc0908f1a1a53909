package io.multifd.core.qemu.live;

import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.channel.ChannelSender;
import io.multifd.core.channel.ChannelStats;
import io.multifd.core.image.Block;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.qemu.BlockSummary;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Re-encodes a recorded migration ({@link ReceivedMigration}) with another method, level, channel
 * count or UUID, into a folder that {@link QemuSender} streams to a real QEMU destination: the
 * main channel unchanged as {@code conn-0.bin}, and one multifd channel per
 * {@code conn-<1+id>.bin}, written with our own channel layer ({@link ChannelSender}: init packet,
 * zero-page detection, the method's hooks, SYNC packets byte-exact with QEMU 10.0).
 *
 * <h2>Pass structure</h2>
 * The source's pages are grouped into passes by its SYNC packets: pass {@code k} holds the pages
 * of every channel's packets between its {@code k}-th and {@code (k+1)}-th SYNC, in
 * {@code packet_num} order, each page once. The output sends every page of pass {@code k} before
 * the {@code (k+1)}-th SYNC of every output channel, and one SYNC per channel per flush marker of
 * the main stream, so the destination's barrier meets the main stream exactly as before. Pages
 * are re-batched (up to a packet's capacity, one RAMBlock per packet) and dealt to the output
 * channels in turn.
 *
 * <p>Page contents come from the recorded images, i.e. each page's <b>final</b> content. A page
 * sent in several passes therefore carries its final content every time; the destination ends
 * with exactly the source's final memory, which is all a completed migration promises.
 *
 * @since 0.1
 */
public final class Transcoder {

    /** The file of a transcoded folder's summary. */
    public static final String TRANSCODE_JSON = "transcode.json";

    private final ResolvedMethod method;
    private final TranscodeOptions options;

    /**
     * A transcoder.
     *
     * @param method  the method (and level) of the output
     * @param options channel count and UUID of the output
     */
    public Transcoder(ResolvedMethod method, TranscodeOptions options) {
        this.method = Objects.requireNonNull(method, "method");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** The pages of one pass, in order: block index and byte offset. */
    private static final class Pass {
        int[] blocks = new int[1024];
        long[] offsets = new long[1024];
        int size;

        void add(int block, long offset) {
            if (size == offsets.length) {
                blocks = Arrays.copyOf(blocks, size * 2);
                offsets = Arrays.copyOf(offsets, size * 2);
            }
            blocks[size] = block;
            offsets[size++] = offset;
        }
    }

    /**
     * Transcodes.
     *
     * @param src    the recorded migration
     * @param outDir the folder to write ({@code conn-*.bin} and {@value #TRANSCODE_JSON} there are
     *               replaced)
     * @return what was written
     * @throws MultifdException for an inconsistent recording, a failing method or a write error;
     *                          no {@code conn-*.bin} is left behind then
     */
    public TranscodeResult transcode(ReceivedMigration src, Path outDir) throws MultifdException {
        long t0 = System.nanoTime();
        if (src.channels().isEmpty()) {
            throw new MultifdException(src.dir() + " holds a migration without multifd channels; there is nothing "
                    + "to transcode");
        }
        long flushes = src.flushes();
        for (ChannelRecording c : src.channels()) {
            if (c.syncPackets() != flushes) {
                throw new MultifdException(null, c.channel(), MultifdException.NO_PACKET, "sync", "channel "
                        + c.channel() + " of " + src.dir() + " has " + c.syncPackets() + " SYNC packets but the main "
                        + "stream has " + flushes + " flush markers", null);
            }
        }
        List<Pass> passes = passes(src);
        int n = options.channels().orElse(src.channels().size());
        UUID uuid = options.uuid().orElse(src.uuid());
        int pageSize = src.pageSize();

        List<Path> written = new ArrayList<>();
        List<FileChannel> files = new ArrayList<>();
        List<ChannelSender> senders = new ArrayList<>();
        boolean ok = false;
        try (MemoryImage image = src.openImage()) {
            prepare(outDir);
            Path main = outDir.resolve("conn-0.bin.partial");
            written.add(main);
            Files.copy(src.mainFile(), main, StandardCopyOption.REPLACE_EXISTING);
            AtomicLong packetNum = new AtomicLong();
            for (int id = 0; id < n; id++) {
                Path p = outDir.resolve("conn-" + (id + 1) + ".bin.partial");
                written.add(p);
                FileChannel fc = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
                files.add(fc);
                ChannelSender s = new ChannelSender(method, id, pageSize, fc, packetNum, true);
                senders.add(s);
                s.writeInit(uuid);
                s.setup();
            }
            List<Block> blocks = image.blocks();
            long pagesSent = 0;
            int next = 0;
            for (int k = 0; k < passes.size(); k++) {
                Pass pass = passes.get(k);
                ChannelSender cur = null;
                int curBlock = -1;
                for (int i = 0; i < pass.size; i++) {
                    int b = pass.blocks[i];
                    if (cur != null && (b != curBlock || cur.currentBatch().isFull())) {
                        cur.sendBatch();
                        cur = null;
                        next = (next + 1) % n;
                    }
                    if (cur == null) {
                        cur = senders.get(next);
                        cur.batch(blocks.get(b).name());
                        curBlock = b;
                    }
                    cur.currentBatch().add(pass.offsets[i], blocks.get(b).readPage(pass.offsets[i]));
                    pagesSent++;
                }
                if (cur != null) {
                    cur.sendBatch();
                    next = (next + 1) % n;
                }
                if (k < flushes) {
                    for (ChannelSender s : senders) {
                        s.sendSync();
                    }
                }
            }
            List<ChannelStats> stats = new ArrayList<>();
            for (ChannelSender s : senders) {
                s.close();
                stats.add(s.stats());
            }
            for (FileChannel fc : files) {
                fc.force(true);
                fc.close();
            }
            for (Path p : written) {
                String name = p.getFileName().toString();
                Files.move(p, p.resolveSibling(name.substring(0, name.length() - ".partial".length())),
                        StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            written.clear();
            TranscodeResult r = new TranscodeResult(outDir, src.dir(), method.name(), method.settings().asMap(), n,
                    uuid, pageSize, flushes, pagesSent, stats, Files.size(outDir.resolve("conn-0.bin")),
                    System.nanoTime() - t0);
            Files.writeString(outDir.resolve(TRANSCODE_JSON), r.toJson(), StandardCharsets.UTF_8);
            ok = true;
            return r;
        } catch (IOException e) {
            throw new MultifdException("cannot write the transcoded migration into " + outDir + ": " + e.getMessage(),
                    e);
        } finally {
            if (!ok) {
                for (ChannelSender s : senders) {
                    try {
                        s.close();
                    } catch (MultifdException ignored) {
                        // the first failure is reported
                    }
                }
                for (FileChannel fc : files) {
                    try {
                        fc.close();
                    } catch (IOException ignored) {
                        // deleted below
                    }
                }
                for (Path p : written) {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException ignored) {
                        // a .partial file never looks complete
                    }
                }
            }
        }
    }

    private static void prepare(Path outDir) throws IOException {
        Files.createDirectories(outDir);
        Files.deleteIfExists(outDir.resolve(TRANSCODE_JSON));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(outDir, "conn-*.bin")) {
            for (Path p : ds) {
                Files.delete(p);
            }
        }
    }

    /** Groups the recorded pages by pass, in packet_num order, each page once per pass. */
    private static List<Pass> passes(ReceivedMigration src) throws MultifdException {
        Map<String, Integer> blockIndex = new HashMap<>();
        List<BlockSummary> blocks = src.blocks();
        for (int i = 0; i < blocks.size(); i++) {
            blockIndex.put(blocks.get(i).name(), i);
        }
        int passCount = (int) src.flushes() + 1;
        List<List<RecordedPacket>> byPass = new ArrayList<>();
        for (int k = 0; k < passCount; k++) {
            byPass.add(new ArrayList<>());
        }
        for (ChannelRecording c : src.channels()) {
            int k = 0;
            for (RecordedPacket p : c.packets()) {
                if (p.pages() > 0) {
                    byPass.get(k).add(p);
                }
                if (p.sync()) {
                    k++;
                }
            }
        }
        List<Pass> passes = new ArrayList<>();
        BitSet[] seen = new BitSet[blocks.size()];
        for (int i = 0; i < seen.length; i++) {
            seen[i] = new BitSet();
        }
        int pageSize = src.pageSize();
        for (List<RecordedPacket> packets : byPass) {
            packets.sort((a, b) -> Long.compareUnsigned(a.packetNum(), b.packetNum()));
            for (BitSet s : seen) {
                s.clear();
            }
            Pass pass = new Pass();
            for (RecordedPacket p : packets) {
                Integer b = blockIndex.get(p.block());
                if (b == null) {
                    throw new MultifdException(null, MultifdException.NO_CHANNEL, p.packetNum(), "ramblock",
                            "the recording names RAMBlock '" + p.block() + "', which is not in blocks.json", null);
                }
                long size = blocks.get(b).size();
                for (long off : p.offsets()) {
                    if (off < 0 || off % pageSize != 0 || off > size - pageSize) {
                        throw new MultifdException(null, MultifdException.NO_CHANNEL, p.packetNum(), "offset",
                                String.format("recorded offset 0x%X is not a page of RAMBlock %s (size 0x%X)", off,
                                        p.block(), size), null);
                    }
                    int page = (int) (off / pageSize);
                    if (!seen[b].get(page)) {
                        seen[b].set(page);
                        pass.add(b, off);
                    }
                }
            }
            passes.add(pass);
        }
        return passes;
    }
}
