package io.multifd.method.zlib;

import static io.multifd.tck.Loopback.CAPACITY;
import static io.multifd.tck.Loopback.PAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multifd.api.Availability;
import io.multifd.api.MethodFlag;
import io.multifd.api.MethodParameter;
import io.multifd.api.MethodSettings;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.image.MemoryImage;
import io.multifd.tck.Loopback;
import io.multifd.tck.Loopback.Packet;
import io.multifd.tck.PageKind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Facts of the zlib method checked against zlib and QEMU, not against this code's own output. */
class ZlibMethodTests {

    private static final ZlibMethodProvider PROVIDER = new ZlibMethodProvider();
    private static final byte[] SYNC = {0x00, 0x00, (byte) 0xFF, (byte) 0xFF};

    static ResolvedMethod zlib(int level) throws MultifdException {
        return Loopback.resolve(PROVIDER, Map.of("level", Integer.toString(level)));
    }

    /** Packets of 1 to 24 normal pages of mixed kinds. */
    static List<List<byte[]>> mixedPackets(long seed, int count) {
        return Loopback.mixedPackets(seed, count, 24);
    }

    static List<Packet> send(ResolvedMethod method, List<List<byte[]>> packets) throws MultifdException {
        return Loopback.send(method, packets, false);
    }

    @Nested
    class Provider {

        @Test
        void describesQemusZlib() throws MultifdException {
            assertThat(PROVIDER.name()).isEqualTo("zlib");
            assertThat(PROVIDER.flag()).isEqualTo(MethodFlag.of(0x02));
            assertThat(PROVIDER.apiVersion()).isEqualTo(MultifdApi.API_VERSION);
            assertThat(PROVIDER.availability()).isEqualTo(Availability.full());
            assertThat(PROVIDER.parameters()).containsExactly(MethodParameter.ofInt("level",
                    PROVIDER.parameters().get(0).description(), 0, 9, 1));
            assertThat(zlib(1).method().engine()).isEqualTo("java.util.zip");
        }

        @Test
        void levelOutsideQemusRangeIsRefused() throws MultifdException {
            assertThatThrownBy(() -> MethodSettings.resolve("zlib", PROVIDER.parameters(), Map.of("level", "10")))
                    .isInstanceOf(MultifdException.class).hasMessageContaining("level");
            assertThat(MethodSettings.resolve("zlib", PROVIDER.parameters(), Map.of()).intValue("level"))
                    .isEqualTo(1);
        }
    }

    @Nested
    class Wire {

        /** zlib's deflate.c: FLEVEL 0 below level 2, 1 below 6, 2 at 6, 3 above; FCHECK makes it a multiple of 31. */
        @ParameterizedTest
        @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
        void firstPayloadStartsWithTheZlibHeaderOfItsLevel(int level) throws MultifdException {
            byte[] expected = {0x78, switch (level) {
                case 0, 1 -> 0x01;
                case 2, 3, 4, 5 -> 0x5E;
                case 6 -> (byte) 0x9C;
                default -> (byte) 0xDA;
            }};
            List<Packet> packets = send(zlib(level), mixedPackets(level, 3));
            assertThat(Arrays.copyOf(packets.get(0).payload(), 2)).isEqualTo(expected);
            assertThat(((expected[0] & 0xFF) << 8 | (expected[1] & 0xFF)) % 31).isZero();
        }

        @Test
        void levelOneHeaderIs7801AsCapturedFromQemu() throws MultifdException {
            List<Packet> packets = send(zlib(1), mixedPackets(7, 2));
            assertThat(HexFormat.of().formatHex(packets.get(0).payload(), 0, 2)).isEqualTo("7801");
        }

        @Test
        void headerGoesIntoTheFirstNonEmptyPayloadWhenTheFirstPacketHasOnlyZeroPages() throws MultifdException {
            List<List<byte[]>> packets = List.of(
                    List.of(new byte[PAGE], new byte[PAGE]),
                    List.of(Loopback.page(PageKind.TEXT, new Random(1), PAGE)));
            List<Packet> sent = send(zlib(1), packets);
            assertThat(sent.get(0).payload()).isEmpty();
            assertThat(sent.get(0).nextPacketSize()).isZero();
            assertThat(sent.get(0).flags()).isEqualTo(0x02);
            assertThat(Arrays.copyOf(sent.get(1).payload(), 2)).containsExactly(0x78, 0x01);
        }

