package io.multifd.core.qemu;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds main migration streams byte by byte, the way QEMU 10.0 lays them out, for tests. */
final class MainStreams {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static MainStreams create() {
        return new MainStreams();
    }

    MainStreams u8(int v) {
        out.write(v);
        return this;
    }

    MainStreams be16(int v) {
        return u8(v >>> 8).u8(v);
    }

    MainStreams be32(int v) {
        return be16(v >>> 16).be16(v);
    }

    MainStreams be64(long v) {
        return be32((int) (v >>> 32)).be32((int) v);
    }

    MainStreams bytes(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    MainStreams str8(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return u8(b.length).bytes(b);
    }

    MainStreams header() {
        return be32(0x5145564D).be32(3);
    }

    MainStreams configuration(String machine) {
        byte[] b = machine.getBytes(StandardCharsets.UTF_8);
        return u8(0x07).be32(b.length).bytes(b);
    }

    MainStreams subsection(String name) {
        return u8(0x05).str8(name).be32(1);
    }

    MainStreams start(int id, String idstr, int version) {
        return u8(0x01).be32(id).str8(idstr).be32(0).be32(version);
    }

    MainStreams full(int id, String idstr, int version) {
        return u8(0x04).be32(id).str8(idstr).be32(0).be32(version);
    }

    MainStreams part(int id) {
        return u8(0x02).be32(id);
    }

    MainStreams end(int id) {
        return u8(0x03).be32(id);
    }

    MainStreams footer(int id) {
        return u8(0x7E).be32(id);
    }

    /** MEM_SIZE record: total, then name/size pairs. */
    MainStreams blocks(Object... nameSize) {
        long total = 0;
        for (int i = 1; i < nameSize.length; i += 2) {
            total += (Long) nameSize[i];
        }
        be64(total | 0x04);
        for (int i = 0; i < nameSize.length; i += 2) {
            str8((String) nameSize[i]).be64((Long) nameSize[i + 1]);
        }
        return this;
    }

    MainStreams flush() {
        return be64(0x200);
    }

    MainStreams eos() {
        return be64(0x10);
    }

    MainStreams zero(long offset, String block) {
        be64(offset | (block == null ? 0x22 : 0x02));
        if (block != null) {
            str8(block);
        }
        return u8(0);
    }

    MainStreams page(long offset, String block, byte[] data) {
        be64(offset | (block == null ? 0x28 : 0x08));
        if (block != null) {
            str8(block);
        }
        return bytes(data);
    }

    MainStreams command(int cmd, byte[] data) {
        return u8(0x08).be16(cmd).be16(data.length).bytes(data);
    }

    MainStreams eof() {
        return u8(0x00);
    }

    MainStreams vmdesc(String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return u8(0x06).be32(b.length).bytes(b);
    }

    byte[] toBytes() {
        return out.toByteArray();
    }
}
