package io.multifd.cli.mutation;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic structure-aware mutations of a {@link Stream}: the same stream, operator and seed
 * always give the same bytes, so every case can be replayed from its seed.
 */
final class Mutator {

    /** The operators. */
    enum Op {
        BIT_FLIPS, BYTE_RUN, TRUNCATE_AT_FIELD, TRUNCATE_ANYWHERE, DUPLICATE_PACKET, DROP_PACKET,
        SWAP_ADJACENT_PACKETS, SWAP_CHANNEL_BODIES, SWAP_INIT_IDS, MOVE_PACKET, HUGE_COUNT, HUGE_SIZE,
        OFFSET_PAST_END, UNKNOWN_BLOCK, WRONG_FLAGS, SYNC_WITH_PAGES, DEVICE_STATE_PACKET, PACKET_NUM,
        INIT_FIELD, MAIN_CHANNEL, CONNECTIONS, RAM_SIZES
    }

    /**
     * A mutated migration.
     *
     * @param description what was done, for the report
     * @param names       connection names
     * @param bytes       connection bytes
     * @param diffAllowed whether a successful decode to another image is acceptable (only bytes
     *                    that no decoder can check were changed: payload, listed offsets that
     *                    stay valid, a dropped or moved data packet, packet numbers)
     */
    record Mutant(String description, List<String> names, List<byte[]> bytes, boolean diffAllowed) {
    }

    private final Stream s;
    private final SplittableRandom rnd;
    private final List<byte[]> conns = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private boolean diffAllowed;
    private final StringBuilder what = new StringBuilder();

    private Mutator(Stream s, long seed) {
        this.s = s;
        this.rnd = new SplittableRandom(seed);
        for (Stream.Conn c : s.connections()) {
            conns.add(c.bytes().clone());
            names.add(c.name());
        }
    }

    /**
     * Mutates a stream.
     *
     * @param s    the stream
     * @param op   the operator
     * @param seed the seed
     * @return the mutant
     */
    static Mutant mutate(Stream s, Op op, long seed) {
        Mutator m = new Mutator(s, seed);
        m.what.append(op).append(' ');
        m.apply(op);
        return new Mutant(m.what.toString().trim(), List.copyOf(m.names), List.copyOf(m.conns), m.diffAllowed);
    }

    // ---- helpers

    private int multifdIndex() {
        return 1 + rnd.nextInt(s.connections().size() - 1);
    }

    private Stream.Packet anyPacket(int conn) {
        List<Stream.Packet> ps = s.connections().get(conn).packets();
        return ps.get(rnd.nextInt(ps.size()));
    }

    private Stream.Packet dataPacket(int conn) {
        List<Stream.Packet> ps = s.connections().get(conn).packets().stream().filter(p -> p.listed() > 0).toList();
        if (ps.isEmpty()) {
            return anyPacket(conn);
        }
        return ps.get(rnd.nextInt(ps.size()));
    }

    private void put32(int conn, int at, int v) {
        ByteBuffer.wrap(conns.get(conn)).putInt(at, v);
        what.append(String.format("conn %s @%d := 0x%08X; ", names.get(conn), at, v));
    }

    private void put64(int conn, int at, long v) {
        ByteBuffer.wrap(conns.get(conn)).putLong(at, v);
        what.append(String.format("conn %s @%d := 0x%016X; ", names.get(conn), at, v));
    }

    private int get32(int conn, int at) {
        return ByteBuffer.wrap(s.connections().get(conn).bytes()).getInt(at);
    }

    private long get64(int conn, int at) {
        return ByteBuffer.wrap(s.connections().get(conn).bytes()).getLong(at);
    }

    private static byte[] splice(byte[] a, int from, int to, byte[] insert) {
        byte[] out = new byte[a.length - (to - from) + insert.length];
        System.arraycopy(a, 0, out, 0, from);
        System.arraycopy(insert, 0, out, from, insert.length);
        System.arraycopy(a, to, out, from + insert.length, a.length - to);
        return out;
    }

