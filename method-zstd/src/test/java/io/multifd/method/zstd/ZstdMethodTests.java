package io.multifd.method.zstd;

import static io.multifd.tck.Loopback.CAPACITY;
import static io.multifd.tck.Loopback.PAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import io.multifd.api.Availability;
import io.multifd.api.MethodFlag;
import io.multifd.api.MethodParameter;
import io.multifd.api.MethodSettings;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import io.multifd.tck.Loopback;
import io.multifd.tck.Loopback.Packet;
import io.multifd.tck.PageKind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Facts of the zstd method checked against zstd's format and QEMU, not against this code's own output. */
class ZstdMethodTests {

    private static final ZstdMethodProvider PROVIDER = new ZstdMethodProvider();
    private static final byte[] MAGIC = {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD};

    static ResolvedMethod zstd(int level) throws MultifdException {
        return Loopback.resolve(PROVIDER, Map.of("level", Integer.toString(level)));
    }

    static List<Packet> send(ResolvedMethod method, List<List<byte[]>> packets, boolean direct) throws MultifdException {
        return Loopback.send(method, packets, direct);
    }

    static List<Packet> send(ResolvedMethod method, List<List<byte[]>> packets) throws MultifdException {
        return Loopback.send(method, packets, false);
    }

    /** Packets of 1 to 24 normal pages of mixed kinds. */
    static List<List<byte[]>> mixedPackets(long seed, int count) {
        return Loopback.mixedPackets(seed, count, 24);
    }

    /** Decodes a byte stream holding an unended frame with zstd-jni's InputStream (another code path). */
    static byte[] decodeIndependently(byte[] stream) throws IOException {
        try (ZstdInputStreamNoFinalizer in = new ZstdInputStreamNoFinalizer(new ByteArrayInputStream(stream))) {
            in.setContinuous(true);
            return in.readAllBytes();
        }
    }

    static byte[] expectedBytes(List<List<byte[]>> packets, int upTo) {
        List<byte[]> all = new ArrayList<>();
        for (int p = 0; p < upTo; p++) {
            all.addAll(Loopback.normalPages(packets.get(p)));
        }
        return Loopback.concat(all);
    }

    @Nested
    class Provider {

        @Test
        void describesQemusZstd() throws MultifdException {
            assertThat(PROVIDER.name()).isEqualTo("zstd");
            assertThat(PROVIDER.flag()).isEqualTo(MethodFlag.of(0x04));
            assertThat(PROVIDER.apiVersion()).isEqualTo(MultifdApi.API_VERSION);
            assertThat(PROVIDER.availability()).isEqualTo(Availability.full());
            assertThat(PROVIDER.parameters()).containsExactly(MethodParameter.ofInt("level",
                    PROVIDER.parameters().get(0).description(), 0, 20, 1));
        }

        @Test
        void engineNamesTheZstdJniJarVersion() throws MultifdException {
            String jar = Zstd.class.getPackage().getImplementationVersion(); // from the jar's manifest
            assertThat(jar).matches("1\\.5\\.7-\\d+");
            assertThat(zstd(1).method().engine()).isEqualTo("zstd-jni " + jar);
        }

        @Test
        void levelOutsideQemusRangeIsRefused() throws MultifdException {
            assertThatThrownBy(() -> MethodSettings.resolve("zstd", PROVIDER.parameters(), Map.of("level", "21")))
                    .isInstanceOf(MultifdException.class).hasMessageContaining("level");
            assertThat(MethodSettings.resolve("zstd", PROVIDER.parameters(), Map.of()).intValue("level")).isEqualTo(1);
        }
    }

    @Nested
    class Wire {

        @Test
        void firstPayloadOpensAFrameLikeQemusAtLevel1() throws MultifdException {
            // captured from QEMU 10.0.2: magic, descriptor 0x00 (no checksum, no content size,
            // no dictionary, not single-segment), window descriptor 0x48 (512 KiB)
            byte[] first = send(zstd(1), mixedPackets(1, 2)).get(0).payload();
            assertThat(HexFormat.of().formatHex(first, 0, 6)).isEqualTo("28b52ffd0048");
        }

