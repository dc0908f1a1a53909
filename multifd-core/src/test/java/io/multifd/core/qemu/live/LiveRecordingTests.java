package io.multifd.core.qemu.live;

import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.json.Json;
import io.multifd.core.testing.TestMethods;
import io.multifd.core.testing.Vectors;
import io.multifd.core.wire.InitPacket;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The recording side of qemu-receive and the pass structure of qemu-transcode, without sockets or QEMU. */
class LiveRecordingTests {

    private static final int PAGE = 4096;

    /** Reads a whole file through a tap, in reads of random sizes (framing must survive any split). */
    private static PacketTap tapFile(Path file, long seed) throws IOException {
        Random rnd = new Random(seed);
        try (FileChannel fc = FileChannel.open(file, StandardOpenOption.READ)) {
            PacketTap tap = new PacketTap(fc, file.getFileName().toString(), PAGE);
            ByteBuffer b = ByteBuffer.allocate(70_000);
            while (true) {
                b.clear().limit(1 + rnd.nextInt(b.capacity() - 1));
                if (tap.read(b) < 0) {
                    return tap;
                }
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> theTapRecordsEveryPacketOfTheCapturesAsTheManifestLists() {
        return Vectors.sets().stream().map(set -> DynamicTest.dynamicTest(set.getFileName().toString(), () -> {
            Map<String, Object> m = Json.parseObject(Files.readString(set.resolve("manifest.json")));
            for (Object o : Json.asList(m.get("connections"))) {
                Map<String, Object> c = Json.asObject(o);
                PacketTap tap = tapFile(set.resolve((String) c.get("file")), 42);
                assertThat(tap.bytes()).isEqualTo(c.get("bytes"));
                if (!"multifd".equals(c.get("role"))) {
                    assertThat(tap.isMain()).isTrue();
                    assertThat(tap.initPacket()).isEmpty();
                    continue;
                }
                assertThat(tap.problem()).isEmpty();
                ChannelRecording r = tap.recording();
                assertThat((long) r.channel()).isEqualTo(c.get("channel_id"));
                assertThat(r.ended()).isTrue();
                List<Object> rows = Json.asList(c.get("packet_list"));
                assertThat(r.packets()).hasSize(rows.size());
                for (int i = 0; i < rows.size(); i++) {
                    List<Object> row = Json.asList(rows.get(i));
                    RecordedPacket p = r.packets().get(i);
                    assertThat(p.packetNum()).isEqualTo(row.get(0));
                    assertThat(p.sync()).isEqualTo(((Long) row.get(1) & 1) == 1);
                    assertThat((long) p.normalPages()).isEqualTo(row.get(2));
                    assertThat((long) p.zeroPages()).isEqualTo(row.get(3));
                }
            }
        }));
    }

    @Test
    void aTruncatedChannelIsNotRecordedAsEnded(@TempDir Path tmp) throws IOException {
        Path set = Vectors.sets().get(0);
        Path mainFile = Vectors.mainChannel(set);
        Path channel;
        try (Stream<Path> s = Files.list(set)) {
            channel = s.filter(p -> p.getFileName().toString().matches("conn-.*\\.bin") && !p.equals(mainFile))
                    .sorted().findFirst().orElseThrow();
        }
        byte[] all = Files.readAllBytes(channel);
        Path cut = tmp.resolve("cut.bin");
        Files.write(cut, java.util.Arrays.copyOf(all, 64 + 1344 + 100));
        PacketTap tap = tapFile(cut, 1);
        assertThat(tap.recording().ended()).isFalse();
        assertThat(tap.recording().packets()).as("the SYNC packet, not the cut one").hasSize(1);
    }

    @Test
    void aRecordingSurvivesWritingAndReading(@TempDir Path tmp) throws Exception {
        List<String> blocks = List.of("pc.ram", "/rom@etc/acpi/tables", "0000:00:02.0/vga vram");
        List<RecordedPacket> packets = List.of(RecordedPacket.sync(0),
                new RecordedPacket(3, false, "pc.ram", new long[] {0x3000, 0x1000, 0x2000}, 2),
                new RecordedPacket(4, false, "0000:00:02.0/vga vram", new long[] {0x0}, 0),
                new RecordedPacket(9, true, "/rom@etc/acpi/tables", new long[] {0x1000}, 1),
                RecordedPacket.sync(12));
        ChannelRecording r = new ChannelRecording(1, "127.0.0.1:4567", packets, true);
        Path f = tmp.resolve(ChannelRecording.fileName(1));
        r.write(f, blocks);
        ChannelRecording back = ChannelRecording.read(f, blocks);
        assertThat(back.channel()).isEqualTo(1);
        assertThat(back.connection()).isEqualTo("127.0.0.1:4567");
        assertThat(back.ended()).isTrue();
        assertThat(back.syncPackets()).isEqualTo(3);
        assertThat(back.packets()).hasSize(5);
        for (int i = 0; i < packets.size(); i++) {
            RecordedPacket a = packets.get(i);
            RecordedPacket b = back.packets().get(i);
            assertThat(b.packetNum()).isEqualTo(a.packetNum());
            assertThat(b.sync()).isEqualTo(a.sync());
            assertThat(b.block()).isEqualTo(a.block());
            assertThat(b.offsets()).containsExactly(a.offsets());
            assertThat(b.normalPages()).isEqualTo(a.normalPages());
        }
        assertThat(Files.readAllLines(f)).contains("Ds 9 1 1 0 1000", "D 3 0 2 1 3000 1000 2000");

        Files.writeString(f, ChannelRecording.HEADER + "\nchannel 0\nD 5 0 2 0 1000\n");
        assertThatThrownBy(() -> ChannelRecording.read(f, blocks)).isInstanceOf(MultifdException.class)
                .hasMessageContaining("line 3").hasMessageContaining("lists 1 offsets, the counts say 2 + 0");
    }

    @Test
    void jsonTextParsesWhatTheFilesAndQmpHoldAndNamesTheOffsetOfAnError() {
        Map<String, Object> o = Json.parseObject("{\"return\": {\"status\": \"completed\", \"ram\": "
                + "{\"normal\": 2468, \"mbps\": 637.3, \"list\": [1, -2, true, null, \"a\\\"b\\u0041\\n\"]}}}");
        Map<String, Object> ram = Json.asObject(Json.asObject(o.get("return")).get("ram"));
        assertThat(ram.get("normal")).isEqualTo(2468L);
        assertThat(ram.get("mbps")).isEqualTo(637.3);
        assertThat(Json.asList(ram.get("list"))).containsExactly(1L, -2L, true, null, "a\"bA\n");
        assertThat(Json.quote("a\"b\\\n\u0001")).isEqualTo("\"a\\\"b\\\\\\n\\u0001\"");
        assertThatThrownBy(() -> Json.parse("{\"a\": [1, 2}")).hasMessageContaining("offset 11");
        assertThatThrownBy(() -> Json.parse("[1] x")).hasMessageContaining("after the value");
    }

    /**
     * A recorded migration made by hand: pc.ram of 300 pages and a 2-page ROM, 2 source channels,
     * 4 flush markers (the first at setup): pass 1 sends everything, pass 2 re-sends pages 5-7 and
     * 200 (on the other channel), pass 3 re-sends page 6.
     */
    private static Path syntheticRecording(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("channels"));
        Files.write(dir.resolve("main.bin"), "QEVM-not-parsed".getBytes(StandardCharsets.US_ASCII));
        byte[] ram = new byte[300 * PAGE];
        for (int p = 0; p < 300; p++) {
            if (p % 3 != 0) {
                ram[p * PAGE + p % PAGE] = (byte) (p | 1);
            }
        }
        Files.write(dir.resolve("pc.ram.img"), ram);
        Files.write(dir.resolve("rom.img"), new byte[2 * PAGE]);
        Files.writeString(dir.resolve("blocks.json"), "[\n"
                + "  {\"name\": \"pc.ram\", \"file\": \"pc.ram.img\", \"size\": " + ram.length
                + ", \"sha256\": \"x\", \"normal_pages\": 0, \"zero_pages\": 0},\n"
                + "  {\"name\": \"/rom@etc/x\", \"file\": \"rom.img\", \"size\": 8192, \"sha256\": \"y\", "
                + "\"normal_pages\": 0, \"zero_pages\": 0}\n]\n");
        Files.writeString(dir.resolve("channels").resolve("index.json"), "{\"format\": \"" + RecordingResult.FORMAT
                + "\", \"method\": \"copy\", \"page_size\": 4096, \"channels\": 2, \"uuid\": \""
                + new UUID(0, 0) + "\", \"flushes\": 4, \"blocks\": [\"pc.ram\", \"/rom@etc/x\"], "
                + "\"files\": [\"channel-0.packets\", \"channel-1.packets\"]}\n");
        List<String> blocks = List.of("pc.ram", "/rom@etc/x");
        List<RecordedPacket> c0 = new ArrayList<>(List.of(RecordedPacket.sync(0)));
        List<RecordedPacket> c1 = new ArrayList<>(List.of(RecordedPacket.sync(1)));
        long num = 2;
        for (int start = 0; start < 300; start += 128) {
            int n = Math.min(128, 300 - start);
            long[] offs = new long[n];
            for (int i = 0; i < n; i++) {
                offs[i] = (long) (start + i) * PAGE;
            }
            (start / 128 % 2 == 0 ? c0 : c1).add(new RecordedPacket(num++, false, "pc.ram", offs, n));
        }
        c1.add(new RecordedPacket(num++, false, "/rom@etc/x", new long[] {0, PAGE}, 0));
        c0.add(RecordedPacket.sync(num++));
        c1.add(RecordedPacket.sync(num++));
        c1.add(new RecordedPacket(num++, false, "pc.ram", new long[] {5 * PAGE, 6 * PAGE, 7 * PAGE, 200 * PAGE}, 4));
        c0.add(RecordedPacket.sync(num++));
        c1.add(RecordedPacket.sync(num++));
        c0.add(new RecordedPacket(num++, false, "pc.ram", new long[] {6 * PAGE}, 1));
        c0.add(RecordedPacket.sync(num++));
        c1.add(RecordedPacket.sync(num++));
        new ChannelRecording(0, "a", c0, true).write(dir.resolve("channels").resolve("channel-0.packets"), blocks);
        new ChannelRecording(1, "b", c1, true).write(dir.resolve("channels").resolve("channel-1.packets"), blocks);
        return dir;
    }

    @Test
    void transcodingKeepsThePassStructureOnAnotherChannelCount(@TempDir Path tmp) throws Exception {
        ReceivedMigration src = ReceivedMigration.open(syntheticRecording(tmp.resolve("src")));
        UUID uuid = UUID.fromString("00000000-0000-4000-8000-00000000abcd");
        ResolvedMethod copy = ResolvedMethod.create(TestMethods.copy(), Map.of());
        TranscodeResult r = new Transcoder(copy, new TranscodeOptions(OptionalInt.of(3), Optional.of(uuid)))
                .transcode(src, tmp.resolve("out"));
        assertThat(r.channels()).isEqualTo(3);
        assertThat(r.syncPoints()).isEqualTo(4);
        assertThat(r.pagesSent()).isEqualTo(302 + 4 + 1);
        assertThat(Files.readString(tmp.resolve("out").resolve("conn-0.bin"))).isEqualTo("QEVM-not-parsed");

        List<List<Set<Long>>> passesByChannel = new ArrayList<>();
        Set<Long> numbers = new HashSet<>();
        for (int id = 0; id < 3; id++) {
            PacketTap tap = tapFile(tmp.resolve("out").resolve("conn-" + (id + 1) + ".bin"), id);
            assertThat(tap.problem()).isEmpty();
            assertThat(tap.initPacket()).contains(new InitPacket(uuid, id));
            ChannelRecording rec = tap.recording();
            assertThat(rec.ended()).isTrue();
            assertThat(rec.syncPackets()).isEqualTo(4);
            assertThat(rec.packets().get(0).sync()).isTrue();
            assertThat(rec.packets().get(rec.packets().size() - 1).sync()).isTrue();
            List<Set<Long>> passes = new ArrayList<>();
            Set<Long> cur = new TreeSet<>();
            long last = -1;
            for (RecordedPacket p : rec.packets()) {
                assertThat(p.packetNum()).isGreaterThan(last);
                last = p.packetNum();
                assertThat(numbers.add(p.packetNum())).as("packet_num %d used once", p.packetNum()).isTrue();
                for (long off : p.offsets()) {
                    cur.add(p.block().equals("pc.ram") ? off : -1 - off);
                }
                if (p.sync()) {
                    passes.add(cur);
                    cur = new TreeSet<>();
                }
            }
            passesByChannel.add(passes);
        }
        // pass k of the output = pass k of the source, whatever channel carried each page
        List<Set<Long>> want = List.of(Set.of(), allPages(), Set.of(5L * PAGE, 6L * PAGE, 7L * PAGE, 200L * PAGE),
                Set.of(6L * PAGE));
        for (int k = 0; k < want.size(); k++) {
            Set<Long> got = new TreeSet<>();
            for (List<Set<Long>> passes : passesByChannel) {
                got.addAll(passes.get(k));
            }
            assertThat(got).as("pages between SYNC %d and SYNC %d", k, k + 1).isEqualTo(new TreeSet<>(want.get(k)));
        }
        // the work was shared: every output channel carried pages of pass 1
        for (List<Set<Long>> passes : passesByChannel) {
            assertThat(passes.get(1)).isNotEmpty();
        }
    }

    private static Set<Long> allPages() {
        Set<Long> s = new TreeSet<>();
        for (long p = 0; p < 300; p++) {
            s.add(p * PAGE);
        }
        s.add(-1L);
        s.add(-1L - PAGE);
        return s;
    }
}