    /** Whether every byte in [at, at+len) of a connection is payload of a packet (uncheckable). */
    private boolean onlyPayload(int conn, int at, int len) {
        if (conn == 0) {
            return false;
        }
        for (Stream.Packet p : s.connections().get(conn).packets()) {
            if (at >= p.payloadStart() && at + len <= p.end()) {
                return true;
            }
        }
        return false;
    }

    private int capacity() {
        return 512 * 1024 / s.pageSize();
    }

    // ---- operators

    private void apply(Op op) {
        switch (op) {
            case BIT_FLIPS -> bitFlips();
            case BYTE_RUN -> byteRun();
            case TRUNCATE_AT_FIELD -> truncateAtField();
            case TRUNCATE_ANYWHERE -> {
                int c = rnd.nextInt(conns.size());
                int at = rnd.nextInt(conns.get(c).length);
                conns.set(c, Arrays.copyOf(conns.get(c), at));
                what.append("conn ").append(names.get(c)).append(" cut at ").append(at);
            }
            case DUPLICATE_PACKET -> {
                int c = multifdIndex();
                Stream.Packet p = anyPacket(c);
                byte[] a = conns.get(c);
                conns.set(c, splice(a, p.end(), p.end(), Arrays.copyOfRange(a, p.start(), p.end())));
                what.append("conn ").append(names.get(c)).append(" packet @").append(p.start()).append(" twice");
            }
            case DROP_PACKET -> {
                int c = multifdIndex();
                Stream.Packet p = anyPacket(c);
                conns.set(c, splice(conns.get(c), p.start(), p.end(), new byte[0]));
                what.append("conn ").append(names.get(c)).append(" packet @").append(p.start()).append(" dropped");
                diffAllowed = !p.sync();
            }
            case SWAP_ADJACENT_PACKETS -> {
                int c = multifdIndex();
                List<Stream.Packet> ps = s.connections().get(c).packets();
                int i = rnd.nextInt(ps.size() - 1);
                Stream.Packet p = ps.get(i);
                Stream.Packet q = ps.get(i + 1);
                byte[] a = conns.get(c);
                byte[] both = new byte[q.end() - p.start()];
                int ql = q.end() - q.start();
                System.arraycopy(a, q.start(), both, 0, ql);
                System.arraycopy(a, p.start(), both, ql, p.end() - p.start());
                System.arraycopy(both, 0, a, p.start(), both.length);
                what.append("conn ").append(names.get(c)).append(" packets ").append(i).append(" and ").append(i + 1)
                        .append(" swapped");
            }
            case SWAP_CHANNEL_BODIES -> {
                if (conns.size() < 3) {
                    apply(Op.DROP_PACKET);
                    return;
                }
                byte[] a = conns.get(1);
                byte[] b = conns.get(2);
                byte[] na = splice(b, 0, 64, Arrays.copyOf(a, 64));
                byte[] nb = splice(a, 0, 64, Arrays.copyOf(b, 64));
                conns.set(1, na);
                conns.set(2, nb);
                what.append("bodies of ").append(names.get(1)).append(" and ").append(names.get(2)).append(" swapped");
            }
            case SWAP_INIT_IDS -> {
                if (conns.size() < 3) {
                    put32(1, 24, 1);
                    return;
                }
                int a = get32(1, 24);
                int b = get32(2, 24);
                put32(1, 24, b);
                put32(2, 24, a);
            }
            case MOVE_PACKET -> {
                if (conns.size() < 3) {
                    apply(Op.DROP_PACKET);
                    return;
                }
                int from = multifdIndex();
                int to = from == 1 ? 2 : 1;
                Stream.Packet p = dataPacket(from);
                byte[] moved = Arrays.copyOfRange(conns.get(from), p.start(), p.end());
                long num = ByteBuffer.wrap(moved).getLong(Stream.PACKET_NUM);
                int insertAt = conns.get(to).length;
                for (Stream.Packet q : s.connections().get(to).packets()) {
                    if (Long.compareUnsigned(get64(to, q.start() + Stream.PACKET_NUM), num) > 0) {
                        insertAt = q.start();
                        break;
                    }
                }
                conns.set(from, splice(conns.get(from), p.start(), p.end(), new byte[0]));
                conns.set(to, splice(conns.get(to), insertAt, insertAt, moved));
                what.append("packet ").append(num).append(" moved from ").append(names.get(from)).append(" to ")
                        .append(names.get(to));
                diffAllowed = true;
            }
            case HUGE_COUNT -> {
                int c = multifdIndex();
                Stream.Packet p = dataPacket(c);
                int field = new int[]{Stream.PAGES_ALLOC, Stream.NORMAL_PAGES, Stream.ZERO_PAGES}[rnd.nextInt(3)];
                int[] values = {capacity() + 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, capacity() * 2,
                    get32(c, p.start() + field) + 1, get32(c, p.start() + field) - 1, 0, rnd.nextInt()};
                int v = values[rnd.nextInt(values.length)];
                put32(c, p.start() + field, v);
                // a smaller or larger count that stays within pages_alloc reads the unused offset
                // slots or leaves pages out: wrong pages no decoder can tell from right ones
                diffAllowed = true;
            }
            case HUGE_SIZE -> {
                int c = multifdIndex();
                Stream.Packet p = dataPacket(c);
                int[] values = {-1, Integer.MAX_VALUE, Integer.MIN_VALUE, 512 * 1024 + 1, 1 << 30,
                    p.payload() + 1, p.payload() - 1, 0, capacity() * s.pageSize() * 2, rnd.nextInt()};
                int v = values[rnd.nextInt(values.length)];
                if (v == p.payload()) {
                    v++;
                }
                put32(c, p.start() + Stream.NEXT_PACKET_SIZE, v);
            }
            case OFFSET_PAST_END -> {
                int c = multifdIndex();
                Stream.Packet p = dataPacket(c);
                if (p.listed() == 0) {
                    apply(Op.HUGE_SIZE);
                    return;
                }
                int i = rnd.nextInt(p.listed());
                String block = blockName(c, p);
                long size = s.blockSizes().getOrDefault(block, 1L << 20);
                long old = get64(c, p.start() + Stream.OFFSETS + 8 * i);
                long[] values = {size, size + s.pageSize(), Long.MIN_VALUE, -s.pageSize(), -1L, old + 1,
                    old + s.pageSize() / 2, Long.MAX_VALUE & -s.pageSize(), 1L << 40};
                put64(c, p.start() + Stream.OFFSETS + 8 * i, values[rnd.nextInt(values.length)]);
            }
            case UNKNOWN_BLOCK -> {
                int c = multifdIndex();
                Stream.Packet p = dataPacket(c);
                byte[] name = new byte[256];
                switch (rnd.nextInt(4)) {
                    case 0 -> {
                        byte[] n = "no-such-block".getBytes(StandardCharsets.US_ASCII);
                        System.arraycopy(n, 0, name, 0, n.length);
                    }
                    case 1 -> Arrays.fill(name, (byte) 'A');
                    case 2 -> {
                        // empty name
                    }
                    default -> {
                        for (int k = 0; k < 255; k++) {
                            name[k] = (byte) (1 + rnd.nextInt(255));
                        }
                    }
                }
                System.arraycopy(name, 0, conns.get(c), p.start() + Stream.RAMBLOCK, 256);
                what.append("conn ").append(names.get(c)).append(" packet @").append(p.start())
                        .append(" ramblock := ").append(new String(name, StandardCharsets.ISO_8859_1).trim()
                                .replaceAll("[^ -~]", "?"));
            }
            case WRONG_FLAGS -> {
                int c = multifdIndex();
                Stream.Packet p = rnd.nextBoolean() ? dataPacket(c) : anyPacket(c);
                int old = get32(c, p.start() + Stream.FLAGS);
                int[] values = {old ^ 0x02, old ^ 0x04, old ^ 0x08, old ^ 0x10, old ^ 0x20, old ^ 0x3E, old ^ 0x80,
                    old ^ 0x100, old | 0x40, old ^ 0x01, -1, rnd.nextInt()};
                put32(c, p.start() + Stream.FLAGS, values[rnd.nextInt(values.length)]);
            }
            case SYNC_WITH_PAGES -> {
                int c = multifdIndex();
                Stream.Packet p = dataPacket(c);
                put32(c, p.start() + Stream.FLAGS, get32(c, p.start() + Stream.FLAGS) | 1);
            }
            case DEVICE_STATE_PACKET -> {
                int c = multifdIndex();
                List<Stream.Packet> ps = s.connections().get(c).packets();
                int at = rnd.nextBoolean() ? 64 : ps.get(rnd.nextInt(ps.size())).start();
                int len = rnd.nextInt(300);
                ByteBuffer d = ByteBuffer.allocate(276 + len);
                d.putInt(0x11223344).putInt(1).putInt(0x40);
                d.putInt(0); // reserved
                d.put("0000:00:02.0/vfio".getBytes(StandardCharsets.US_ASCII));
                d.position(16 + 256);
                d.putInt(new int[]{len, -1, Integer.MAX_VALUE, 1 << 30}[rnd.nextInt(4)]);
                conns.set(c, splice(conns.get(c), at, at, d.array()));
                what.append("conn ").append(names.get(c)).append(" device-state packet inserted @").append(at);
            }
            case PACKET_NUM -> {
                int c = multifdIndex();
                Stream.Packet p = anyPacket(c);
                int other = multifdIndex();
                long[] values = {0, -1L, Long.MIN_VALUE, get64(c, p.start() + Stream.PACKET_NUM) - 1,
                    get64(other, anyPacket(other).start() + Stream.PACKET_NUM), rnd.nextLong()};
                put64(c, p.start() + Stream.PACKET_NUM, values[rnd.nextInt(values.length)]);
                diffAllowed = true;
            }
            case INIT_FIELD -> {
                int c = multifdIndex();
                int[] fields = {0, 4, 8, 24, 28, 32, 40, 48, 56};
                int f = fields[rnd.nextInt(fields.length)];
                int old = get32(c, f);
                int[] values = {old ^ 1, old ^ 0x80000000, -1, 0, 2, 255, 256, rnd.nextInt()};
                put32(c, f, values[rnd.nextInt(values.length)]);
            }
            case MAIN_CHANNEL -> mainChannel();
            case CONNECTIONS -> connections();
            case RAM_SIZES -> ramSizes();
            default -> throw new IllegalStateException("" + op);
        }
    }

