package io.multifd.core.engine;

import io.multifd.api.MethodProvider;
import io.multifd.core.image.Block;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Whole transfers over loopback TCP with the test-only methods. */
class EngineLoopbackTests {

    private static final List<MethodProvider> METHODS = List.of(TestMethods.copy(), TestMethods.stream());
    private static final EngineOptions OPTIONS = EngineOptions.DEFAULTS.withIoTimeout(Duration.ofSeconds(20));

    @ParameterizedTest(name = "{0} over {1} channels")
    @CsvSource({"test-copy,1", "test-copy,2", "test-copy,4", "test-copy,8",
                "test-stream,1", "test-stream,2", "test-stream,4", "test-stream,8"})
    void severalPassesWithDirtyPagesArriveBitExact(String methodName, int channels) throws Exception {
        MemoryImage source = Fixtures.image(4096, 42 + channels, List.of(new BlockSpec("pc.ram", 3L << 20),
                new BlockSpec("pc.bios", 256 << 10), new BlockSpec("/rom@etc/acpi/tables", 128 << 10)));
        MemorySink sink = new MemorySink();
        MethodProvider provider = METHODS.stream().filter(m -> m.name().equals(methodName)).findFirst().orElseThrow();
        long expectedPages = 0;
        TransferStats sent;
        try (Peer peer = Peer.start(ReceivePolicy.of(METHODS), OPTIONS, sink)) {
            try (SourceSession s = TcpSource.connect(peer.address(),
                    SendRequest.of(channels, List.of(MethodChoice.of(provider))).withOptions(OPTIONS), source)) {
                s.sendPass(DirtyPages.all());
                expectedPages += source.totalBytes() / 4096;
                for (int pass = 2; pass <= 4; pass++) {
                    Map<String, BitSet> dirty = Fixtures.mutate(source, pass * 1000L + channels, 0.2);
                    s.sendPass(DirtyPages.of(dirty));
                    expectedPages += dirty.values().stream().mapToLong(BitSet::cardinality).sum();
                }
                sent = s.finish();
            }
            DestinationResult got = peer.await();

            Fixtures.assertSameContent(source, sink.image().orElseThrow());
            assertThat(sink.committed()).isTrue();
            assertThat(got.method().name()).isEqualTo(methodName);
            assertThat(got.hello().channels()).isEqualTo(channels);
            assertThat(sent.channels()).hasSize(channels);
            assertThat(sent.passes()).isEqualTo(4);
            assertThat(sent.total().normalPages() + sent.total().zeroPages()).isEqualTo(expectedPages);
            assertThat(sent.total().syncPackets()).isEqualTo(5L * channels);
            assertThat(got.stats().total().normalPages()).isEqualTo(sent.total().normalPages());
            assertThat(got.stats().total().zeroPages()).isEqualTo(sent.total().zeroPages());
            assertThat(got.stats().total().wireBytes()).isEqualTo(sent.total().wireBytes() - 64L * channels);
            assertThat(sent.total().zeroPages()).isPositive();
            assertThat(sent.peerSummary()).contains("every page verified");
            assertThat(sent.total().counters()).containsEntry("test-packets", sent.total().dataPackets());
        }
        Fixtures.assertNoEngineThreads();
    }

    @Test
    void anIdleChannelTakesTheNextBatchSoASlowChannelDoesNotHoldUpTheOthers() throws Exception {
        // channel 0 needs 40 ms per packet to encode, channel 1 none: with a shared work queue
        // channel 1 carries most of the 32 batches; with round robin each would carry 16
        MethodProvider slow = TestMethods.copy("test-slow", (channel, b) -> channel == 0 ? 40 : 0,
                TestMethods.Delay.NONE);
        MemoryImage source = Fixtures.image(4096, 7, List.of(new BlockSpec("pc.ram", 16L << 20)));
        MemorySink sink = new MemorySink();
        try (Peer peer = Peer.start(ReceivePolicy.of(List.of(slow)), OPTIONS, sink)) {
            TransferStats sent;
            try (SourceSession s = TcpSource.connect(peer.address(),
                    SendRequest.of(2, List.of(MethodChoice.of(slow))).withOptions(OPTIONS), source)) {
                s.sendPass(DirtyPages.all());
                sent = s.finish();
            }
            peer.await();
            Fixtures.assertSameContent(source, sink.image().orElseThrow());
            assertThat(sent.channels().get(1).dataPackets()).isGreaterThan(3 * sent.channels().get(0).dataPackets());
        }
        Fixtures.assertNoEngineThreads();
    }

    @Test
    void batchesHoldPagesOfOneBlockAndAtMostOnePacketCapacity() {
        MemoryImage img = MemoryImage.allocate(4096, List.of(new BlockSpec("a", 300 * 4096L),
                new BlockSpec("b", 5 * 4096L)));
        BitSet dirtyA = new BitSet();
        dirtyA.set(0, 130);
        dirtyA.set(299);
        dirtyA.set(400); // past the block's end: ignored
        BitSet dirtyB = new BitSet();
        dirtyB.set(1);
        dirtyB.set(4);
        PassCursor cursor = new PassCursor(img, DirtyPages.of(Map.of("a", dirtyA, "b", dirtyB)));
        assertThat(cursor.total()).isEqualTo(133);
        PassCursor.Reservation r = new PassCursor.Reservation(128);
        StringBuilder seen = new StringBuilder();
        while (cursor.next(r)) {
            seen.append(r.block.name()).append(':').append(r.count).append('@').append(r.pages[0]).append(' ');
        }
        assertThat(seen.toString().trim()).isEqualTo("a:128@0 a:3@128 b:2@1");
        Block a = img.block("a").orElseThrow();
        assertThat(DirtyPages.all().count(a)).isEqualTo(300);
        assertThat(DirtyPages.none().nextDirty(a, 0)).isEqualTo(-1);
    }
}
