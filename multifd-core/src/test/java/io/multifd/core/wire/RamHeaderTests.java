package io.multifd.core.wire;

import io.multifd.api.MethodFlag;
import io.multifd.api.MultifdException;
import io.multifd.api.PacketFlags;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RamHeaderTests {

    static final Path VECTORS = Path.of("..", "..", "shared", "vectors", "qemu-10.0").toAbsolutePath().normalize();

    @Test
    void headerLengthIsQemus() {
        assertThat(Wire.ramHeaderBytes(4096)).isEqualTo(1344);
        assertThat(Wire.ramHeaderBytes(8192)).isEqualTo(320 + 8 * 64);
        assertThat(new RamHeader(4096).byteLength()).isEqualTo(1344);
    }

    /** Our SYNC packet must equal, byte for byte, the first packet QEMU wrote on a real channel. */
    @Test
    void syncPacketIsByteExactWithACapture() throws IOException, MultifdException {
        List<Path> multifd = multifdFiles();
        assertThat(multifd).as("multifd channel captures under " + VECTORS).isNotEmpty();
        for (Path conn : multifd) {
            byte[] all = Files.readAllBytes(conn);
            ByteBuffer captured = ByteBuffer.wrap(all, Wire.INIT_PACKET_BYTES, 1344).slice();
            long packetNum = captured.getLong(24);
            ByteBuffer ours = ByteBuffer.allocate(1344);
            new RamHeader(4096).setSync(packetNum).encode(ours);
            assertThat(ours.array()).as(conn.toString()).isEqualTo(java.util.Arrays.copyOfRange(all, 64, 64 + 1344));
            InitPacket init = InitPacket.decode(ByteBuffer.wrap(all, 0, 64), conn.toString());
            assertThat(init.encode().array()).isEqualTo(java.util.Arrays.copyOfRange(all, 0, 64));
        }
    }

    /** Decoding then encoding every header of a captured none-method channel gives the same bytes. */
    @Test
    void everyCapturedHeaderRoundTrips() throws IOException, MultifdException {
        for (Path conn : multifdFiles()) {
            if (!conn.getParent().getFileName().toString().startsWith("none")) {
                continue;
            }
            ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(conn));
            in.position(Wire.INIT_PACKET_BYTES);
            RamHeader h = new RamHeader(4096);
            int packets = 0;
            while (in.hasRemaining()) {
                int start = in.position();
                ByteBuffer common = in.slice(start, 12);
                PacketFlags flags = io.multifd.core.wire.CommonHeader.decode(common);
                h.decode(flags, in.slice(start + 12, 1344 - 12));
                ByteBuffer again = ByteBuffer.allocate(1344);
                h.encode(again);
                assertThat(again.array()).isEqualTo(java.util.Arrays.copyOfRange(in.array(), start, start + 1344));
                assertThat(h.nextPacketSize()).isEqualTo((long) h.normalPages() * 4096);
                in.position(start + 1344 + (int) h.nextPacketSize());
                packets++;
            }
            assertThat(packets).isGreaterThan(2);
        }
    }

    @Test
    void rejectsCountsBeyondCapacity() {
        ByteBuffer b = ByteBuffer.allocate(1344);
        new RamHeader(4096).setData(PacketFlags.data(MethodFlag.ZLIB), "pc.ram", 1, 0, 10, 7).encode(b);
        b.putInt(12, 129);
        assertThatThrownBy(() -> new RamHeader(4096).decode(PacketFlags.data(MethodFlag.ZLIB), b.slice(12, 1332)))
                .isInstanceOf(MultifdException.class).hasMessageContaining("pages_alloc")
                .hasMessageContaining("129 pages, expected at most 128");
        b.putInt(12, 128).putInt(16, 100).putInt(32, 29);
        assertThatThrownBy(() -> new RamHeader(4096).decode(PacketFlags.data(MethodFlag.ZLIB), b.slice(12, 1332)))
                .isInstanceOf(MultifdException.class).hasMessageContaining("field zero_pages");
        b.putInt(16, -1);
        assertThatThrownBy(() -> new RamHeader(4096).decode(PacketFlags.data(MethodFlag.ZLIB), b.slice(12, 1332)))
                .isInstanceOf(MultifdException.class).hasMessageContaining("4294967295 normal pages");
    }

    @Test
    void rejectsUnterminatedBlockName() {
        ByteBuffer b = ByteBuffer.allocate(1344);
        new RamHeader(4096).setData(PacketFlags.data(MethodFlag.NONE), "pc.ram", 1, 0, 4096, 1).encode(b);
        for (int i = 64; i < 320; i++) {
            b.put(i, (byte) 'a');
        }
        assertThatThrownBy(() -> new RamHeader(4096).decode(PacketFlags.data(MethodFlag.NONE), b.slice(12, 1332)))
                .isInstanceOf(MultifdException.class).hasMessageContaining("field ramblock");
    }

    @Test
    void commonHeaderChecksMagicVersionAndFlags() {
        assertThatThrownBy(() -> CommonHeader.decode(ByteBuffer.allocate(12).putInt(0, 0x11223345).putInt(4, 1)))
                .hasMessageContaining("field magic").hasMessageContaining("0x11223345");
        assertThatThrownBy(() -> CommonHeader.decode(ByteBuffer.allocate(12).putInt(0, Wire.MAGIC).putInt(4, 2)))
                .hasMessageContaining("field version").hasMessageContaining("packet version 2, expected 1");
        assertThatThrownBy(() -> CommonHeader.decode(ByteBuffer.allocate(12).putInt(0, Wire.MAGIC).putInt(4, 1)
                .putInt(8, 0x80))).hasMessageContaining("field flags").hasMessageContaining("unknown bits 0x00000080");
        assertThatThrownBy(() -> CommonHeader.decode(ByteBuffer.allocate(12).putInt(0, Wire.MAGIC).putInt(4, 1)
                .putInt(8, 0x41))).hasMessageContaining("SYNC (0x01) and DEVICE_STATE (0x40)");
    }

    @Test
    void initPacketRejectsChannelIdEqualToChannelCount() throws MultifdException {
        InitPacket p = new InitPacket(InitPacket.NIL_UUID, 2);
        assertThatThrownBy(() -> p.validate(InitPacket.NIL_UUID, 2)).isInstanceOf(MultifdException.class)
                .hasMessageContaining("channel id 2 is out of range: the transfer has 2 channels (0..1)");
        UUID other = UUID.fromString("12345678-1234-1234-1234-123456789abc");
        assertThatThrownBy(() -> new InitPacket(InitPacket.NIL_UUID, 0).validate(other, 2))
                .hasMessageContaining("field uuid").hasMessageContaining(other.toString());
        new InitPacket(other, 1).validate(other, 2);
        ByteBuffer bad = new InitPacket(other, 1).encode();
        bad.put(0, (byte) 0x12);
        assertThatThrownBy(() -> InitPacket.decode(bad, "conn-x")).hasMessageContaining("field magic")
                .hasMessageContaining("conn-x");
    }

    static List<Path> multifdFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        try (var sets = Files.list(VECTORS)) {
            for (Path set : sets.filter(Files::isDirectory).sorted().toList()) {
                try (var files = Files.list(set)) {
                    for (Path f : files.filter(p -> p.getFileName().toString().matches("conn-\\d+\\.bin")).sorted()
                            .toList()) {
                        byte[] head = new byte[4];
                        try (var s = Files.newInputStream(f)) {
                            if (s.read(head) == 4 && ByteBuffer.wrap(head).getInt() == Wire.MAGIC) {
                                out.add(f);
                            }
                        }
                    }
                }
            }
        }
        return out;
    }
}