    private String blockName(int c, Stream.Packet p) {
        byte[] a = s.connections().get(c).bytes();
        int n = 0;
        while (n < 256 && a[p.start() + Stream.RAMBLOCK + n] != 0) {
            n++;
        }
        return new String(a, p.start() + Stream.RAMBLOCK, n, StandardCharsets.UTF_8);
    }

    private void bitFlips() {
        int c = rnd.nextInt(8) == 0 ? 0 : multifdIndex();
        int flips = 1 + rnd.nextInt(8);
        boolean allowed = true;
        boolean content = false;
        for (int k = 0; k < flips; k++) {
            int at = pickPosition(c);
            int bit = rnd.nextInt(8);
            conns.get(c)[at] ^= (byte) (1 << bit);
            what.append(names.get(c)).append('@').append(at).append('^').append(1 << bit).append(where(c, at))
                    .append(' ');
            boolean u = uncheckable(c, at, 1);
            content |= u;
            allowed &= u || ignored(c, at);
        }
        // bytes QEMU ignores (reserved, unused offset slots) cannot change the image by themselves
        diffAllowed = allowed && content;
    }

    private void byteRun() {
        int c = rnd.nextInt(8) == 0 ? 0 : multifdIndex();
        int at = pickPosition(c);
        int len = Math.min(1 + rnd.nextInt(64), conns.get(c).length - at);
        int kind = rnd.nextInt(3);
        for (int k = 0; k < len; k++) {
            conns.get(c)[at + k] = kind == 0 ? 0 : kind == 1 ? (byte) 0xFF : (byte) rnd.nextInt(256);
        }
        what.append(names.get(c)).append('@').append(at).append(" run of ").append(len)
                .append(kind == 0 ? " 0x00" : kind == 1 ? " 0xFF" : " random");
        diffAllowed = uncheckable(c, at, len);
    }

