package io.multifd.core.qemu;

import io.multifd.api.MultifdException;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.testing.MiniJson;
import io.multifd.core.testing.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

@Timeout(30)
class MainStreamReaderTests {

    static final long P = 4096;

    /** Records every callback as a line. */
    static final class Recorder implements MainStreamReader.Listener {
        final List<String> events = new ArrayList<>();

        @Override
        public void configuration(String machineType) {
            events.add("config " + machineType);
        }

        @Override
        public void blocks(List<BlockSpec> blocks) {
            events.add("blocks " + blocks.stream().map(b -> b.name() + ":" + b.size()).toList());
        }

        @Override
        public void flush(long k) {
            events.add("flush " + k);
        }

        @Override
        public void zeroPage(String block, long offset) {
            events.add("zero " + block + " 0x" + Long.toHexString(offset));
        }

        @Override
        public void page(String block, long offset, ByteBuffer data) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            events.add("page " + block + " 0x" + Long.toHexString(offset) + " " + b.length + " bytes, first "
                    + b[0] + ", last " + b[b.length - 1]);
        }

        @Override
        public void endOfStream() {
            events.add("eof");
        }
    }

    static MainStreamReader reader(byte[] stream, MainStreamReader.Listener l) {
        return new MainStreamReader(Channels.newChannel(new ByteArrayInputStream(stream)), "test.bin", 4096, l, null);
    }

    static MultifdException failure(byte[] stream) {
        try {
            reader(stream, new Recorder()).readToEnd();
        } catch (MultifdException e) {
            return e;
        }
        throw new AssertionError("the stream was accepted");
    }

    // ------------------------------------------------------------------ real captures

    @Test
    void everyCapturedMainChannelGivesTheManifestsBlocksMachineAndFlushMarkers() throws Exception {
        for (Path set : Vectors.sets()) {
            Map<String, Object> m = Vectors.manifest(set);
            Path main = Vectors.mainChannel(set);
            Map<String, Object> conn = MiniJson.arr(m.get("connections")).stream().map(MiniJson::obj)
                    .filter(c -> "main".equals(c.get("role"))).findFirst().orElseThrow();
            Map<String, Object> ms = MiniJson.obj(conn.get("main_stream"));

            Recorder rec = new Recorder();
            ByteArrayOutputStream copy = new ByteArrayOutputStream();
            MainStreamReader r = new MainStreamReader(Files.newByteChannel(main), main.getFileName().toString(), 4096,
                    rec, Channels.newChannel(copy));
            r.readToEnd();

            List<String> expectedBlocks = new ArrayList<>();
            for (Object o : MiniJson.arr(m.get("ramblocks"))) {
                Map<String, Object> b = MiniJson.obj(o);
                expectedBlocks.add(b.get("name") + ":" + b.get("size"));
            }
            long markers = (Long) ms.get("multifd_flush_markers");
            List<String> expectedEvents = new ArrayList<>();
            expectedEvents.add("config " + ms.get("machine"));
            expectedEvents.add("blocks " + expectedBlocks);
            for (long k = 1; k <= markers; k++) {
                expectedEvents.add("flush " + k);
            }
            expectedEvents.add("eof");
            assertThat(rec.events).as(set.toString()).containsExactlyElementsOf(expectedEvents);
            assertThat(r.ramSections()).as(set.toString()).containsExactlyElementsOf(
                    MiniJson.arr(ms.get("ram_sections")).stream().map(Object::toString).toList());
            assertThat(r.machineType()).contains((String) m.get("machine_type"));
            assertThat(r.syncMode()).isEqualTo(MainStreamReader.SyncMode.PER_ROUND);
            assertThat(r.ended()).isTrue();
            assertThat(r.sectionsSkipped()).isPositive();
            assertThat(r.position()).isEqualTo(Files.size(main)).isEqualTo((Long) conn.get("bytes"));
            assertThat(copy.toByteArray()).as("the sink gets every byte").isEqualTo(Files.readAllBytes(main));
        }
    }

    @Test
    void aCapturedMainChannelWithAnUnknownRamFlagFailsNamingFlagAndOffset() throws Exception {
        Path main = Vectors.mainChannel(Vectors.sets().get(0));
        byte[] b = Files.readAllBytes(main);
        byte[] flushThenEos = HexFormat.of().parseHex("00000000000002000000000000000010");
        int at = indexOf(b, flushThenEos);
        assertThat(at).as("a flush marker followed by EOS").isPositive();
        b[at + 6] = 0x04;
        MultifdException e = failure(b);
        assertThat(e.field()).contains("ram flags");
        assertThat(e.getMessage()).contains("0x400").contains("offset " + at + " ");
    }

    @Test
    void aTruncatedCapturedMainChannelFails() throws Exception {
        byte[] b = Files.readAllBytes(Vectors.mainChannel(Vectors.sets().get(0)));
        for (int cut : new int[]{2, 7, 100, 180, b.length / 2, b.length - 10}) {
            MultifdException e = failure(Arrays.copyOf(b, cut));
            assertThat(e.getMessage()).as("cut at " + cut).contains("main channel test.bin");
        }
    }

    // ------------------------------------------------------------------ hand-made streams

    static MainStreams ramStart() {
        return MainStreams.create().header().configuration("pc-q35-10.0").start(1, "ram", 4);
    }

    @Test
    void legacyZeroAndFullPagesOnTheMainChannelAreReported() throws Exception {
        byte[] page = new byte[4096];
        Arrays.fill(page, (byte) 7);
        page[4095] = 9;
        // device state containing a fake footer of its own section followed by garbage
        byte[] device = HexFormat.of().parseHex("00117e00000002ff7e000000020908");
        byte[] s = ramStart()
                .blocks("pc.ram", 4 * P, "/rom@etc/acpi/rsdp", P).flush().eos().footer(1)
                .full(2, "timer", 2).bytes(device).footer(2)
                .part(1).zero(0, "pc.ram").zero(P, null).page(2 * P, "pc.ram", page).zero(0, "/rom@etc/acpi/rsdp")
                .flush().eos().footer(1)
                .command(11, new byte[0])
                .end(1).page(3 * P, "pc.ram", page).flush().eos().footer(1)
                .eof().vmdesc("{\"page_size\": 4096}").toBytes();
        Recorder rec = new Recorder();
        MainStreamReader r = reader(s, rec);
        r.readToEnd();
        assertThat(rec.events).containsExactly(
                "config pc-q35-10.0",
                "blocks [pc.ram:16384, /rom@etc/acpi/rsdp:4096]",
                "flush 1",
                "zero pc.ram 0x0", "zero pc.ram 0x1000", "page pc.ram 0x2000 4096 bytes, first 7, last 9",
                "zero /rom@etc/acpi/rsdp 0x0",
                "flush 2",
                "page pc.ram 0x3000 4096 bytes, first 7, last 9",
                "flush 3",
                "eof");
        assertThat(r.sectionsSkipped()).isEqualTo(1);
        assertThat(r.zeroPages()).isEqualTo(3);
        assertThat(r.normalPages()).isEqualTo(2);
        assertThat(r.ramSections()).containsExactly("start", "part", "end");
        assertThat(r.position()).isEqualTo(s.length);
    }

    @Test
    void aRamTotalAboveTheLimitIsRefusedBeforeAnyImageExists() {
        // found by the mutation campaign: a 2^50-byte RAMBlock made the decoder try to map a
        // 1 PiB file ("File too large", an UncheckedIOException from the image)
        byte[] s = ramStart().blocks("pc.ram", 1L << 50).flush().eos().footer(1).eof().toBytes();
        Recorder rec = new Recorder();
        MultifdException e = catchThrowableOfType(MultifdException.class, () -> reader(s, rec).readToEnd());
        assertThat(e).isNotNull();
        assertThat(e.field()).contains("ram total");
        assertThat(e.getMessage()).contains("exceeds the limit of " + MainStreamReader.MAX_RAM_BYTES);
        assertThat(rec.events).noneMatch(ev -> ev.startsWith("blocks"));
    }

    @Test
    void moreRamBlocksThanTheLimitAreRefused() {
        Object[] list = new Object[2 * (MainStreamReader.MAX_BLOCKS + 1)];
        for (int i = 0; i <= MainStreamReader.MAX_BLOCKS; i++) {
            list[2 * i] = "b" + i;
            list[2 * i + 1] = P;
        }
        byte[] s = ramStart().blocks(list).flush().eos().footer(1).eof().toBytes();
        MultifdException e = failure(s);
        assertThat(e.field()).contains("ramblock");
        assertThat(e.getMessage()).contains("more than " + MainStreamReader.MAX_BLOCKS + " RAMBlocks");
    }

    @Test
    void withoutFlushMarkersEveryEosIsASyncPoint() throws Exception {
        byte[] s = ramStart().blocks("pc.ram", 2 * P).eos().footer(1)
                .part(1).zero(0, "pc.ram").eos().footer(1)
                .end(1).zero(P, null).eos().footer(1).eof().toBytes();
        Recorder rec = new Recorder();
        MainStreamReader r = reader(s, rec);
        r.readToEnd();
        assertThat(r.syncMode()).isEqualTo(MainStreamReader.SyncMode.PER_SECTION);
        assertThat(rec.events).containsExactly("config pc-q35-10.0", "blocks [pc.ram:8192]", "flush 1",
                "zero pc.ram 0x0", "flush 2", "zero pc.ram 0x1000", "flush 3", "eof");
    }

    @Test
    void configurationSubsectionsSetPageSizeAndIgnoreSharedAddresses() throws Exception {
        byte[] s = MainStreams.create().header().configuration("virt-10.0")
                .subsection("configuration/target-page-bits").be32(14)
                .subsection("configuration/capabilities").be32(1).str8("x-ignore-shared")
                .subsection("configuration/uuid").be64(0x0123456789abcdefL).be64(0x1122334455667788L)
                .start(3, "ram", 4).blocks("mach-virt.ram", 4 * 16384L).be64(0x40000000L)
                .flush().eos().footer(3).eof().toBytes();
        MainStreamReader r = reader(s, new Recorder());
        r.readToEnd();
        assertThat(r.pageSize()).isEqualTo(16384);
        assertThat(r.capabilities()).containsExactly("x-ignore-shared");
        assertThat(r.uuid()).hasValueSatisfying(u -> assertThat(u.toString())
                .isEqualTo("01234567-89ab-cdef-1122-334455667788"));
        assertThat(r.blocks()).hasValue(List.of(new BlockSpec("mach-virt.ram", 65536)));
    }

    @Test
    void readUntilBlocksStopsAtTheBlockList() throws Exception {
        byte[] s = ramStart().blocks("pc.ram", P).flush().eos().footer(1).eof().toBytes();
        Recorder rec = new Recorder();
        MainStreamReader r = reader(s, rec);
        assertThat(r.readUntilBlocks()).containsExactly(new BlockSpec("pc.ram", P));
        assertThat(rec.events).doesNotContain("flush 1");
        r.readToEnd();
        assertThat(rec.events).contains("flush 1", "eof");
    }

    @Test
    void malformedStreamsEachFailWithTheirField() {
        byte[] page = new byte[4096];
        record Case(String name, byte[] stream, String field, String text) {
        }
        List<Case> cases = List.of(
                new Case("bad magic", MainStreams.create().be32(0x5145564E).be32(3).toBytes(), "magic", "0x5145564E"),
                new Case("bad version", MainStreams.create().be32(0x5145564D).be32(2).toBytes(), "version", "version 2"),
                new Case("empty", new byte[0], "magic", "before its 4-byte magic"),
                new Case("unknown ram flag", ramStart().blocks("pc.ram", P).be64(0x400).toBytes(), "ram flags", "0x400"),
                new Case("xbzrle", ramStart().blocks("pc.ram", P).be64(0x40).toBytes(), "ram flags", "XBZRLE"),
                new Case("compressed page", ramStart().blocks("pc.ram", P).be64(0x100).toBytes(), "ram flags", "0x100"),
                new Case("truncated block list", Arrays.copyOf(ramStart().blocks("pc.ram", P).toBytes(),
                        ramStart().toBytes().length + 8 + 3),
                        "truncated", "ramblock"),
                new Case("page before the blocks", ramStart().zero(0, "pc.ram").toBytes(), "ramblock", "before"),
                new Case("unknown block", ramStart().blocks("pc.ram", P).zero(0, "pc.rom").toBytes(), "ramblock",
                        "pc.rom"),
                new Case("offset past the end", ramStart().blocks("pc.ram", P).page(P, "pc.ram", page).toBytes(),
                        "offset", "past the end"),
                new Case("zero page fill byte", ramStart().blocks("pc.ram", P).be64(0x02).str8("pc.ram").u8(5)
                        .toBytes(), "zero page", "0x05"),
                new Case("continue without block", ramStart().blocks("pc.ram", P).zero(0, null).toBytes(), "ramblock",
                        "CONTINUE"),
                new Case("blocks twice", ramStart().blocks("pc.ram", P).blocks("pc.ram", P).toBytes(), "ram flags",
                        "second time"),
                new Case("block not a page multiple", ramStart().be64(P | 4).str8("pc.ram").be64(100).toBytes(),
                        "ramblock used_length", "multiple of the page size"),
                new Case("ram footer of another section", ramStart().blocks("pc.ram", P).eos().footer(9).toBytes(),
                        "footer", "section 9"),
                new Case("part of an unknown section", ramStart().blocks("pc.ram", P).eos().footer(1).part(5)
                        .toBytes(), "section id", "never started"),
                new Case("device state without footer", ramStart().blocks("pc.ram", P).eos().footer(1)
                        .full(2, "timer", 2).bytes(new byte[100]).toBytes(), "footer", "'timer'"),
                new Case("no QEMU_VM_EOF", ramStart().blocks("pc.ram", P).eos().footer(1).toBytes(), "section type",
                        "without QEMU_VM_EOF"),
                new Case("unknown section type", ramStart().blocks("pc.ram", P).eos().footer(1).u8(0x09).toBytes(),
                        "section type", "0x09"),
                new Case("bytes after EOF", ramStart().blocks("pc.ram", P).eos().footer(1).eof().u8(1).toBytes(),
                        "end", "after QEMU_VM_EOF"),
                new Case("bytes after the description", ramStart().blocks("pc.ram", P).eos().footer(1).eof()
                        .vmdesc("{}").u8(0).toBytes(), "end", "description"),
                new Case("unknown configuration subsection", MainStreams.create().header().configuration("pc")
                        .subsection("configuration/something").be32(1).toBytes(), "configuration", "something"),
                new Case("flush in a per-section stream", ramStart().blocks("pc.ram", P).eos().footer(1).part(1)
                        .flush().toBytes(), "ram flags", "0x200"),
                new Case("mapped-ram", MainStreams.create().header().configuration("pc")
                        .subsection("configuration/capabilities").be32(1).str8("mapped-ram").toBytes(),
                        "capabilities", "mapped-ram"));
        for (Case c : cases) {
            MultifdException e = failure(c.stream());
            assertThat(e.field()).as(c.name() + ": " + e.getMessage()).contains(c.field());
            assertThat(e.getMessage()).as(c.name()).contains(c.text()).contains("main channel test.bin at offset");
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