        @Test
        void everyPayloadEndsWithTheSyncFlushBlockAndCarriesTheFlag() throws MultifdException {
            for (Packet p : send(zlib(1), mixedPackets(11, 6))) {
                byte[] b = p.payload();
                assertThat(Arrays.copyOfRange(b, b.length - 4, b.length)).isEqualTo(SYNC);
                assertThat(p.flags()).isEqualTo(0x02);
                assertThat(p.nextPacketSize()).isEqualTo(b.length);
            }
        }

        /** Rule 2.8: one stream per channel; each payload yields exactly its pages given the earlier ones. */
        @ParameterizedTest
        @ValueSource(ints = {0, 1, 6, 9})
        void aFreshInflaterFedThePayloadsInOrderYieldsEachPacketsPages(int level) throws Exception {
            List<List<byte[]>> packets = mixedPackets(100 + level, 8);
            List<Packet> sent = send(zlib(level), packets);
            Inflater inflater = new Inflater();
            try {
                for (int p = 0; p < packets.size(); p++) {
                    byte[] expected = Loopback.concat(Loopback.normalPages(packets.get(p)));
                    inflater.setInput(sent.get(p).payload());
                    byte[] out = new byte[expected.length + 1];
                    int n = 0;
                    int step;
                    while ((step = inflater.inflate(out, n, out.length - n)) > 0) {
                        n += step;
                    }
                    assertThat(n).as("bytes of packet %d", p).isEqualTo(expected.length);
                    assertThat(Arrays.copyOf(out, n)).isEqualTo(expected);
                    assertThat(inflater.getRemaining()).isZero();
                    assertThat(inflater.finished()).as("stream never finished").isFalse();
                }
            } finally {
                inflater.end();
            }
        }

        @Test
        void laterPayloadsDoNotStartANewZlibStream() throws Exception {
            List<Packet> sent = send(zlib(1), mixedPackets(5, 4));
            // packet 2 continues the stream: it opens with a deflate block, not a zlib header
            Inflater fresh = new Inflater();
            try {
                fresh.setInput(sent.get(2).payload());
                byte[] out = new byte[PAGE];
                // a deflate block header never has CM = 8 in its low nibble, so this is no zlib header
                assertThatThrownBy(() -> fresh.inflate(out)).isInstanceOf(DataFormatException.class)
                        .hasMessageMatching("incorrect header check|unknown compression method");
            } finally {
                fresh.end();
            }
        }

        @Test
        void receiverDecodesAStreamOfAnotherEncoderAtLevel9() throws MultifdException {
            // as QEMU's verification re-encoded captures: one deflate stream, sync flush per packet
            List<List<byte[]>> packets = mixedPackets(21, 5);
            List<Packet> wire = new ArrayList<>();
            Deflater d = new Deflater(9);
            try {
                for (int p = 0; p < packets.size(); p++) {
                    byte[] raw = Loopback.concat(packets.get(p));
                    wire.add(Loopback.packet(PAGE, MethodFlag.ZLIB, p, Loopback.offset(p, 0),
                            packets.get(p).size(), deflate(d, raw, Deflater.SYNC_FLUSH)));
                }
            } finally {
                d.end();
            }
            MemoryImage image = Loopback.image(packets);
            Loopback.receive(zlib(1), PAGE, image, wire);
            Loopback.assertArrived(image, packets);
        }
    }

    static byte[] deflate(Deflater d, byte[] raw, int flush) {
        d.setInput(raw);
        byte[] out = new byte[raw.length * 2 + 64];
        int n = d.deflate(out, 0, out.length, flush);
        return Arrays.copyOf(out, n);
    }

    static byte[] deflateFinished(byte[] raw) {
        Deflater d = new Deflater(1);
        try {
            d.setInput(raw);
            d.finish();
            byte[] out = new byte[raw.length * 2 + 64];
            int n = 0;
            while (!d.finished()) {
                n += d.deflate(out, n, out.length - n);
            }
            return Arrays.copyOf(out, n);
        } finally {
            d.end();
        }
    }

    @Nested
    class Malformed {

        private MemoryImage image;

        private void receive(List<Packet> wire) throws MultifdException {
            image = Loopback.image(PAGE, 8L * CAPACITY);
            Loopback.receive(zlib(1), PAGE, image, wire);
        }

