package io.multifd.core.engine;

import io.multifd.api.MethodProvider;
import io.multifd.core.image.Block;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.image.SendWindows;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * A source image mapped for sending ({@link MemoryImage#mapForSending}) gives back the windows a
 * pass has moved past, and never one a channel may still read.
 */
@ExtendWith(NoLeaks.class)
class ReleasingSourceTests {

    private static final int PS = 4096;
    /** 64 KiB windows: 16 pages, so a 128-page batch spans 8 of them. */
    private static final int WINDOW_SHIFT = 16;
    private static final List<MethodProvider> METHODS = List.of(TestMethods.copy(), TestMethods.stream());
    private static final EngineOptions OPTIONS = EngineOptions.DEFAULTS.withIoTimeout(Duration.ofSeconds(20));

    @TempDir
    Path dir;

    @BeforeAll
    static void unmappingWorksHere() throws IOException {
        Path f = java.nio.file.Files.createTempFile("multifd-release", ".img");
        try {
            java.nio.file.Files.write(f, new byte[PS]);
            try (MemoryImage m = SendWindows.mapForSending(PS, Map.of(new BlockSpec("probe", PS), f), 12)) {
                // from Java 23 on, the engine does not unmap (image.Unmapper): nothing to test there
                assumeThat(m.blocks().get(0).releasable())
                        .as("unmapping is not used on Java %s: nothing to test", Runtime.version().feature())
                        .isTrue();
            }
        } finally {
            java.nio.file.Files.deleteIfExists(f);
        }
    }

    @Test
    void theCursorReleasesOnlyWindowsBeforeTheOldestBatchInFlight() throws IOException {
        Map<BlockSpec, Path> files = writeFiles(new LinkedHashMap<>(), 5, 2L << 20, 25L * PS);
        try (MemoryImage img = SendWindows.mapForSending(PS, files, WINDOW_SHIFT)) {
            Block a = img.blocks().get(0);
            Block b = img.blocks().get(1);
            PassCursor.Reservation r0 = new PassCursor.Reservation(128);
            PassCursor.Reservation r1 = new PassCursor.Reservation(128);
            PassCursor pc = new PassCursor(img, DirtyPages.all(), r0, r1);

            assertThat(pc.next(r0)).isTrue(); // a 0..127
            assertThat(pc.next(r1)).isTrue(); // a 128..255
            assertThat(pc.next(r1)).isTrue(); // r1 done; a 256..383, r0 still holds 0..127
            assertThat(r1.pages[0]).isEqualTo(256);
            assertThat(a.releasedChunks()).isZero();

            assertThat(pc.next(r0)).isTrue(); // r0 done; a 384..511: the oldest in flight starts at 256
            assertThat(a.releasedChunks()).isEqualTo(256 * PS >> WINDOW_SHIFT);
            assertThat(pc.next(r1)).isTrue(); // b 0..24, r0 holds a 384..511
            assertThat(r1.block).isSameAs(b);
            assertThat(a.releasedChunks()).isEqualTo(384 * PS >> WINDOW_SHIFT);
            assertThat(pc.next(r0)).isFalse(); // r1 holds b from 0: nothing of b goes
            assertThat(a.releasedChunks()).isEqualTo(512 * PS >> WINDOW_SHIFT);
            assertThat(b.releasedChunks()).isZero();
            assertThat(pc.next(r1)).isFalse(); // nothing in flight: b's two windows (64 KiB + 36 KiB) go
            assertThat(b.releasedChunks()).isEqualTo(2);

            // released windows are mapped again: every page still reads as the file says
            assertSameAsFiles(img, files);
        }
    }

    @Test
    void aPassThatTouchesNoPageReleasesNothing() throws IOException {
        Map<BlockSpec, Path> files = writeFiles(new LinkedHashMap<>(), 6, 1L << 20);
        try (MemoryImage img = SendWindows.mapForSending(PS, files, WINDOW_SHIFT)) {
            PassCursor.Reservation r = new PassCursor.Reservation(128);
            PassCursor none = new PassCursor(img, DirtyPages.none(), r);
            assertThat(none.next(r)).isFalse();
            BitSet dirty = new BitSet();
            dirty.set(200, 203);
            PassCursor few = new PassCursor(img, DirtyPages.of(Map.of("block0", dirty)), r);
            assertThat(few.next(r)).isTrue();
            assertThat(few.next(r)).isFalse();
            // the window of pages 192..207 and the ones after it: the pass started there
            assertThat(img.blocks().get(0).releasedChunks()).isEqualTo((256 - 192) / 16);
        }
    }

    @ParameterizedTest(name = "{0} over {1} channels")
    @CsvSource({"test-copy,1", "test-stream,3"})
    void aTransferOfSeveralPassesReadsTheFilesAndReleasesEveryWindowItSent(String methodName, int channels)
            throws Exception {
        MethodProvider method = METHODS.stream().filter(m -> m.name().equals(methodName)).findFirst().orElseThrow();
        Map<BlockSpec, Path> files = writeFiles(new LinkedHashMap<>(), 40 + channels, 3L << 20, 300L * PS, 8L * PS);
        MemorySink sink = new MemorySink();
        try (MemoryImage source = SendWindows.mapForSending(PS, files, WINDOW_SHIFT);
             Peer peer = Peer.start(ReceivePolicy.of(METHODS), OPTIONS, sink)) {
            long windows = 0;
            for (Block b : source.blocks()) {
                windows += (b.size() + (1 << WINDOW_SHIFT) - 1) >> WINDOW_SHIFT;
            }
            try (SourceSession s = TcpSource.connect(peer.address(),
                    SendRequest.of(channels, List.of(MethodChoice.of(method))).withOptions(OPTIONS),
                    source)) {
                s.sendPass(DirtyPages.all());
                assertThat(released(source)).isEqualTo(windows);
                for (int pass = 2; pass <= 4; pass++) {
                    // the files change between passes, as a guest's memory would
                    s.sendPass(DirtyPages.of(rewrite(files, pass * 100L + channels)));
                }
                s.finish();
            }
            assertThat(peer.await().method().name()).isEqualTo(methodName);
            assertThat(released(source)).isGreaterThan(windows);
            assertSameAsFiles(sink.image().orElseThrow(), files);
            assertThat(sink.committed()).isTrue();
        }
    }

    @Test
    void anImageMappedForSendingIsSentByOneSessionAtATime() throws Exception {
        Map<BlockSpec, Path> files = writeFiles(new LinkedHashMap<>(), 7, 256L * PS);
        MethodProvider copy = METHODS.get(0);
        MemorySink secondSink = new MemorySink();
        try (MemoryImage source = SendWindows.mapForSending(PS, files, WINDOW_SHIFT);
             Peer first = Peer.start(ReceivePolicy.of(METHODS), OPTIONS, new MemorySink());
             Peer second = Peer.start(ReceivePolicy.of(METHODS), OPTIONS, secondSink)) {
            try (SourceSession s = TcpSource.connect(first.address(),
                    SendRequest.of(2, List.of(MethodChoice.of(copy))).withOptions(OPTIONS), source)) {
                assertThatThrownBy(() -> TcpSource.connect(second.address(),
                        SendRequest.of(1, List.of(MethodChoice.of(copy))).withOptions(OPTIONS), source))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("already being sent by another session");
                s.sendPass(DirtyPages.all());
                s.finish();
            }
            first.await();
            // refused before connecting: the second destination heard nothing, and takes the image
            // once the first session is closed
            assertThat(second.result).isNotDone();
            try (SourceSession s = TcpSource.connect(second.address(),
                    SendRequest.of(1, List.of(MethodChoice.of(copy))).withOptions(OPTIONS), source)) {
                s.sendPass(DirtyPages.all());
                s.finish();
            }
            second.await();
            assertSameAsFiles(secondSink.image().orElseThrow(), files);
        }
    }

    private static long released(MemoryImage img) {
        return img.blocks().stream().mapToLong(Block::releasedChunks).sum();
    }

    private Map<BlockSpec, Path> writeFiles(Map<BlockSpec, Path> files, long seed, long... sizes) throws IOException {
        try (MemoryImage img = Fixtures.image(PS, seed, java.util.stream.IntStream.range(0, sizes.length)
                .mapToObj(i -> new BlockSpec("block" + i, sizes[i])).toList())) {
            for (Block b : img.blocks()) {
                Path f = dir.resolve(b.name() + ".img");
                try (FileChannel fc = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    for (long off = 0; off < b.size(); off += PS) {
                        fc.write(b.readPage(off), off);
                    }
                }
                files.put(b.spec(), f);
            }
        }
        return files;
    }

    /** Rewrites a fifth of the pages of every file (zero, random or repeated) and returns them. */
    private static Map<String, BitSet> rewrite(Map<BlockSpec, Path> files, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, BitSet> dirty = new LinkedHashMap<>();
        ByteBuffer page = ByteBuffer.allocate(PS);
        for (Map.Entry<BlockSpec, Path> e : files.entrySet()) {
            BitSet set = new BitSet();
            try (FileChannel fc = FileChannel.open(e.getValue(), StandardOpenOption.WRITE)) {
                for (int p = 0; p < e.getKey().size() / PS; p++) {
                    if (r.nextDouble() < 0.2) {
                        set.set(p);
                        Fixtures.fill(page.clear(), r, r.nextInt(3));
                        fc.write(page.clear(), (long) p * PS);
                    }
                }
            }
            dirty.put(e.getKey().name(), set);
        }
        return dirty;
    }

    private static void assertSameAsFiles(MemoryImage img, Map<BlockSpec, Path> files) throws IOException {
        try (MemoryImage expected = MemoryImage.mapFiles(PS, files, false)) {
            Fixtures.assertSameContent(expected, img);
        }
    }
}