    /** The field at a position, for the description. */
    private String where(int c, int at) {
        if (c == 0) {
            return "(main)";
        }
        if (at < 64) {
            return "(init+" + at + ")";
        }
        for (Stream.Packet p : s.connections().get(c).packets()) {
            if (at >= p.start() && at < p.end()) {
                int rel = at - p.start();
                if (rel >= p.headerBytes()) {
                    return "(payload)";
                }
                String f = "header";
                for (int k = Stream.FIELD_STARTS.length - 1; k >= 0; k--) {
                    if (rel >= Stream.FIELD_STARTS[k]) {
                        f = new String[]{"magic", "version", "flags", "pages_alloc", "normal_pages",
                            "next_packet_size", "packet_num", "zero_pages", "reserved", "ramblock", "offsets"}[k];
                        break;
                    }
                }
                if (f.equals("offsets")) {
                    int i = (rel - Stream.OFFSETS) / 8;
                    f += "[" + i + (i < p.listed() ? "]" : "] unused");
                }
                return "(pkt@" + p.start() + " " + f + ")";
            }
        }
        return "(?)";
    }

    /** Payload, or listed offsets or packet numbers (which may still be valid after the change). */
    private boolean uncheckable(int c, int at, int len) {
        if (onlyPayload(c, at, len)) {
            return true;
        }
        if (c == 0) {
            return false;
        }
        for (Stream.Packet p : s.connections().get(c).packets()) {
            int offsetsEnd = p.start() + Stream.OFFSETS + 8 * p.listed();
            if (at >= p.start() + Stream.OFFSETS && at + len <= offsetsEnd) {
                return true;
            }
            if (at >= p.start() + Stream.PACKET_NUM && at + len <= p.start() + Stream.PACKET_NUM + 8) {
                return true;
            }
        }
        return false;
    }