        private List<Packet> stream() throws MultifdException {
            return new ArrayList<>(send(zlib(1), mixedPackets(42, 3)));
        }

        @Test
        void theUnalteredStreamDecodes() throws MultifdException {
            receive(stream());
            Loopback.assertArrived(image, mixedPackets(42, 3));
        }

        @Test
        void aTruncatedPayloadFails() throws MultifdException {
            List<Packet> wire = stream();
            byte[] p = wire.get(1).payload();
            for (int cut : new int[] {1, 3, 4, 5, p.length / 2, p.length - 1}) {
                List<Packet> w = new ArrayList<>(wire);
                w.set(1, wire.get(1).withPayload(Arrays.copyOf(p, p.length - cut)));
                assertThatThrownBy(() -> receive(w)).as("cut %d", cut).isInstanceOf(MultifdException.class)
                        .hasMessageContaining("field payload");
            }
        }

        @Test
        void aCorruptZlibHeaderFails() throws MultifdException {
            List<Packet> wire = stream();
            byte[] p = wire.get(0).payload().clone();
            p[1] ^= 0x01;
            wire.set(0, wire.get(0).withPayload(p));
            assertThatThrownBy(() -> receive(wire)).isInstanceOf(MultifdException.class)
                    .hasMessageContaining("channel 0").hasMessageContaining("packet 0")
                    .hasMessageContaining("field payload").hasMessageContaining("header");
        }

        @Test
        void aStreamFinishedInEachPacketFailsAsInQemu() {
            // P-ZLIB-3: per-packet complete zlib streams end in Z_STREAM_END
            byte[] page = Loopback.page(PageKind.TEXT, new Random(9), PAGE);
            List<Packet> wire = List.of(Loopback.packet(PAGE, MethodFlag.ZLIB, 0, 0, 1, deflateFinished(page)));
            assertThatThrownBy(() -> receive(wire)).isInstanceOf(MultifdException.class)
                    .hasMessageContaining("Z_STREAM_END");
        }

        @Test
        void aPayloadWithMorePagesThanListedFails() {
            Random rnd = new Random(5);
            List<byte[]> pages = List.of(Loopback.page(PageKind.TEXT, rnd, PAGE), Loopback.page(PageKind.RANDOM, rnd, PAGE),
                    Loopback.page(PageKind.PATTERN, rnd, PAGE));
            Deflater d = new Deflater(1);
            byte[] payload = deflate(d, Loopback.concat(pages), Deflater.SYNC_FLUSH);
            d.end();
            List<Packet> wire = List.of(Loopback.packet(PAGE, MethodFlag.ZLIB, 0, 0, 2, payload));
            assertThatThrownBy(() -> receive(wire)).isInstanceOf(MultifdException.class)
                    .hasMessageContaining("more than its 2 pages");
            // the packet is refused as a whole: its pages are inflated aside and only copied to their
            // places once the payload checked out, so neither listed page nor any other was written
            assertThat(Loopback.readPage(image, 0)).isEqualTo(new byte[PAGE]);
            assertThat(Loopback.readPage(image, PAGE)).isEqualTo(new byte[PAGE]);
            assertThat(Loopback.readPage(image, 2L * PAGE)).isEqualTo(new byte[PAGE]);
        }

        @Test
        void aPayloadWithFewerPagesThanListedFails() {
            byte[] page = Loopback.page(PageKind.TEXT, new Random(6), PAGE);
            Deflater d = new Deflater(1);
            byte[] payload = deflate(d, page, Deflater.SYNC_FLUSH);
            d.end();
            List<Packet> wire = List.of(Loopback.packet(PAGE, MethodFlag.ZLIB, 0, 0, 2, payload));
            assertThatThrownBy(() -> receive(wire)).isInstanceOf(MultifdException.class)
                    .hasMessageContaining("page 1 of 2 inflates to only 0 of 4096 bytes");
        }

        @Test
        void aHalfPageFails() {
            byte[] page = Loopback.page(PageKind.TEXT, new Random(6), PAGE);
            Deflater d = new Deflater(1);
            byte[] payload = deflate(d, Arrays.copyOf(page, PAGE / 2), Deflater.SYNC_FLUSH);
            d.end();
            List<Packet> wire = List.of(Loopback.packet(PAGE, MethodFlag.ZLIB, 0, 0, 1, payload));
            assertThatThrownBy(() -> receive(wire)).isInstanceOf(MultifdException.class)
                    .hasMessageContaining("page 0 of 1 inflates to only 2048 of 4096 bytes");
        }

