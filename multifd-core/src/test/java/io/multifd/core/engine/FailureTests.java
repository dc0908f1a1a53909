package io.multifd.core.engine;

import io.multifd.api.MethodFlag;
import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdException;
import io.multifd.api.PacketFlags;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.wire.RamHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** What happens when a peer breaks, stalls, refuses or sends garbage. */
@ExtendWith(NoLeaks.class)
class FailureTests {

    private static final MethodProvider COPY = TestMethods.copy();
    private static final MethodProvider STREAM = TestMethods.stream();
    private static final EngineOptions OPTIONS = EngineOptions.DEFAULTS.withIoTimeout(Duration.ofSeconds(10))
            .withEndGrace(Duration.ofSeconds(2));

    @TempDir
    Path dir;

    @Test
    void aChannelResetMidTransferStopsBothSidesNamingChannelAndPacketAndLeavesNoCompleteOutput() throws Exception {
        MemoryImage source = Fixtures.image(4096, 3, List.of(new BlockSpec("pc.ram", 32L << 20)));
        Path out = dir.resolve("out.img");
        try (Peer peer = Peer.start(ReceivePolicy.of(List.of(COPY)), OPTIONS, new FileSink(out));
             FaultProxy proxy = new FaultProxy(peer.address(), 2, 3 << 20)) {
            long t0 = System.nanoTime();
            MultifdException e = catchThrowableOfType(MultifdException.class, () -> {
                try (SourceSession s = TcpSource.connect(proxy.address(),
                        SendRequest.of(2, List.of(MethodChoice.of(COPY))).withOptions(OPTIONS), source)) {
                    s.sendPass(DirtyPages.all());
                    s.finish();
                }
            });
            Throwable d = peer.failure(15);
            long seconds = (System.nanoTime() - t0) / 1_000_000_000L;

            assertThat(e).as("source failure").isNotNull();
            assertThat(e.getMessage()).contains("channel 1").containsPattern("packet \\d+");
            assertThat(d).isInstanceOf(MultifdException.class);
            assertThat(d.getMessage()).contains("channel 1").containsPattern("packet \\d+");
            assertThat(seconds).isLessThan(8);
            assertThat(out).doesNotExist();
            assertThat(dir.resolve("out.img.incomplete")).exists();
        }
    }

    @Test
    void aMethodMismatchIsRefusedAtTheHelloListingBothSides() throws Exception {
        MemorySink sink = new MemorySink();
        try (Peer peer = Peer.start(ReceivePolicy.of(List.of(COPY)), OPTIONS, sink)) {
            MultifdException e = sendExpectingFailure(peer.address(), 2, STREAM);
            assertThat(e).hasMessage("the destination refused the transfer: destination has no method in common "
                    + "with source: source offers [test-stream], destination has [test-copy]");
            assertThat(peer.failure(10)).hasMessage("refused the transfer: destination has no method in common "
                    + "with source: source offers [test-stream], destination has [test-copy]");
            assertThat(sink.image()).as("no storage opened").isEmpty();
        }
    }

    @Test
    void pageSizeChannelCountAndUuidMismatchesAreRefusedAtTheHello() throws Exception {
        UUID expected = UUID.fromString("11111111-2222-3333-4444-555555555555");
        ReceivePolicy base = ReceivePolicy.of(List.of(COPY));
        List<ReceivePolicy> policies = List.of(base.withPageSize(8192), base.withChannels(4), base.withUuid(expected));
        List<String> reasons = new ArrayList<>();
        for (ReceivePolicy p : policies) {
            MemorySink sink = new MemorySink();
            try (Peer peer = Peer.start(p, OPTIONS, sink)) {
                reasons.add(sendExpectingFailure(peer.address(), 2, COPY).getMessage());
                assertThat(peer.failure(10)).hasMessageStartingWith("refused the transfer: ");
                assertThat(sink.image()).isEmpty();
            }
        }
        assertThat(reasons.get(0)).isEqualTo("the destination refused the transfer: page size mismatch: source uses "
                + "4096 bytes, destination expects 8192");
        assertThat(reasons.get(1)).isEqualTo("the destination refused the transfer: channel count mismatch: source "
                + "opens 2 channels, destination expects 4");
        assertThat(reasons.get(2)).matches("the destination refused the transfer: transfer UUID mismatch: source sent "
                + "[0-9a-f-]{36}, destination expects 11111111-2222-3333-4444-555555555555");
    }