        @ParameterizedTest
        @ValueSource(ints = {0, 3, 9, 19, 20})
        void everyLevelWritesNoChecksumAndNoContentSize(int level) throws MultifdException {
            byte[] first = send(zstd(level), mixedPackets(level, 1)).get(0).payload();
            assertThat(Arrays.copyOf(first, 4)).isEqualTo(MAGIC);
            assertThat(first[4]).as("frame header descriptor").isEqualTo((byte) 0x00);
        }

        @Test
        void laterPayloadsContinueTheFrame() throws MultifdException {
            List<Packet> sent = send(zstd(1), mixedPackets(2, 6));
            for (Packet p : sent.subList(1, sent.size())) {
                assertThat(Arrays.copyOf(p.payload(), 4)).isNotEqualTo(MAGIC);
                assertThat(p.flags()).isEqualTo(0x04);
                assertThat(p.nextPacketSize()).isEqualTo(p.payload().length);
            }
        }

        @Test
        void headerGoesIntoTheFirstNonEmptyPayloadWhenTheFirstPacketHasOnlyZeroPages() throws MultifdException {
            List<Packet> sent = send(zstd(1), List.of(List.of(new byte[PAGE]),
                    List.of(Loopback.page(PageKind.TEXT, new Random(1), PAGE))));
            assertThat(sent.get(0).payload()).isEmpty();
            assertThat(sent.get(0).flags()).isEqualTo(0x04);
            assertThat(Arrays.copyOf(sent.get(1).payload(), 4)).isEqualTo(MAGIC);
        }

        /** Rule 2.8: each prefix of the channel's payloads decodes to exactly the pages sent so far. */
        @ParameterizedTest
        @ValueSource(booleans = {false, true})
        void eachPrefixOfPayloadsDecodesToThePagesSentSoFar(boolean directPages) throws Exception {
            List<List<byte[]>> packets = mixedPackets(3, 6);
            List<Packet> sent = send(zstd(1), packets, directPages);
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            for (int p = 0; p < packets.size(); p++) {
                stream.writeBytes(sent.get(p).payload());
                assertThat(decodeIndependently(stream.toByteArray())).as("after packet %d", p)
                        .isEqualTo(expectedBytes(packets, p + 1));
            }
        }

        @Test
        void theZstdCommandLineDecodesTheChannel() throws Exception {
            Path zstdCli = Path.of("/usr/bin/zstd");
            org.junit.jupiter.api.Assertions.assertTrue(Files.isExecutable(zstdCli), "no zstd command line tool");
            List<List<byte[]>> packets = mixedPackets(4, 5);
            List<byte[]> payloads = new ArrayList<>(send(zstd(3), packets).stream().map(Packet::payload).toList());
            // the frame never ends on the wire; at the end of its input the tool reports a truncated
            // frame and drops what it still holds, so end it here: an empty raw block marked last
            // (the frame has no checksum), and the whole channel must decode
            payloads.add(new byte[] {0x01, 0x00, 0x00});
            Path in = Files.createTempFile("channel", ".zst");
            try {
                Files.write(in, Loopback.concat(payloads));
                Process p = new ProcessBuilder(zstdCli.toString(), "-dc", in.toString())
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                byte[] out = p.getInputStream().readAllBytes();
                assertThat(p.waitFor()).as("exit code of zstd -dc").isZero();
                assertThat(out).isEqualTo(expectedBytes(packets, packets.size()));
            } finally {
                Files.delete(in);
            }
        }

