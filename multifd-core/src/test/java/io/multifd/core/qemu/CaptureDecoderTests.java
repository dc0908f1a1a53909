package io.multifd.core.qemu;

import io.multifd.api.MethodFlag;
import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.registry.MethodUnavailableException;
import io.multifd.core.testing.MiniJson;
import io.multifd.core.testing.TestMethods;
import io.multifd.core.testing.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Decoding real captures with the test-only raw method (flag 0x00, as QEMU's none), and
 * malformed variants of them: each ends in one MultifdException naming the right field within a
 * few seconds, and leaves no output that looks complete.
 */
class CaptureDecoderTests {

    static final int HEADER = 1344;

    static CaptureDecoder decoder() {
        return new CaptureDecoder(flag -> {
            if (!flag.equals(MethodFlag.NONE)) {
                throw new MethodUnavailableException(null, "test lookup knows only flag 0x00, got " + flag);
            }
            return ResolvedMethod.create(TestMethods.copy(), Map.of());
        });
    }

    /** The first set whose manifest says method none, found by looking (never by its name). */
    static Path noneSet() {
        return Vectors.sets().stream().filter(s -> "none".equals(Vectors.manifest(s).get("method"))).findFirst()
                .orElseThrow(() -> new IllegalStateException("no capture set with method none in " + Vectors.root()));
    }

    /** A capture in memory: the main channel and the multifd channels ordered by their channel id. */
    static final class Capture {
        byte[] main;
        final List<byte[]> channels = new ArrayList<>();

        static Capture load(Path set) throws IOException {
            Capture c = new Capture();
            byte[][] byId = new byte[16][];
            try (Stream<Path> files = Files.list(set)) {
                for (Path f : files.filter(p -> p.getFileName().toString().matches("conn-.*\\.bin")).toList()) {
                    byte[] b = Files.readAllBytes(f);
                    if (new String(b, 0, 4, StandardCharsets.ISO_8859_1).equals("QEVM")) {
                        c.main = b;
                    } else {
                        byId[b[24]] = b;
                    }
                }
            }
            for (byte[] b : byId) {
                if (b != null) {
                    c.channels.add(b);
                }
            }
            return c;
        }

        List<CaptureDecoder.Connection> connections() {
            List<CaptureDecoder.Connection> l = new ArrayList<>();
            // multifd first, in reverse id order: the decoder must not depend on the order
            for (int i = channels.size() - 1; i >= 0; i--) {
                l.add(new CaptureDecoder.Connection("ch" + i + ".bin",
                        Channels.newChannel(new ByteArrayInputStream(channels.get(i)))));
            }
            l.add(new CaptureDecoder.Connection("main.bin", Channels.newChannel(new ByteArrayInputStream(main))));
            return l;
        }
    }

    /** Offsets of the packets of a multifd channel, and the end. */
    static List<Integer> packets(byte[] ch) {
        List<Integer> at = new ArrayList<>();
        int p = 64;
        while (p < ch.length) {
            at.add(p);
            p += HEADER + ByteBuffer.wrap(ch).getInt(p + 20);
        }
        at.add(p);
        return at;
    }

    static byte[] cut(byte[] b, int from, int to) {
        byte[] out = new byte[b.length - (to - from)];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(b, to, out, from, b.length - to);
        return out;
    }

    static byte[] insert(byte[] b, int at, byte[] what) {
        byte[] out = Arrays.copyOf(b, b.length + what.length);
        System.arraycopy(what, 0, out, at, what.length);
        System.arraycopy(b, at, out, at + what.length, b.length - at);
        return out;
    }

    static MultifdException failure(Capture c, Path out) {
        try {
            decoder().decode(c.connections(), out);
        } catch (MultifdException e) {
            return e;
        }
        throw new AssertionError("the malformed capture was decoded");
    }

    static void assertNothingLooksComplete(Path out) throws IOException {
        if (!Files.exists(out)) {
            return;
        }
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).as("files left in " + out)
                    .noneMatch(n -> n.equals("blocks.json") || n.endsWith(".img") || n.endsWith(".partial"));
        }
    }

    // ------------------------------------------------------------------ the good capture

    @Test
    @Timeout(60)
    void everyNoneCaptureDecodesToTheManifestsBlocks(@TempDir Path tmp) throws Exception {
        int decoded = 0;
        for (Path set : Vectors.sets()) {
            Map<String, Object> m = Vectors.manifest(set);
            if (!"none".equals(m.get("method"))) {
                continue;
            }
            Path out = tmp.resolve(set.getFileName().toString());
            DecodeResult r = decoder().decodeDirectory(set, out);
            decoded++;

            List<Object> expected = MiniJson.arr(m.get("ramblocks"));
            assertThat(r.blocks()).hasSize(expected.size());
            List<Object> json = MiniJson.arr(MiniJson.parse(Files.readString(out.resolve("blocks.json"))));
            assertThat(json).hasSize(expected.size());
            for (int i = 0; i < expected.size(); i++) {
                Map<String, Object> e = MiniJson.obj(expected.get(i));
                Map<String, Object> j = MiniJson.obj(json.get(i));
                BlockSummary b = r.blocks().get(i);
                assertThat(b.name()).isEqualTo(e.get("name")).isEqualTo(j.get("name"));
                assertThat(b.size()).isEqualTo(e.get("size")).isEqualTo(j.get("size"));
                assertThat(b.sha256()).as(b.name()).isEqualTo(e.get("sha256")).isEqualTo(j.get("sha256"));
                assertThat(b.normalPages()).as(b.name()).isEqualTo(e.get("normal_pages")).isEqualTo(j.get("normal_pages"));
                assertThat(b.zeroPages()).as(b.name()).isEqualTo(e.get("zero_pages")).isEqualTo(j.get("zero_pages"));
                Path img = out.resolve((String) j.get("file"));
                assertThat(Files.size(img)).isEqualTo(b.size());
            }
            Map<Long, Map<String, Object>> conns = new LinkedHashMap<>();
            for (Object o : MiniJson.arr(m.get("connections"))) {
                Map<String, Object> c = MiniJson.obj(o);
                if ("multifd".equals(c.get("role"))) {
                    conns.put((Long) c.get("channel_id"), c);
                }
            }
            assertThat(r.channels()).hasSize(conns.size());
            for (ChannelSummary c : r.channels()) {
                Map<String, Object> e = conns.get((long) c.channel());
                assertThat(c.connection()).isEqualTo(e.get("file"));
                assertThat(c.wireBytes()).isEqualTo(e.get("bytes"));
                assertThat(c.packets()).isEqualTo(e.get("packets"));
                assertThat(c.syncPackets()).isEqualTo(e.get("sync_packets"));
                assertThat(c.normalPages()).isEqualTo(e.get("normal_pages"));
                assertThat(c.zeroPages()).isEqualTo(e.get("zero_pages"));
                assertThat(c.payloadBytes()).isEqualTo(e.get("payload_bytes"));
            }
            assertThat(r.method()).contains("copy");
            Map<String, Object> mainConn = MiniJson.arr(m.get("connections")).stream().map(MiniJson::obj)
                    .filter(x -> "main".equals(x.get("role"))).findFirst().orElseThrow();
            assertThat(r.flushes()).isEqualTo(MiniJson.obj(mainConn.get("main_stream")).get("multifd_flush_markers"));
            assertThat(r.mainBytes()).isEqualTo(mainConn.get("bytes"));
            try (Stream<Path> files = Files.list(out)) {
                assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".partial"));
            }
        }
        assertThat(decoded).as("capture sets with method none").isPositive();
    }

    @Test
    @Timeout(60)
    void aCaptureIsDecodedFromConnectionsInAnyOrderAndTheMainSinkGetsTheMainChannel(@TempDir Path tmp)
            throws Exception {
        Capture c = Capture.load(noneSet());
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        DecodeResult r = decoder().mainSink(Channels.newChannel(copy)).decode(c.connections(), tmp);
        assertThat(copy.toByteArray()).isEqualTo(c.main);
        assertThat(r.mainConnection()).isEqualTo("main.bin");
        assertThat(r.channels()).extracting(ChannelSummary::connection).containsExactly("ch0.bin", "ch1.bin");
        assertThat(r.mainBytes()).isEqualTo(c.main.length);
    }

    // ------------------------------------------------------------------ malformed captures

    @Test
    @Timeout(10)
    void aTruncatedChannelFailsNamingChannelAndPayload(@TempDir Path tmp) throws Exception {
        Capture c = Capture.load(noneSet());
        byte[] ch = c.channels.get(1);
        int withPayload = packets(ch).stream().filter(p -> p < ch.length && ByteBuffer.wrap(ch).getInt(p + 20) > 100)
                .findFirst().orElseThrow();
        c.channels.set(1, Arrays.copyOf(ch, withPayload + HEADER + 100));
        MultifdException e = failure(c, tmp);
        assertThat(e.channel()).hasValue(1);
        assertThat(e.field()).contains("payload");
        assertThat(e.getMessage()).contains("stream ended inside the payload");
        assertNothingLooksComplete(tmp);
    }

    @Test
    @Timeout(10)
    void aChannelCutInsideAHeaderFails(@TempDir Path tmp) throws Exception {
        Capture c = Capture.load(noneSet());
        List<Integer> at = packets(c.channels.get(0));
        c.channels.set(0, Arrays.copyOf(c.channels.get(0), at.get(at.size() - 2) + 700));
        MultifdException e = failure(c, tmp);
        assertThat(e.channel()).hasValue(0);
        assertThat(e.field()).contains("header");
        assertNothingLooksComplete(tmp);
    }

    @Test
    @Timeout(10)
    void aFlippedInitMagicFails(@TempDir Path tmp) throws Exception {
        Capture c = Capture.load(noneSet());
        c.channels.get(1)[0] ^= 0x01;
        MultifdException e = failure(c, tmp);
        assertThat(e.field()).contains("magic");
        assertThat(e.getMessage()).contains("ch1.bin").contains("0x10223344");
        assertNothingLooksComplete(tmp);
    }

    @Test
    @Timeout(10)
    void aFlippedPacketMagicFailsNamingTheChannel(@TempDir Path tmp) throws Exception {
        Capture c = Capture.load(noneSet());
        List<Integer> at = packets(c.channels.get(0));
        c.channels.get(0)[at.get(5) + 3] ^= 0x40;
        MultifdException e = failure(c, tmp);
        assertThat(e.channel()).hasValue(0);
        assertThat(e.field()).contains("magic");
        assertNothingLooksComplete(tmp);
    }

    @Test
    @Timeout(10)
    void aFlippedMainMagicLeavesNoMainChannel(@TempDir Path tmp) throws Exception {
        Capture c = Capture.load(noneSet());
        c.main[3] ^= 0x01;
        MultifdException e = failure(c, tmp);
        assertThat(e.field()).contains("magic");
        assertThat(e.getMessage()).contains("no main channel");
    }

    @Test
    @Timeout(10)
    void aWrongUuidOnOneChannelFails(@TempDir Path tmp) throws Exception {
        Capture c = Capture.load(noneSet());
        c.channels.get(1)[8 + 15] ^= 0x5A;
        MultifdException e = failure(c, tmp);
        assertThat(e.field()).contains("uuid");
        assertThat(e.getMessage()).contains("ch1.bin").contains("ch0.bin");
        assertNothingLooksComplete(tmp);
    }

    @Test
    @Timeout(10)
    void aDuplicateChannelIdFails(@TempDir Path tmp) throws Exception {
        Capture c = Capture.load(noneSet());
        c.channels.get(1)[24] = 0;
        MultifdException e = failure(c, tmp);
        assertThat(e.field()).contains("channel id");
        assertThat(e.channel()).hasValue(0);
        assertThat(e.getMessage()).contains("ch0.bin").contains("ch1.bin");
    }

    @Test
    @Timeout(10)
    void aChannelIdEqualToTheChannelCountFails(@TempDir Path tmp) throws Exception {
        Capture c = Capture.load(noneSet());
        c.channels.get(1)[24] = (byte) c.channels.size();
        MultifdException e = failure(c, tmp);
        assertThat(e.field()).contains("channel id");
        assertThat(e.getMessage()).contains("out of range");
    }

    @Test
    @Timeout(10)
    void aMissingSyncFailsNamingTheChannel(@TempDir Path tmp) throws Exception {
        Capture c = Capture.load(noneSet());
        byte[] ch = c.channels.get(1);
        List<Integer> at = packets(ch);
        int last = at.get(at.size() - 2);
        assertThat(ByteBuffer.wrap(ch).getInt(last + 8)).as("the last packet is a SYNC").isEqualTo(1);
        c.channels.set(1, cut(ch, last, at.get(at.size() - 1)));
        MultifdException e = failure(c, tmp);
        assertThat(e.field()).contains("sync");
        assertThat(e.channel()).hasValue(1);
        assertNothingLooksComplete(tmp);
    }

    @Test
    @Timeout(10)
    void aMissingDataPacketLeavesPagesMissing(@TempDir Path tmp) throws Exception {
        Capture c = Capture.load(noneSet());
        byte[] ch = c.channels.get(0);
        List<Integer> at = packets(ch);
        c.channels.set(0, cut(ch, at.get(1), at.get(2)));
        MultifdException e = failure(c, tmp);
        assertThat(e.field()).contains("pages");
        assertThat(e.getMessage()).contains("never received");
        assertNothingLooksComplete(tmp);
    }

    @Test
    @Timeout(10)
    void aReplayedPacketFailsOnPacketNum(@TempDir Path tmp) throws Exception {
        Capture c = Capture.load(noneSet());
        byte[] ch = c.channels.get(0);
        List<Integer> at = packets(ch);
        byte[] packet = Arrays.copyOfRange(ch, at.get(1), at.get(2));
        c.channels.set(0, insert(ch, at.get(2), packet));
        MultifdException e = failure(c, tmp);
        assertThat(e.field()).contains("packet_num");
        assertThat(e.channel()).hasValue(0);
    }

    @Test
    @Timeout(10)
    void aTruncatedMainChannelFails(@TempDir Path tmp) throws Exception {
        Capture c = Capture.load(noneSet());
        c.main = Arrays.copyOf(c.main, c.main.length / 2);
        MultifdException e = failure(c, tmp);
        assertThat(e.getMessage()).contains("main channel main.bin");
        assertNothingLooksComplete(tmp);
    }

    @Test
    @Timeout(10)
    void anUnknownMethodFlagIsReportedAsUnavailable(@TempDir Path tmp) throws Exception {
        Capture c = Capture.load(noneSet());
        for (byte[] ch : c.channels) {
            List<Integer> at = packets(ch);
            for (int i = 0; i < at.size() - 1; i++) {
                if (ch[at.get(i) + 11] == 0) {
                    ch[at.get(i) + 11] = 0x3A;
                }
            }
        }
        MultifdException e = failure(c, tmp);
        assertThat(e).isInstanceOf(MethodUnavailableException.class);
        assertThat(e.getMessage()).contains("0x3A");
    }
}