    /** Bytes no receiver reads: the reserved words, the unused offset slots, the name field after its NUL. */
    private boolean ignored(int c, int at) {
        if (c == 0) {
            return false;
        }
        for (Stream.Packet p : s.connections().get(c).packets()) {
            int rel = at - p.start();
            if (rel >= Stream.RESERVED && rel < Stream.RAMBLOCK) {
                return true;
            }
            if (rel >= Stream.OFFSETS + 8 * p.listed() && rel < p.headerBytes()) {
                return true;
            }
            if (rel > Stream.RAMBLOCK + blockName(c, p).length() && rel < Stream.OFFSETS) {
                return true; // after the name's NUL
            }
        }
        return false;
    }

    /** Mostly header bytes, where the checks are. */
    private int pickPosition(int c) {
        byte[] a = conns.get(c);
        if (c == 0 || rnd.nextInt(4) == 0) {
            return rnd.nextInt(a.length);
        }
        Stream.Packet p = anyPacket(c);
        if (rnd.nextInt(3) == 0 && p.payload() > 0) {
            return p.payloadStart() + rnd.nextInt(p.payload());
        }
        int span = rnd.nextBoolean() ? 64 : Stream.OFFSETS + 8 * Math.max(1, p.listed());
        return Math.min(a.length - 1, p.start() + rnd.nextInt(span));
    }

    private void truncateAtField() {
        int c = multifdIndex();
        List<Stream.Packet> ps = s.connections().get(c).packets();
        Stream.Packet p = ps.get(rnd.nextInt(ps.size()));
        int[] cuts = new int[Stream.FIELD_STARTS.length + 5];
        for (int i = 0; i < Stream.FIELD_STARTS.length; i++) {
            cuts[i] = Stream.FIELD_STARTS[i];
        }
        int n = Stream.FIELD_STARTS.length;
        cuts[n] = Stream.FIELD_STARTS[rnd.nextInt(n)] + 1;
        cuts[n + 1] = p.headerBytes() - 1;
        cuts[n + 2] = p.headerBytes();
        cuts[n + 3] = p.headerBytes() + p.payload() / 2;
        cuts[n + 4] = p.headerBytes() + Math.max(0, p.payload() - 1);
        int cut = rnd.nextInt(8) == 0 ? rnd.nextInt(64) : p.start() + cuts[rnd.nextInt(cuts.length)];
        if (cut == p.end() && p == ps.get(ps.size() - 1)) {
            cut = p.start();
        }
        conns.set(c, Arrays.copyOf(conns.get(c), cut));
        what.append("conn ").append(names.get(c)).append(" cut at ").append(cut).append(" (packet @")
                .append(p.start()).append(')');
    }

