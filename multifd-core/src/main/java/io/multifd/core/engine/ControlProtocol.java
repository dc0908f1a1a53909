package io.multifd.core.engine;

import io.multifd.api.MethodFlag;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.core.image.BlockSpec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Byte layout of our control protocol on the main channel (see the package documentation for the
 * grammar). Every length read from the wire is checked against a limit before anything is
 * allocated, and every message is read whole into a buffer of its checked length before it is
 * parsed, so garbage ends in a {@link MultifdException}, never in a large allocation.
 */
final class ControlProtocol {

    /** {@code "MFDJ"}: first bytes of the hello and of its reply. */
    static final int MAGIC = 0x4D46444A;
    /** The protocol version this build speaks. */
    static final int VERSION = 1;
    /** Bytes before a handshake body: magic, version, type, body length. */
    static final int PREAMBLE_BYTES = 12;

    static final int TYPE_HELLO = 1;
    static final int TYPE_ACCEPT = 2;
    static final int TYPE_REFUSE = 3;

    static final int FRAME_FLUSH = 0x10;
    static final int FRAME_END = 0x11;
    static final int FRAME_ABORT = 0x12;
    static final int FRAME_DONE = 0x13;
    /** Bytes of a frame header: type and body length. */
    static final int FRAME_HEADER_BYTES = 5;

    /** Largest hello or reply body. */
    static final int MAX_HANDSHAKE_BYTES = 1 << 20;
    /** Most RAMBlocks in a hello. */
    static final int MAX_BLOCKS = 4096;
    /** Most channels (the init packet's id is a u8). */
    static final int MAX_CHANNELS = 255;
    /** Most method offers. */
    static final int MAX_OFFERS = 64;
    /** Most parameters of one offer. */
    static final int MAX_PARAMETERS = 16;
    /** Longest parameter value or version string. */
    static final int MAX_VALUE_BYTES = 256;
    /** Longest text (refusal, abort reason, summary). */
    static final int MAX_TEXT_BYTES = 65536;
    /** Largest block size: 2^50 bytes (1 PiB). */
    static final long MAX_BLOCK_BYTES = 1L << 50;

    private ControlProtocol() {
    }

    // ---------------------------------------------------------------- writing

    static ByteBuffer encodeHello(Hello h) {
        Out o = new Out();
        o.u64(h.uuid().getMostSignificantBits()).u64(h.uuid().getLeastSignificantBits());
        o.u32(h.pageSize()).u16(h.channels());
        o.u32(h.blocks().size());
        for (BlockSpec b : h.blocks()) {
            o.text16(b.name()).u64(b.size());
        }
        o.u16(h.offers().size());
        for (MethodOffer m : h.offers()) {
            o.text8(m.name()).u8(m.flag().value()).u32(m.apiVersion()).text8(m.version());
            params(o, m.parameters());
        }
        return preamble(h.protocolVersion(), TYPE_HELLO, o);
    }

    static ByteBuffer encodeReply(HelloReply r) {
        Out o = new Out();
        int type;
        if (r instanceof HelloReply.Accept a) {
            type = TYPE_ACCEPT;
            o.text8(a.method());
            params(o, a.parameters());
            o.text8(a.version());
        } else {
            type = TYPE_REFUSE;
            o.text32(((HelloReply.Refuse) r).reason());
        }
        return preamble(VERSION, type, o);
    }

    private static void params(Out o, Map<String, String> p) {
        o.u8(p.size());
        for (Map.Entry<String, String> e : p.entrySet()) {
            o.text8(e.getKey()).text16(e.getValue());
        }
    }

    private static ByteBuffer preamble(int version, int type, Out body) {
        ByteBuffer b = ByteBuffer.allocate(PREAMBLE_BYTES + body.size());
        b.putInt(MAGIC).putShort((short) version).putShort((short) type).putInt(body.size());
        b.put(body.bytes(), 0, body.size());
        return b.flip();
    }

    static ByteBuffer frame(int type, ByteBuffer body) {
        ByteBuffer b = ByteBuffer.allocate(FRAME_HEADER_BYTES + body.remaining());
        b.put((byte) type).putInt(body.remaining()).put(body);
        return b.flip();
    }