        @Test
        void aPresetDictionaryFails() {
            Deflater d = new Deflater(1);
            d.setDictionary(new byte[] {1, 2, 3, 4});
            byte[] payload = deflate(d, Loopback.page(PageKind.TEXT, new Random(1), PAGE), Deflater.SYNC_FLUSH);
            d.end();
            List<Packet> wire = List.of(Loopback.packet(PAGE, MethodFlag.ZLIB, 0, 0, 1, payload));
            assertThatThrownBy(() -> receive(wire)).isInstanceOf(MultifdException.class)
                    .hasMessageContaining("dictionary");
        }

        @Test
        void anEmptyPayloadForListedPagesFails() {
            List<Packet> wire = List.of(Loopback.packet(PAGE, MethodFlag.ZLIB, 0, 0, 1, new byte[0]));
            assertThatThrownBy(() -> receive(wire)).isInstanceOf(MultifdException.class)
                    .hasMessageContaining("page 0 of 1");
        }

        @Test
        void aPayloadWithoutTheSyncFlushFails() {
            // a Z_NO_FLUSH/partial flush ending would leave the stream mid-block for the next packet
            byte[] page = Loopback.page(PageKind.PATTERN, new Random(2), PAGE);
            Deflater d = new Deflater(1);
            byte[] full = deflate(d, page, Deflater.FULL_FLUSH);
            byte[] payload = Arrays.copyOf(full, full.length - 4);
            d.end();
            List<Packet> wire = List.of(Loopback.packet(PAGE, MethodFlag.ZLIB, 0, 0, 1, payload));
            assertThatThrownBy(() -> receive(wire)).isInstanceOf(MultifdException.class)
                    .hasMessageContaining("00 00 FF FF");
        }
    }

    @Nested
    class Bound {

        /** zlib's deflateBound for default parameters plus the zlib wrapper, and the 5-byte sync block. */
        @Test
        void isAtLeastZlibsDeflateBoundPlusTheSyncBlock() throws MultifdException {
            var m = zlib(1).method();
            assertThat(m.maxPayloadSize(0, PAGE)).isZero();
            for (int ps = MultifdApi.MIN_PAGE_SIZE; ps <= MultifdApi.MAX_PAGE_SIZE; ps *= 2) {
                for (int n = 1; n <= MultifdApi.packetCapacity(ps); n++) {
                    long s = (long) n * ps;
                    long zlibBound = s + (s >> 12) + (s >> 14) + (s >> 25) + 13;
                    assertThat((long) m.maxPayloadSize(n, ps)).isGreaterThanOrEqualTo(zlibBound + 5);
                }
            }
        }

        @ParameterizedTest
        @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
        void holdsForIncompressiblePagesMidStream(int level) throws MultifdException {
            var method = zlib(level);
            for (Packet p : send(method, Loopback.randomPackets(level, 1, 127, CAPACITY, 3, CAPACITY))) {
                assertThat(p.payload().length).isLessThanOrEqualTo(method.method().maxPayloadSize(p.normalPages(), PAGE));
                assertThat(p.payload().length).isGreaterThan(p.normalPages() * PAGE);
            }
        }
    }

    @Test
    void pageSnapshotsAreSentNotTheLivePage() throws MultifdException {
        // P-ZLIB-1: each page is copied before deflate; changing the source after sendPrepare
        // must not change what the receiver gets
        ResolvedMethod m = zlib(1);
        byte[] page = Loopback.page(PageKind.TEXT, new Random(4), PAGE);
        byte[] original = page.clone();
        List<Packet> wire;
        try (Loopback.Sender s = new Loopback.Sender(m, 0, PAGE, new AtomicLong())) {
            s.send(0, List.of(ByteBuffer.wrap(page)));
            Arrays.fill(page, (byte) 7);
            wire = s.packets();
        }
        MemoryImage image = Loopback.image(PAGE, 1);
        Loopback.receive(m, PAGE, image, wire);
        assertThat(Loopback.readPage(image, 0)).isEqualTo(original);
    }
}