    /**
     * The RAM block list of the main channel: the first block's used length and the MEM_SIZE
     * total before it, changed together so the list stays consistent.
     */
    private void ramSizes() {
        byte[] a = conns.get(0);
        String first = s.blockSizes().keySet().iterator().next();
        long size = s.blockSizes().get(first);
        byte[] entry = new byte[1 + first.length()];
        entry[0] = (byte) first.length();
        System.arraycopy(first.getBytes(StandardCharsets.UTF_8), 0, entry, 1, first.length());
        int at = indexOf(a, entry);
        if (at < 8) {
            mainChannel();
            return;
        }
        long[] sizes = {1L << 40, 1L << 50, Long.MAX_VALUE & -s.pageSize(), size + s.pageSize(), size * 2,
            size - s.pageSize(), s.pageSize(), -s.pageSize(), 0};
        long v = sizes[rnd.nextInt(sizes.length)];
        ByteBuffer b = ByteBuffer.wrap(a);
        long total = b.getLong(at - 8);
        long flags = total & (s.pageSize() - 1);
        long newTotal = ((total & -s.pageSize()) - size + v) | flags;
        b.putLong(at - 8, newTotal);
        b.putLong(at + entry.length, v);
        what.append(String.format("RAMBlock %s used_length 0x%X -> 0x%X, MEM_SIZE total 0x%X -> 0x%X", first, size,
                v, total, newTotal));
    }

    private static int indexOf(byte[] a, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= a.length; i++) {
            for (int k = 0; k < pattern.length; k++) {
                if (a[i + k] != pattern[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private void mainChannel() {
        byte[] a = conns.get(0);
        switch (rnd.nextInt(4)) {
            case 0 -> {
                int at = rnd.nextInt(a.length);
                conns.set(0, Arrays.copyOf(a, at));
                what.append("main cut at ").append(at);
            }
            case 1 -> {
                // the start of the stream: header, configuration, the RAM section with the block list
                int at = rnd.nextInt(Math.min(a.length, 2048));
                a[at] ^= (byte) (1 << rnd.nextInt(8));
                what.append("main flip @").append(at);
            }
            case 2 -> {
                int at = rnd.nextInt(Math.min(a.length, 2048));
                int len = Math.min(a.length - at, 1 + rnd.nextInt(16));
                byte v = (byte) (rnd.nextBoolean() ? 0xFF : rnd.nextInt(256));
                Arrays.fill(a, at, at + len, v);
                what.append("main run @").append(at).append(" len ").append(len);
            }
            default -> {
                int at = rnd.nextInt(a.length);
                int len = Math.min(a.length - at, 1 + rnd.nextInt(256));
                conns.set(0, splice(a, at, at, Arrays.copyOfRange(a, at, at + len)));
                what.append("main bytes @").append(at).append(" len ").append(len).append(" repeated");
            }
        }
    }

    private void connections() {
        switch (rnd.nextInt(5)) {
            case 0 -> {
                int c = multifdIndex();
                what.append("connection ").append(names.remove(c)).append(" missing");
                conns.remove(c);
            }
            case 1 -> {
                byte[] g = new byte[rnd.nextInt(2000)];
                for (int i = 0; i < g.length; i++) {
                    g[i] = (byte) rnd.nextInt(256);
                }
                conns.add(g);
                names.add("conn-garbage.bin");
                what.append("garbage connection of ").append(g.length).append(" bytes added");
            }
            case 2 -> {
                int c = multifdIndex();
                conns.add(conns.get(c).clone());
                names.add("conn-copy.bin");
                what.append("connection ").append(names.get(c)).append(" twice");
            }
            case 3 -> {
                conns.add(conns.get(0).clone());
                names.add("conn-main-copy.bin");
                what.append("main connection twice");
            }
            default -> {
                int c = multifdIndex();
                conns.set(c, new byte[0]);
                what.append("connection ").append(names.get(c)).append(" empty");
            }
        }
    }
}