    static ByteBuffer flushFrame(long number) {
        return frame(FRAME_FLUSH, ByteBuffer.allocate(8).putLong(0, number));
    }

    static ByteBuffer endFrame(EndSummary s) {
        ByteBuffer b = ByteBuffer.allocate(32);
        b.putLong(s.flushes()).putLong(s.dataPackets()).putLong(s.normalPages()).putLong(s.zeroPages());
        return frame(FRAME_END, b.flip());
    }

    static ByteBuffer textFrame(int type, String text) {
        byte[] t = truncate(text, MAX_TEXT_BYTES);
        return frame(type, ByteBuffer.wrap(t));
    }

    private static byte[] truncate(String s, int max) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= max) {
            return b;
        }
        return new String(b, 0, max - 3, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
    }

    static void writeAll(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    // ---------------------------------------------------------------- reading

    /** A handshake message: its preamble fields and its body. */
    record Message(int version, int type, ByteBuffer body) {
    }

    /**
     * Reads a handshake message whose 4 magic bytes were already read and checked.
     *
     * @param ch   the connection
     * @param what {@code "hello"} or {@code "reply"}, for messages
     * @return the message
     * @throws MultifdException for a short read, a failing connection or a body over the limit
     */
    static Message readMessageAfterMagic(ReadableByteChannel ch, String what) throws MultifdException {
        ByteBuffer p = readExactly(ch, PREAMBLE_BYTES - 4, what + " preamble");
        int version = Short.toUnsignedInt(p.getShort());
        int type = Short.toUnsignedInt(p.getShort());
        long length = Integer.toUnsignedLong(p.getInt());
        if (length > MAX_HANDSHAKE_BYTES) {
            throw field(what, what + " body of " + length + " bytes exceeds the limit of " + MAX_HANDSHAKE_BYTES
                    + " bytes");
        }
        return new Message(version, type, readExactly(ch, (int) length, what + " body"));
    }

    /**
     * Reads and checks the 4 magic bytes of a handshake message.
     *
     * @param ch   the connection
     * @param what for messages
     * @throws MultifdException when they are not {@code MFDJ}
     */
    static void readMagic(ReadableByteChannel ch, String what) throws MultifdException {
        int magic = readExactly(ch, 4, what + " magic").getInt();
        checkMagic(magic, what);
    }

    static void checkMagic(int magic, String what) throws MultifdException {
        if (magic != MAGIC) {
            throw field("magic", String.format("%s starts with 0x%08X, expected 0x%08X (\"MFDJ\"); the peer does not "
                    + "speak the multifd-java control protocol", what, magic, MAGIC));
        }
    }

    static ByteBuffer readExactly(ReadableByteChannel ch, int n, String what) throws MultifdException {
        ByteBuffer b = ByteBuffer.allocate(n);
        try {
            while (b.hasRemaining()) {
                if (ch.read(b) < 0) {
                    throw field(what, "main channel ended after " + b.position() + " of " + n + " bytes of the "
                            + what);
                }
            }
        } catch (IOException e) {
            throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, what,
                    "main channel failed while reading the " + what + ": " + e.getMessage(), e);
        }
        return b.flip();
    }

    static Hello decodeHello(Message m) throws MultifdException {
        In in = new In(m.body(), "hello");
        UUID uuid = new UUID(in.u64("uuid"), in.u64("uuid"));
        long pageSize = in.u32("page size");
        int channels = in.u16("channels");
        long blockCount = in.u32("block count");
        if (blockCount > MAX_BLOCKS) {
            throw field("block count", "hello announces " + blockCount + " RAMBlocks, the limit is " + MAX_BLOCKS);
        }
        List<BlockSpec> blocks = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < blockCount; i++) {
            String name = in.text16("RAMBlock " + i + " name", 255);
            if (name.isEmpty() || name.indexOf('\0') >= 0) {
                throw field("RAMBlock " + i + " name", "RAMBlock name must be 1..255 bytes without NUL");
            }
            long size = in.u64("RAMBlock " + name + " size");
            if (size <= 0 || size > MAX_BLOCK_BYTES) {
                throw field("RAMBlock " + name + " size", "size " + Long.toUnsignedString(size)
                        + " is outside 1.." + MAX_BLOCK_BYTES);
            }
            if (!names.add(name)) {
                throw field("RAMBlock " + name, "RAMBlock " + name + " is announced twice");
            }
            blocks.add(new BlockSpec(name, size));
        }
        int offerCount = in.u16("offer count");
        if (offerCount > MAX_OFFERS) {
            throw field("offer count", "hello offers " + offerCount + " methods, the limit is " + MAX_OFFERS);
        }
        List<MethodOffer> offers = new ArrayList<>();
        for (int i = 0; i < offerCount; i++) {
            String name = in.text8("offer " + i + " name");
            checkMethodName(name, "offer " + i + " name");
            int flag = in.u8("offer " + name + " flag");
            if ((flag & ~MethodFlag.FIELD_MASK) != 0) {
                throw field("offer " + name + " flag", String.format(
                        "flag 0x%02X has bits outside the compression field 0x3E", flag));
            }
            int api = (int) in.u32("offer " + name + " api version");
            String version = in.text8("offer " + name + " version");
            offers.add(new MethodOffer(name, MethodFlag.of(flag), api, version,
                    readParams(in, "offer " + name)));
        }
        in.end();
        // page size and channels are range-checked by the negotiation, which answers with a refusal
        return new Hello(m.version(), uuid, (int) Math.min(pageSize, Integer.MAX_VALUE), channels, blocks, offers);
    }

    static HelloReply decodeReply(Message m) throws MultifdException {
        In in = new In(m.body(), "reply");
        HelloReply r;
        if (m.type() == TYPE_ACCEPT) {
            String name = in.text8("method");
            checkMethodName(name, "method");
            Map<String, String> params = readParams(in, "method " + name);
            r = new HelloReply.Accept(name, params, in.text8("version"));
        } else if (m.type() == TYPE_REFUSE) {
            r = new HelloReply.Refuse(in.text32("reason", MAX_TEXT_BYTES));
        } else {
            throw field("type", "reply type " + m.type() + " is neither accept (" + TYPE_ACCEPT + ") nor refuse ("
                    + TYPE_REFUSE + ")");
        }
        in.end();
        return r;
    }

    private static Map<String, String> readParams(In in, String what) throws MultifdException {
        int n = in.u8(what + " parameter count");
        if (n > MAX_PARAMETERS) {
            throw field(what + " parameter count", n + " parameters, the limit is " + MAX_PARAMETERS);
        }
        Map<String, String> p = new LinkedHashMap<>();
        for (int j = 0; j < n; j++) {
            String key = in.text8(what + " parameter " + j + " name");
            if (!key.matches("[a-z][a-z0-9-]{0,31}")) {
                throw field(what + " parameter " + j + " name", "parameter name '" + key
                        + "' must match [a-z][a-z0-9-]{0,31}");
            }
            String value = in.text16(what + " parameter " + key, MAX_VALUE_BYTES);
            if (p.put(key, value) != null) {
                throw field(what + " parameter " + key, "parameter " + key + " appears twice");
            }
        }
        return p;
    }

    private static void checkMethodName(String name, String field) throws MultifdException {
        if (!name.matches("[a-z][a-z0-9-]{0,31}")) {
            throw field(field, "method name '" + name + "' must match [a-z][a-z0-9-]{0,31}");
        }
    }

    /** A post-handshake frame. */
    record Frame(int type, ByteBuffer body) {
    }

    /**
     * Reads one frame; returns null at a clean EOF before its first byte.
     *
     * @param ch the connection
     * @return the frame, or null
     * @throws MultifdException for an unknown type, a length over its type's limit, a truncated
     *                          frame or a failing connection
     */
    static Frame readFrame(ReadableByteChannel ch) throws MultifdException {
        ByteBuffer h = ByteBuffer.allocate(FRAME_HEADER_BYTES);
        try {
            while (h.hasRemaining()) {
                if (ch.read(h) < 0) {
                    if (h.position() == 0) {
                        return null;
                    }
                    throw field("frame", "main channel ended inside a frame header");
                }
            }
        } catch (IOException e) {
            throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, "main channel",
                    "main channel failed: " + e.getMessage(), e);
        }
        h.flip();
        int type = Byte.toUnsignedInt(h.get());
        long length = Integer.toUnsignedLong(h.getInt());
        long max;
        switch (type) {
            case FRAME_FLUSH -> max = 8;
            case FRAME_END -> max = 32;
            case FRAME_ABORT, FRAME_DONE -> max = MAX_TEXT_BYTES;
            default -> throw field("frame type", String.format("unknown main-channel frame type 0x%02X", type));
        }
        if ((type == FRAME_FLUSH || type == FRAME_END) ? length != max : length > max) {
            throw field("frame length", String.format("frame type 0x%02X has length %d, expected %s%d", type, length,
                    type == FRAME_FLUSH || type == FRAME_END ? "" : "at most ", max));
        }
        return new Frame(type, readExactly(ch, (int) length, "frame body"));
    }

    static String text(ByteBuffer body) {
        return StandardCharsets.UTF_8.decode(body).toString();
    }

    static MultifdException field(String field, String detail) {
        return new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, field, detail, null);
    }

    /** Checks a page size as the negotiation does; null when valid. */
    static String pageSizeProblem(int pageSize) {
        try {
            MultifdApi.checkPageSize(pageSize);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    // ---------------------------------------------------------------- helpers

    /** A growable big-endian writer. */
    private static final class Out {
        private ByteBuffer b = ByteBuffer.allocate(256);

        private void room(int n) {
            if (b.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + n));
                bigger.put(b.flip());
                b = bigger;
            }
        }

        Out u8(int v) {
            room(1);
            b.put((byte) v);
            return this;
        }

        Out u16(int v) {
            room(2);
            b.putShort((short) v);
            return this;
        }

        Out u32(long v) {
            room(4);
            b.putInt((int) v);
            return this;
        }

        Out u64(long v) {
            room(8);
            b.putLong(v);
            return this;
        }

        Out text8(String s) {
            byte[] t = truncate(s, 255);
            u8(t.length);
            room(t.length);
            b.put(t);
            return this;
        }

        Out text16(String s) {
            byte[] t = truncate(s, 65535);
            u16(t.length);
            room(t.length);
            b.put(t);
            return this;
        }

        Out text32(String s) {
            byte[] t = truncate(s, MAX_TEXT_BYTES);
            u32(t.length);
            room(t.length);
            b.put(t);
            return this;
        }

        int size() {
            return b.position();
        }

        byte[] bytes() {
            return b.array();
        }
    }

    /** A bounds-checked big-endian reader over one message body. */
    private static final class In {
        private final ByteBuffer b;
        private final String what;

        In(ByteBuffer b, String what) {
            this.b = b;
            this.what = what;
        }

        private void need(int n, String field) throws MultifdException {
            if (b.remaining() < n) {
                throw field(field, what + " ends inside field " + field + ": " + n + " bytes needed, "
                        + b.remaining() + " left");
            }
        }

        int u8(String field) throws MultifdException {
            need(1, field);
            return Byte.toUnsignedInt(b.get());
        }

        int u16(String field) throws MultifdException {
            need(2, field);
            return Short.toUnsignedInt(b.getShort());
        }

        long u32(String field) throws MultifdException {
            need(4, field);
            return Integer.toUnsignedLong(b.getInt());
        }

        long u64(String field) throws MultifdException {
            need(8, field);
            return b.getLong();
        }

        String text8(String field) throws MultifdException {
            return bytes(u8(field), field);
        }

        String text16(String field, int max) throws MultifdException {
            int n = u16(field);
            if (n > max) {
                throw field(field, field + " has " + n + " bytes, the limit is " + max);
            }
            return bytes(n, field);
        }

        String text32(String field, int max) throws MultifdException {
            long n = u32(field);
            if (n > max) {
                throw field(field, field + " has " + n + " bytes, the limit is " + max);
            }
            return bytes((int) n, field);
        }

        private String bytes(int n, String field) throws MultifdException {
            need(n, field);
            byte[] t = new byte[n];
            b.get(t);
            return new String(t, StandardCharsets.UTF_8);
        }

        void end() throws MultifdException {
            if (b.hasRemaining()) {
                throw field(what, what + " has " + b.remaining() + " unexpected bytes at its end");
            }
        }
    }
}