    private static MultifdException sendExpectingFailure(InetSocketAddress address, int channels,
                                                         MethodProvider method) {
        MemoryImage source = Fixtures.image(4096, 5, List.of(new BlockSpec("pc.ram", 1 << 20)));
        return catchThrowableOfType(MultifdException.class, () -> {
            try (SourceSession s = TcpSource.connect(address,
                    SendRequest.of(channels, List.of(MethodChoice.of(method))).withOptions(OPTIONS), source)) {
                s.sendPass(DirtyPages.all());
                s.finish();
            }
        });
    }

    @Test
    void aStalledDestinationThatNeverReadsFailsTheSenderAfterTheTimeout() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        List<SocketChannel> held = new ArrayList<>();
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.socket().setReceiveBufferSize(64 << 10);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread fake = new Thread(() -> {
                try {
                    SocketChannel main = server.accept();
                    held.add(main);
                    ControlProtocol.readMagic(main, "hello");
                    Hello h = ControlProtocol.decodeHello(ControlProtocol.readMessageAfterMagic(main, "hello"));
                    MethodOffer o = h.offers().get(0);
                    FakeSource.write(main, ControlProtocol.encodeReply(
                            new HelloReply.Accept(o.name(), o.parameters(), "1")));
                    for (int c = 0; c < h.channels(); c++) {
                        held.add(server.accept());
                    }
                    done.await();
                } catch (Exception e) {
                    // the test fails on the source side
                }
            }, "test-stalled-destination");
            fake.start();
            MemoryImage source = MemoryImage.allocate(4096, List.of(new BlockSpec("pc.ram", 64L << 20)));
            SplittableRandom r = new SplittableRandom(9);
            ByteBuffer b = source.blocks().get(0).page(0);
            for (long p = 0; p < source.totalBytes() / 4096; p++) {
                Fixtures.fill(source.blocks().get(0).page(p * 4096), r, 1);
            }
            assertThat(b.getLong(0)).isNotZero();
            EngineOptions fast = OPTIONS.withIoTimeout(Duration.ofSeconds(1));
            long t0 = System.nanoTime();
            MultifdException e = catchThrowableOfType(MultifdException.class, () -> {
                try (SourceSession s = TcpSource.connect((InetSocketAddress) server.getLocalAddress(),
                        SendRequest.of(2, List.of(MethodChoice.of(COPY))).withOptions(fast), source)) {
                    s.sendPass(DirtyPages.all());
                    s.finish();
                }
            });
            double seconds = (System.nanoTime() - t0) / 1e9;
            done.countDown();
            fake.join(5000);
            assertThat(e.getMessage()).containsPattern("channel \\d, packet \\d+")
                    .containsPattern("the peer has not read from channel \\d for 1 s \\(timeout\\)");
            assertThat(seconds).isBetween(0.9, 6.0);
        } finally {
            for (SocketChannel c : held) {
                c.close();
            }
        }
    }

    @Test
    void aStalledSourceFailsTheDestinationAfterTheTimeout() throws Exception {
        EngineOptions fast = OPTIONS.withIoTimeout(Duration.ofSeconds(1));
        try (Peer peer = Peer.start(ReceivePolicy.of(List.of(COPY)), fast, new MemorySink());
             FakeSource src = new FakeSource(peer.address())) {
            assertThat(src.handshake(src.hello(1, COPY))).isInstanceOf(HelloReply.Accept.class);
            FakeSource.write(src.connect(), FakeSource.init(src.uuid, 0));
            Throwable d = peer.failure(10);
            assertThat(d).hasMessageContaining("no data arrived on channel 0 for 1 s (timeout)");
            assertThat(src.awaitAbort()).contains("no data arrived on channel 0 for 1 s");
        }
    }

    @Test
    void garbageInsteadOfAHelloIsAClearError() throws Exception {
        try (Peer peer = Peer.start(ReceivePolicy.of(List.of(COPY)), OPTIONS, new MemorySink());
             SocketChannel c = SocketChannel.open(peer.address())) {
            byte[] junk = new byte[4096];
            new SplittableRandom(1).nextBytes(junk);
            junk[0] = 0x12;
            FakeSource.write(c, ByteBuffer.wrap(junk));
            assertThat(peer.failure(10)).isInstanceOf(MultifdException.class)
                    .hasMessageContaining("hello starts with 0x12").hasMessageContaining("expected 0x4D46444A");
        }
    }

    @Test
    void aHugeHelloLengthIsRefusedBeforeAnythingIsAllocated() throws Exception {
        try (Peer peer = Peer.start(ReceivePolicy.of(List.of(COPY)), OPTIONS, new MemorySink());
             FakeSource src = new FakeSource(peer.address())) {
            ByteBuffer b = ByteBuffer.allocate(12).putInt(ControlProtocol.MAGIC).putShort((short) 1)
                    .putShort((short) 1).putInt(0xFFFFFFF0);
            FakeSource.write(src.main, b.flip());
            ControlProtocol.readMagic(src.main, "reply");
            HelloReply r = ControlProtocol.decodeReply(ControlProtocol.readMessageAfterMagic(src.main, "reply"));
            assertThat(r).isInstanceOf(HelloReply.Refuse.class);
            assertThat(((HelloReply.Refuse) r).reason())
                    .contains("hello body of 4294967280 bytes exceeds the limit of 1048576 bytes");
            assertThat(peer.failure(10)).hasMessageContaining("exceeds the limit of 1048576 bytes");
        }
    }

    @Test
    void garbageOnADataChannelIsAClearErrorAndTheSourceIsTold() throws Exception {
        byte[] junk = new byte[1 << 16];
        new SplittableRandom(2).nextBytes(junk);
        junk[0] = 0x55;
        String got = dataChannelFailure(1, (src, ch) -> FakeSource.write(ch, ByteBuffer.wrap(junk)));
        assertThat(got).contains("init packet magic 0x55");
    }

    @Test
    void garbageAfterAValidInitPacketIsAClearError() throws Exception {
        byte[] junk = new byte[1 << 16];
        new SplittableRandom(3).nextBytes(junk);
        junk[0] = 0x66;
        String got = dataChannelFailure(1, (src, ch) -> {
            FakeSource.write(ch, FakeSource.init(src.uuid, 0));
            FakeSource.write(ch, ByteBuffer.wrap(junk));
        });
        assertThat(got).contains("channel 0").contains("field magic").contains("packet magic 0x66");
    }

    @Test
    void aHugeNextPacketSizeIsRejectedBeforeAnyAllocation() throws Exception {
        String got = dataChannelFailure(1, (src, ch) -> {
            FakeSource.write(ch, FakeSource.init(src.uuid, 0));
            RamHeader h = new RamHeader(4096).setData(PacketFlags.data(MethodFlag.privateFlag(0x0A)), "pc.ram", 1, 0,
                    0xFFFFFFFFL, 0);
            h.setOffset(0, 0);
            ByteBuffer b = ByteBuffer.allocate(h.byteLength());
            h.encode(b);
            FakeSource.write(ch, b.flip());
        });
        assertThat(got).contains("channel 0, packet 0, field next_packet_size")
                .contains("next_packet_size 4294967295 exceeds the bound 4096");
    }

    @Test
    void aWrongUuidADuplicateAndAnOutOfRangeChannelIdAreRejected() throws Exception {
        assertThat(dataChannelFailure(2, (src, ch) -> FakeSource.write(ch, FakeSource.init(UUID.randomUUID(), 0))))
                .contains("field uuid").contains("expected " + "");
        assertThat(dataChannelFailure(2, (src, ch) -> {
            FakeSource.write(ch, FakeSource.init(src.uuid, 1));
            FakeSource.write(src.connect(), FakeSource.init(src.uuid, 1));
        })).contains("channel 1").contains("init packet channel id 1 is already connected");
        assertThat(dataChannelFailure(2, (src, ch) -> FakeSource.write(ch, FakeSource.init(src.uuid, 2))))
                .contains("init packet channel id 2 is out of range: the transfer has 2 channels (0..1)");
    }

    @FunctionalInterface
    private interface DataAction {
        void run(FakeSource src, SocketChannel ch) throws Exception;
    }

    /** Handshakes, lets the action misbehave on a data connection, returns the destination's error. */
    private String dataChannelFailure(int channels, DataAction action) throws Exception {
        MemorySink sink = new MemorySink();
        // a bad data connection is dropped and the real ones are awaited until the I/O timeout;
        // the failure then names what was dropped
        try (Peer peer = Peer.start(ReceivePolicy.of(List.of(COPY)), OPTIONS.withIoTimeout(Duration.ofSeconds(3)), sink);
             FakeSource src = new FakeSource(peer.address())) {
            assertThat(src.handshake(src.hello(channels, COPY))).isInstanceOf(HelloReply.Accept.class);
            action.run(src, src.connect());
            Throwable d = peer.failure(15);
            assertThat(d).isInstanceOf(MultifdException.class);
            String abort = src.awaitAbort();
            assertThat(abort).as("the source is told").isEqualTo(d.getMessage());
            assertThat(sink.committed()).isFalse();
            return d.getMessage();
        }
    }
}
