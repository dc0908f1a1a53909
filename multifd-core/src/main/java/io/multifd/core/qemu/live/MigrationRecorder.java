package io.multifd.core.qemu.live;

import io.multifd.api.MultifdException;
import io.multifd.core.qemu.CaptureDecoder;
import io.multifd.core.qemu.DecodeResult;
import io.multifd.core.wire.InitPacket;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * Turns the connections of one QEMU migration (live sockets or the files of a capture) into a
 * <b>recorded migration</b> folder, the format {@code qemu-receive} writes and
 * {@code qemu-transcode} reads (see {@link ReceivedMigration} for the layout).
 *
 * <p>The decoding itself is {@link CaptureDecoder}'s: classification, init packets, one thread per
 * channel, the sync barrier, completeness. Around it this class adds:
 * <ul>
 * <li>a {@link PacketTap} on every connection, which records each multifd channel's packet
 * sequence (numbers, SYNC points, RAMBlock and offsets) as the decoder reads it;</li>
 * <li>the main channel's bytes, stored as {@value ReceivedMigration#MAIN_BIN};</li>
 * <li>an idle watchdog: when no byte arrives on any connection for the idle timeout, or the
 * overall deadline passes, every connection is closed, which stops every thread;</li>
 * <li>the {@value ReceivedMigration#INCOMPLETE} marker, written first and removed only after
 * everything else was written, so a folder of a failed or killed run is always marked.</li>
 * </ul>
 *
 * @since 0.1
 */
public final class MigrationRecorder {

    private static final System.Logger LOG = System.getLogger(MigrationRecorder.class.getName());

    private final CaptureDecoder.MethodLookup lookup;
    private final int pageSize;
    private final UUID expectedUuid;
    private final Duration idleTimeout;
    private Instant deadline;

    /**
     * A recorder.
     *
     * @param lookup       the method that decodes the channels (fixed, as QEMU's destination, or
     *                     by the packets' flag)
     * @param pageSize     the target page size
     * @param expectedUuid the UUID every init packet must carry, or empty for "the channels agree"
     * @param idleTimeout  how long all connections may stay silent before the run fails
     */
    public MigrationRecorder(CaptureDecoder.MethodLookup lookup, int pageSize, Optional<UUID> expectedUuid,
                             Duration idleTimeout) {
        this.lookup = Objects.requireNonNull(lookup, "lookup");
        this.pageSize = io.multifd.api.MultifdApi.checkPageSize(pageSize);
        this.expectedUuid = expectedUuid.orElse(null);
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idle timeout must be positive: " + idleTimeout);
        }
        this.idleTimeout = idleTimeout;
    }

    /**
     * Sets an overall deadline: when it passes, the run fails (default: none).
     *
     * @param deadline the instant, or null for none
     * @return this
     */
    public MigrationRecorder deadline(Instant deadline) {
        this.deadline = deadline;
        return this;
    }

    /**
     * Records the files {@value CaptureDecoder#CAPTURE_GLOB} of a capture folder.
     *
     * @param captureDir the capture
     * @param outDir     the recorded migration folder to write
     * @return the result
     * @throws MultifdException when the capture is missing or malformed
     */
    public RecordingResult recordCapture(Path captureDir, Path outDir) throws MultifdException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(captureDir, CaptureDecoder.CAPTURE_GLOB)) {
            for (Path p : ds) {
                if (Files.isRegularFile(p)) {
                    files.add(p);
                }
            }
        } catch (IOException e) {
            throw new MultifdException("cannot list the capture folder " + captureDir + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new MultifdException("capture folder " + captureDir + " has no " + CaptureDecoder.CAPTURE_GLOB
                    + " files");
        }
        files.sort(Comparator.comparing(p -> p.getFileName().toString()));
        List<CaptureDecoder.Connection> connections = new ArrayList<>();
        try {
            for (Path f : files) {
                connections.add(new CaptureDecoder.Connection(f.getFileName().toString(),
                        FileChannel.open(f, StandardOpenOption.READ)));
            }
        } catch (IOException e) {
            closeQuietly(connections);
            throw new MultifdException("cannot open the capture file: " + e.getMessage(), e);
        }
        return record(connections, outDir);
    }

    /**
     * Records one migration from its connections, which it takes over and closes.
     *
     * @param connections the main connection and the multifd connections, in any order
     * @param outDir      the recorded migration folder to write
     * @return the result
     * @throws MultifdException the first failure (the folder is then marked incomplete)
     */
    public RecordingResult record(List<CaptureDecoder.Connection> connections, Path outDir) throws MultifdException {
        long t0 = System.nanoTime();
        List<PacketTap> taps = new ArrayList<>();
        List<CaptureDecoder.Connection> tapped = new ArrayList<>();
        for (CaptureDecoder.Connection c : connections) {
            PacketTap tap = new PacketTap(c.channel(), c.name(), pageSize);
            taps.add(tap);
            tapped.add(new CaptureDecoder.Connection(c.name(), tap));
        }
        Path channelsDir = outDir.resolve(ReceivedMigration.CHANNELS_DIR);
        Path mainFile = outDir.resolve(ReceivedMigration.MAIN_BIN);
        FileChannel mainSink = null;
        Watchdog watchdog = null;
        try {
            prepare(outDir, channelsDir);
            mainSink = FileChannel.open(mainFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            CaptureDecoder decoder = new CaptureDecoder(lookup).pageSize(pageSize).stallTimeout(idleTimeout)
                    .expectedUuid(expectedUuid).mainSink(mainSink);
            watchdog = new Watchdog(taps, connections);
            watchdog.start();
            DecodeResult result;
            try {
                result = decoder.decode(tapped, outDir);
            } catch (MultifdException e) {
                String why = watchdog.reason.get();
                throw why == null ? e : new MultifdException(why + "; the run stopped with: " + e.getMessage(), e);
            }
            watchdog.stop();
            mainSink.force(true);
            mainSink.close();
            if (result.pageSize() != pageSize) {
                throw new MultifdException("the main stream announces target page size " + result.pageSize()
                        + " but the channels were framed with page size " + pageSize + "; run again with --page-size "
                        + result.pageSize());
            }
            List<ChannelRecording> recordings = recordings(taps);
            for (ChannelRecording r : recordings) {
                if (!r.ended()) {
                    PacketTap tap = taps.stream().filter(t -> t.connection().equals(r.connection())).findFirst()
                            .orElseThrow();
                    throw new MultifdException(null, r.channel(), MultifdException.NO_PACKET, null,
                            "the packet sequence of channel " + r.channel() + " could not be recorded: "
                                    + tap.problem().orElse("the channel did not end at a packet boundary"), null);
                }
            }
            UUID uuid = expectedUuid != null ? expectedUuid : taps.stream().map(PacketTap::initPacket)
                    .flatMap(Optional::stream).map(InitPacket::uuid).findFirst().orElse(InitPacket.NIL_UUID);
            long elapsed = System.nanoTime() - t0;
            RecordingResult rr = new RecordingResult(outDir, result, recordings, uuid, elapsed);
            writeRecordings(channelsDir, rr);
            writeAtomically(outDir.resolve(ReceivedMigration.RECEIVE_JSON), rr.toJson());
            Files.deleteIfExists(outDir.resolve(ReceivedMigration.INCOMPLETE));
            return rr;
        } catch (MultifdException e) {
            markIncomplete(outDir, channelsDir, taps, e.getMessage());
            throw e;
        } catch (IOException | RuntimeException e) {
            String msg = "cannot write the recorded migration into " + outDir + ": " + e;
            markIncomplete(outDir, channelsDir, taps, msg);
            throw new MultifdException(msg, e);
        } finally {
            if (watchdog != null) {
                watchdog.stop();
            }
            if (mainSink != null && mainSink.isOpen()) {
                try {
                    mainSink.close();
                } catch (IOException ignored) {
                    // the folder is already marked incomplete
                }
            }
            closeQuietly(connections);
        }
    }

    private static void prepare(Path outDir, Path channelsDir) throws IOException {
        Files.createDirectories(outDir);
        Files.writeString(outDir.resolve(ReceivedMigration.INCOMPLETE),
                "in progress since " + Instant.now() + "\n", StandardCharsets.UTF_8);
        Files.deleteIfExists(outDir.resolve(ReceivedMigration.RECEIVE_JSON));
        Files.deleteIfExists(outDir.resolve(DecodeResult.BLOCKS_JSON));
        if (Files.isDirectory(channelsDir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(channelsDir)) {
                for (Path p : ds) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(channelsDir);
    }

    private static List<ChannelRecording> recordings(List<PacketTap> taps) {
        return taps.stream().filter(t -> t.initPacket().isPresent()).map(PacketTap::recording)
                .sorted(Comparator.comparingInt(ChannelRecording::channel)).collect(Collectors.toList());
    }

    private static void writeRecordings(Path channelsDir, RecordingResult rr) throws IOException {
        List<String> blocks = rr.decode().blocks().stream().map(b -> b.name()).toList();
        for (ChannelRecording r : rr.channels()) {
            r.write(channelsDir.resolve(ChannelRecording.fileName(r.channel())), blocks);
        }
        writeAtomically(channelsDir.resolve(ReceivedMigration.INDEX_JSON), rr.indexJson());
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".partial");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Best effort: the marker with the reason, and what the taps recorded, for a post-mortem. */
    private static void markIncomplete(Path outDir, Path channelsDir, List<PacketTap> taps, String why) {
        try {
            Files.createDirectories(outDir);
            Files.writeString(outDir.resolve(ReceivedMigration.INCOMPLETE), "incomplete: " + why + "\n",
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot write the incomplete marker in " + outDir + ": " + e);
        }
        try {
            Files.createDirectories(channelsDir);
            for (PacketTap t : taps) {
                if (t.initPacket().isPresent()) {
                    ChannelRecording r = t.recording();
                    List<String> names = r.packets().stream().map(RecordedPacket::block).filter(s -> !s.isEmpty())
                            .distinct().toList();
                    r.write(channelsDir.resolve(ChannelRecording.fileName(r.channel()) + ".incomplete"), names);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot write the partial packet sequences: " + e);
        }
    }

    private static void closeQuietly(List<CaptureDecoder.Connection> connections) {
        for (CaptureDecoder.Connection c : connections) {
            try {
                c.channel().close();
            } catch (IOException ignored) {
                // stopping anyway
            }
        }
    }

    /** Closes every connection when all stay silent for the idle timeout or the deadline passes. */
    private final class Watchdog implements Runnable {
        final List<PacketTap> taps;
        final List<CaptureDecoder.Connection> raw;
        final AtomicReference<String> reason = new AtomicReference<>();
        final Thread thread = new Thread(this, "multifd-recorder-watchdog");
        volatile boolean stopped;

        Watchdog(List<PacketTap> taps, List<CaptureDecoder.Connection> raw) {
            this.taps = taps;
            this.raw = raw;
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void stop() {
            stopped = true;
            thread.interrupt();
        }

        @Override
        public void run() {
            long idle = idleTimeout.toNanos();
            while (!stopped) {
                try {
                    Thread.sleep(Math.min(200, Math.max(1, TimeUnit.NANOSECONDS.toMillis(idle) / 4)));
                } catch (InterruptedException e) {
                    return;
                }
                if (stopped) {
                    return;
                }
                long last = taps.stream().mapToLong(PacketTap::lastActivity).max().orElse(System.nanoTime());
                String why = null;
                if (System.nanoTime() - last > idle) {
                    why = "no byte arrived on any of the " + taps.size() + " connections for "
                            + idleTimeout.toSeconds() + " s (idle timeout)";
                } else if (deadline != null && Instant.now().isAfter(deadline)) {
                    why = "the deadline " + deadline + " passed";
                }
                if (why != null && reason.compareAndSet(null, why)) {
                    LOG.log(System.Logger.Level.WARNING, why + ": closing every connection");
                    closeQuietly(raw);
                    return;
                }
            }
        }
    }
}