        @Test
        void receiverDecodesAnotherEncodersStreamFlushedPerPacket() throws Exception {
            // as QEMU's verification re-encoded a capture at level 5: one frame, a flush per packet
            List<List<byte[]>> packets = mixedPackets(5, 5);
            List<Packet> wire = new ArrayList<>();
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            ZstdOutputStreamNoFinalizer out = new ZstdOutputStreamNoFinalizer(sink, 5);
            for (int p = 0; p < packets.size(); p++) {
                sink.reset();
                out.write(Loopback.concat(packets.get(p)));
                out.flush();
                wire.add(Loopback.packet(PAGE, MethodFlag.ZSTD, p, Loopback.offset(p, 0), packets.get(p).size(),
                        sink.toByteArray()));
            }
            out.close(); // the end of the frame is never sent
            assertReceived(packets, wire, false);
        }

        @Test
        void receiverAcceptsACompleteFramePerPacketAsQemuDoes() throws MultifdException {
            List<List<byte[]>> packets = mixedPackets(6, 3);
            List<Packet> wire = new ArrayList<>();
            for (int p = 0; p < packets.size(); p++) {
                wire.add(Loopback.packet(PAGE, MethodFlag.ZSTD, p, Loopback.offset(p, 0), packets.get(p).size(),
                        Zstd.compress(Loopback.concat(packets.get(p)), 3)));
            }
            assertReceived(packets, wire, false);
        }

        @Test
        void heapDestinationPagesAreFilledThroughTheStagingBuffer() throws MultifdException {
            List<List<byte[]>> packets = mixedPackets(7, 3);
            assertReceived(packets, send(zstd(1), packets, true), true);
        }

        private void assertReceived(List<List<byte[]>> packets, List<Packet> wire, boolean heapImage)
                throws MultifdException {
            long pages = (long) packets.size() * CAPACITY;
            BlockSpec spec = new BlockSpec(Loopback.BLOCK, pages * PAGE);
            MemoryImage image = heapImage
                    ? MemoryImage.wrap(PAGE, spec, List.of(ByteBuffer.allocate((int) (pages * PAGE))), true)
                    : MemoryImage.allocate(PAGE, List.of(spec));
            Loopback.receive(zstd(1), PAGE, image, wire);
            Loopback.assertArrived(image, packets);
        }
    }

    @Nested
    class Malformed {

        private MemoryImage image;

        private void receive(List<Packet> wire) throws MultifdException {
            image = Loopback.image(PAGE, 8L * CAPACITY);
            Loopback.receive(zstd(1), PAGE, image, wire);
        }

        private List<Packet> stream() throws MultifdException {
            return new ArrayList<>(send(zstd(1), mixedPackets(42, 3)));
        }

        @Test
        void theUnalteredStreamDecodes() throws MultifdException {
            receive(stream());
            Loopback.assertArrived(image, mixedPackets(42, 3));
        }

        @Test
        void aTruncatedPayloadFails() throws MultifdException {
            List<Packet> wire = stream();
            for (int k = 0; k < 3; k++) {
                byte[] p = wire.get(k).payload();
                for (int cut : new int[] {1, 2, 3, 4, p.length / 2, p.length - 1}) {
                    List<Packet> w = new ArrayList<>(wire);
                    w.set(k, wire.get(k).withPayload(Arrays.copyOf(p, p.length - cut)));
                    assertThatThrownBy(() -> receive(w)).as("packet %d cut %d", k, cut)
                            .isInstanceOf(MultifdException.class).hasMessageContaining("field payload");
                }
            }
        }

        @Test
        void aCorruptMagicFails() throws MultifdException {
            List<Packet> wire = stream();
            byte[] p = wire.get(0).payload().clone();
            p[0] ^= 0x01;
            wire.set(0, wire.get(0).withPayload(p));
            assertThatThrownBy(() -> receive(wire)).isInstanceOf(MultifdException.class)
                    .hasMessageContaining("channel 0").hasMessageContaining("packet 0")
                    .hasMessageContaining("field payload").hasMessageContaining("magic");
        }

        @Test
        void anEmptyRawBlockAfterTheFlushIsNotJunk() throws MultifdException {
            // a raw block of size 0 (header 00 00 00) is legal zstd and decodes to nothing
            List<Packet> wire = stream();
            wire.set(1, wire.get(1).withPayload(Loopback.concat(List.of(wire.get(1).payload(), new byte[3]))));
            receive(wire);
        }

