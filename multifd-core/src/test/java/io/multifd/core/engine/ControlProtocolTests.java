package io.multifd.core.engine;

import io.multifd.api.MethodFlag;
import io.multifd.api.MultifdException;
import io.multifd.core.image.BlockSpec;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ControlProtocolTests {

    private static final UUID UUID_1 = UUID.fromString("01234567-89ab-cdef-0123-456789abcdef");

    private static ReadableByteChannel in(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return Channels.newChannel(new ByteArrayInputStream(a));
    }

    private static Hello decode(ByteBuffer wire) throws MultifdException {
        ReadableByteChannel ch = in(wire);
        ControlProtocol.readMagic(ch, "hello");
        return ControlProtocol.decodeHello(ControlProtocol.readMessageAfterMagic(ch, "hello"));
    }

    @Test
    void aHelloSurvivesTheRoundTripByteForByte() throws MultifdException {
        Hello h = new Hello(1, UUID_1, 4096, 8, List.of(new BlockSpec("pc.ram", 1L << 34),
                new BlockSpec("/rom@etc/acpi/tables", 128 << 10)),
                List.of(new MethodOffer("zstd", MethodFlag.ZSTD, 1, "0.1.0", Map.of("level", "3")),
                        new MethodOffer("none", MethodFlag.NONE, 1, "0.1.0", Map.of())));
        ByteBuffer wire = ControlProtocol.encodeHello(h);
        assertThat(wire.getInt(0)).isEqualTo(0x4D46444A);
        assertThat(wire.getShort(4)).isEqualTo((short) 1);
        assertThat(wire.getShort(6)).isEqualTo((short) ControlProtocol.TYPE_HELLO);
        assertThat(wire.getInt(8)).isEqualTo(wire.remaining() - 12);
        assertThat(wire.getLong(12)).isEqualTo(0x0123456789abcdefL);
        assertThat(decode(wire)).isEqualTo(h);
    }

    @Test
    void repliesSurviveTheRoundTrip() throws MultifdException {
        for (HelloReply r : List.of(new HelloReply.Accept("zstd", Map.of("level", "3"), "0.1.0"),
                new HelloReply.Refuse("no"))) {
            ReadableByteChannel ch = in(ControlProtocol.encodeReply(r));
            ControlProtocol.readMagic(ch, "reply");
            assertThat(ControlProtocol.decodeReply(ControlProtocol.readMessageAfterMagic(ch, "reply"))).isEqualTo(r);
        }
    }

    /** A hello preamble and a body written by hand, to break one field at a time. */
    private static ByteBuffer raw(int channels, int blockCount, byte[] name, int offerCount) {
        ByteBuffer body = ByteBuffer.allocate(64 + name.length);
        body.putLong(1).putLong(2).putInt(4096).putShort((short) channels).putInt(blockCount);
        body.putShort((short) name.length).put(name).putLong(4096);
        body.putShort((short) offerCount);
        body.flip();
        ByteBuffer b = ByteBuffer.allocate(12 + body.remaining());
        b.putInt(ControlProtocol.MAGIC).putShort((short) 1).putShort((short) 1).putInt(body.remaining()).put(body);
        return b.flip();
    }

    @Test
    void everyCountAndLengthIsBoundedBeforeUse() {
        byte[] pc = "pc.ram".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> decode(raw(2, 5000, pc, 0)))
                .hasMessageContaining("hello announces 5000 RAMBlocks, the limit is 4096");
        assertThatThrownBy(() -> decode(raw(2, 1, new byte[300], 0)))
                .hasMessageContaining("RAMBlock 0 name has 300 bytes, the limit is 255");
        assertThatThrownBy(() -> decode(raw(2, 1, pc, 65)))
                .hasMessageContaining("hello offers 65 methods, the limit is 64");
        ByteBuffer cut = raw(2, 1, pc, 0);
        cut.putInt(8, cut.getInt(8) - 9).limit(cut.limit() - 9);
        assertThatThrownBy(() -> decode(cut))
                .hasMessageContaining("hello ends inside field RAMBlock pc.ram size: 8 bytes needed, 1 left");
        assertThatThrownBy(() -> decode(raw(2, 1, new byte[0], 0)))
                .hasMessageContaining("RAMBlock name must be 1..255 bytes without NUL");
        ByteBuffer huge = ByteBuffer.allocate(12).putInt(ControlProtocol.MAGIC).putShort((short) 1)
                .putShort((short) 1).putInt(-1);
        assertThatThrownBy(() -> decode(huge.flip()))
                .hasMessageContaining("hello body of 4294967295 bytes exceeds the limit of 1048576 bytes");
        ByteBuffer qemu = ByteBuffer.allocate(12).putInt(0x5145564D).putInt(3).putInt(0);
        assertThatThrownBy(() -> decode(qemu.flip()))
                .hasMessageContaining("hello starts with 0x5145564D, expected 0x4D46444A");
    }

    @Test
    void badOffersAndTrailingBytesAreRejected() {
        Hello ok = new Hello(1, UUID_1, 4096, 2, List.of(new BlockSpec("pc.ram", 4096)),
                List.of(new MethodOffer("zstd", MethodFlag.ZSTD, 1, "1", Map.of("level", "3"))));
        ByteBuffer wire = ControlProtocol.encodeHello(ok);
        ByteBuffer longer = ByteBuffer.allocate(wire.remaining() + 3).put(wire.duplicate()).put(new byte[3]).flip();
        longer.putInt(8, longer.getInt(8) + 3);
        assertThatThrownBy(() -> decode(longer)).hasMessageContaining("hello has 3 unexpected bytes at its end");

        Hello badName = new Hello(1, UUID_1, 4096, 2, List.of(new BlockSpec("pc.ram", 4096)),
                List.of(new MethodOffer("Zstd!", MethodFlag.ZSTD, 1, "1", Map.of())));
        assertThatThrownBy(() -> decode(ControlProtocol.encodeHello(badName)))
                .hasMessageContaining("method name 'Zstd!' must match");

        Hello twice = new Hello(1, UUID_1, 4096, 2, List.of(new BlockSpec("a", 4096), new BlockSpec("a", 4096)),
                List.of());
        assertThatThrownBy(() -> decode(ControlProtocol.encodeHello(twice)))
                .hasMessageContaining("RAMBlock a is announced twice");
    }

    @Test
    void framesAreBoundedByType() throws MultifdException {
        ControlProtocol.Frame f = ControlProtocol.readFrame(in(ControlProtocol.flushFrame(7)));
        assertThat(f.type()).isEqualTo(ControlProtocol.FRAME_FLUSH);
        assertThat(f.body().getLong()).isEqualTo(7);
        assertThat(ControlProtocol.readFrame(in(ByteBuffer.allocate(0)))).isNull();

        ByteBuffer unknown = ByteBuffer.allocate(5).put((byte) 0x77).putInt(0).flip();
        assertThatThrownBy(() -> ControlProtocol.readFrame(in(unknown)))
                .hasMessageContaining("unknown main-channel frame type 0x77");
        ByteBuffer flush9 = ByteBuffer.allocate(5).put((byte) 0x10).putInt(9).flip();
        assertThatThrownBy(() -> ControlProtocol.readFrame(in(flush9)))
                .hasMessageContaining("frame type 0x10 has length 9, expected 8");
        ByteBuffer bigAbort = ByteBuffer.allocate(5).put((byte) 0x12).putInt(Integer.MAX_VALUE).flip();
        assertThatThrownBy(() -> ControlProtocol.readFrame(in(bigAbort)))
                .hasMessageContaining("frame type 0x12 has length 2147483647, expected at most 65536");
        ByteBuffer cut = ByteBuffer.allocate(7).put((byte) 0x10).putInt(8).putShort((short) 1).flip();
        assertThatThrownBy(() -> ControlProtocol.readFrame(in(cut)))
                .hasMessageContaining("main channel ended after 2 of 8 bytes of the frame body");
    }
}