        @Test
        void aPayloadWithMorePagesThanListedFails() {
            Random rnd = new Random(5);
            List<byte[]> pages = List.of(Loopback.page(PageKind.TEXT, rnd, PAGE), Loopback.page(PageKind.RANDOM, rnd, PAGE),
                    Loopback.page(PageKind.PATTERN, rnd, PAGE));
            List<Packet> wire = List.of(Loopback.packet(PAGE, MethodFlag.ZSTD, 0, 0, 2,
                    Zstd.compress(Loopback.concat(pages), 1)));
            assertThatThrownBy(() -> receive(wire)).isInstanceOf(MultifdException.class)
                    .hasMessageContaining("more than its 2 pages");
            assertThat(Loopback.readPage(image, 0)).isEqualTo(pages.get(0));
            assertThat(Loopback.readPage(image, 2L * PAGE)).isEqualTo(new byte[PAGE]);
        }

        @Test
        void aPayloadWithFewerPagesThanListedFails() {
            byte[] page = Loopback.page(PageKind.TEXT, new Random(6), PAGE);
            List<Packet> wire = List.of(Loopback.packet(PAGE, MethodFlag.ZSTD, 0, 0, 2, Zstd.compress(page, 1)));
            assertThatThrownBy(() -> receive(wire)).isInstanceOf(MultifdException.class)
                    .hasMessageContaining("page 1 of 2 decompresses to only 0 of 4096 bytes");
        }

        @Test
        void anEmptyPayloadForListedPagesFails() {
            List<Packet> wire = List.of(Loopback.packet(PAGE, MethodFlag.ZSTD, 0, 0, 1, new byte[0]));
            assertThatThrownBy(() -> receive(wire)).isInstanceOf(MultifdException.class)
                    .hasMessageContaining("page 0 of 1");
        }

        @Test
        void aReservedBlockTypeFails() throws MultifdException {
            List<Packet> wire = stream();
            byte[] extra = {0x07, 0x00, 0x00}; // last block, type 3 (reserved), size 0
            wire.set(1, wire.get(1).withPayload(Loopback.concat(List.of(extra, wire.get(1).payload()))));
            assertThatThrownBy(() -> receive(wire)).isInstanceOf(MultifdException.class)
                    .hasMessageContaining("reserved block type");
        }
    }

    @Nested
    class Bound {

        @Test
        void computesZstdsCompressBoundWithoutNativeCode() {
            for (long n : new long[] {0, 1, 1000, 4096, 65536, 131071, 131072, 131073, 524288}) {
                assertThat(ZstdMethod.compressBound(n)).as("n=%d", n).isEqualTo(Zstd.compressBound(n));
            }
        }

        @Test
        void isAtLeastZstdsCompressBoundPlusAFrameHeaderAndAFlushBlock() throws MultifdException {
            var m = zstd(1).method();
            assertThat(m.maxPayloadSize(0, PAGE)).isZero();
            for (int ps = MultifdApi.MIN_PAGE_SIZE; ps <= MultifdApi.MAX_PAGE_SIZE; ps *= 2) {
                for (int n = 1; n <= MultifdApi.packetCapacity(ps); n++) {
                    long s = (long) n * ps;
                    assertThat((long) m.maxPayloadSize(n, ps)).isGreaterThanOrEqualTo(Zstd.compressBound(s) + 18 + 3);
                }
            }
        }

        @ParameterizedTest
        @ValueSource(ints = {0, 1, 2, 3, 5, 8, 12, 16, 19, 20})
        void holdsForIncompressiblePagesMidStream(int level) throws MultifdException {
            var method = zstd(level);
            for (Packet p : send(method, Loopback.randomPackets(level, 1, 33, CAPACITY, 2, CAPACITY))) {
                assertThat(p.payload().length).isLessThanOrEqualTo(method.method().maxPayloadSize(p.normalPages(), PAGE));
                assertThat(p.payload().length).isGreaterThan(p.normalPages() * PAGE);
            }
        }
    }
}
