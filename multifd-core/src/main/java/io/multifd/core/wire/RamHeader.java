package io.multifd.core.wire;

import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.api.PacketFlags;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A RAM packet header (spec §2.3): {@code 320 + 8 * capacity} bytes, 1344 for 4 KiB pages.
 *
 * <p>Mutable and reused: one instance per channel decodes or encodes every packet, so the hot path
 * allocates nothing (the RAMBlock name is only turned into a new {@code String} when it changes).
 * Use {@link #copy()} to keep one.
 *
 * @since 0.1
 */
public final class RamHeader {

    private final int pageSize;
    private final int capacity;
    private final long[] offsets;
    private final byte[] nameBytes = new byte[Wire.BLOCK_NAME_BYTES];
    private int nameLength;
    private String name = "";

    private PacketFlags flags = PacketFlags.SYNC;
    private int pagesAlloc;
    private int normalPages;
    private int zeroPages;
    private long nextPacketSize;
    private long packetNum;

    /**
     * A header for a page size.
     *
     * @param pageSize the page size both peers use
     */
    public RamHeader(int pageSize) {
        this.pageSize = MultifdApi.checkPageSize(pageSize);
        this.capacity = MultifdApi.packetCapacity(pageSize);
        this.offsets = new long[capacity];
    }

    /** @return bytes of this header on the wire, common header included */
    public int byteLength() {
        return Wire.OFFSETS_AT + 8 * capacity;
    }

    /**
     * Decodes the part after the common header and applies QEMU's checks (spec §2.4 checks 1 to
     * 3), plus the name's NUL terminator. Block lookup and offsets are the receiver's to check.
     *
     * @param flags the flags of the common header, already parsed
     * @param in    exactly {@code byteLength() - 12} bytes
     * @return this header
     * @throws MultifdException naming the field at fault (channel and packet are added by the
     *                          caller)
     */
    public RamHeader decode(PacketFlags flags, ByteBuffer in) throws MultifdException {
        this.flags = flags;
        long alloc = Integer.toUnsignedLong(in.getInt());
        long normal = Integer.toUnsignedLong(in.getInt());
        nextPacketSize = Integer.toUnsignedLong(in.getInt());
        packetNum = in.getLong();
        long zero = Integer.toUnsignedLong(in.getInt());
        in.position(in.position() + 28);
        if (alloc > capacity) {
            throw field("pages_alloc", "packet with " + alloc + " pages, expected at most " + capacity);
        }
        if (normal > alloc) {
            throw field("normal_pages", normal + " normal pages exceed pages_alloc " + alloc);
        }
        if (zero > alloc - normal) {
            throw field("zero_pages", zero + " zero pages exceed pages_alloc " + alloc + " - normal_pages " + normal);
        }
        pagesAlloc = (int) alloc;
        normalPages = (int) normal;
        zeroPages = (int) zero;
        readName(in);
        int listed = normalPages + zeroPages;
        for (int i = 0; i < capacity; i++) {
            long v = in.getLong();
            if (i < listed) {
                offsets[i] = v;
            }
        }
        return this;
    }

    private void readName(ByteBuffer in) throws MultifdException {
        int start = in.position();
        int len = 0;
        while (len < Wire.BLOCK_NAME_BYTES && in.get(start + len) != 0) {
            len++;
        }
        if (len == Wire.BLOCK_NAME_BYTES) {
            throw field("ramblock", "RAMBlock name is not NUL-terminated within 256 bytes");
        }
        boolean same = len == nameLength;
        for (int i = 0; same && i < len; i++) {
            same = nameBytes[i] == in.get(start + i);
        }
        if (!same) {
            in.get(start, nameBytes, 0, len);
            nameLength = len;
            name = new String(nameBytes, 0, len, StandardCharsets.UTF_8);
        }
        in.position(start + Wire.BLOCK_NAME_BYTES);
    }

    private static MultifdException field(String field, String detail) {
        return new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, field, detail, null);
    }

    /**
     * Writes the whole header, common header included, exactly as QEMU 10.0 does.
     *
     * @param out a big-endian buffer with {@link #byteLength()} bytes remaining
     */
    public void encode(ByteBuffer out) {
        int start = out.position();
        out.putInt(Wire.MAGIC).putInt(Wire.VERSION).putInt(flags.toWire())
                .putInt(pagesAlloc).putInt(normalPages).putInt((int) nextPacketSize).putLong(packetNum)
                .putInt(zeroPages);
        for (int i = 0; i < 28; i++) {
            out.put((byte) 0);
        }
        out.put(nameBytes, 0, nameLength);
        for (int i = nameLength; i < Wire.BLOCK_NAME_BYTES; i++) {
            out.put((byte) 0);
        }
        int listed = normalPages + zeroPages;
        for (int i = 0; i < capacity; i++) {
            out.putLong(i < listed ? offsets[i] : 0L);
        }
        assert out.position() == start + byteLength();
    }

    /**
     * Makes this a SYNC packet: flags {@code 0x01}, all counts zero, empty name, zero offsets.
     *
     * @param packetNumber its {@code packet_num}
     * @return this header
     */
    public RamHeader setSync(long packetNumber) {
        flags = PacketFlags.SYNC;
        pagesAlloc = 0;
        normalPages = 0;
        zeroPages = 0;
        nextPacketSize = 0;
        packetNum = packetNumber;
        nameLength = 0;
        name = "";
        return this;
    }

    /**
     * Makes this a data packet. Offsets are set with {@link #setOffset(int, long)}.
     *
     * @param flags          the flags
     * @param blockName      the RAMBlock (at most 255 bytes of UTF-8)
     * @param normal         normal pages
     * @param zero           zero pages
     * @param nextPacketSize payload bytes
     * @param packetNumber   {@code packet_num}
     * @return this header
     */
    public RamHeader setData(PacketFlags flags, String blockName, int normal, int zero, long nextPacketSize,
                             long packetNumber) {
        if (normal < 0 || zero < 0 || normal + zero > capacity) {
            throw new IllegalArgumentException(normal + " normal + " + zero + " zero pages exceed capacity " + capacity);
        }
        this.flags = flags;
        this.pagesAlloc = capacity;
        this.normalPages = normal;
        this.zeroPages = zero;
        this.nextPacketSize = nextPacketSize;
        this.packetNum = packetNumber;
        setName(blockName);
        return this;
    }

    private void setName(String blockName) {
        if (blockName.equals(name)) {
            return;
        }
        byte[] b = blockName.getBytes(StandardCharsets.UTF_8);
        if (b.length > Wire.BLOCK_NAME_BYTES - 1 || blockName.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("RAMBlock name '" + blockName + "' must be at most 255 bytes, no NUL");
        }
        System.arraycopy(b, 0, nameBytes, 0, b.length);
        nameLength = b.length;
        name = blockName;
    }

    /**
     * Sets one offset: normal pages first, then zero pages.
     *
     * @param index  {@code 0..normal+zero-1}
     * @param offset byte offset in the block
     */
    public void setOffset(int index, long offset) {
        offsets[index] = offset;
    }

    /** @return a copy that later decodes do not change */
    public RamHeader copy() {
        RamHeader c = new RamHeader(pageSize);
        c.flags = flags;
        c.pagesAlloc = pagesAlloc;
        c.normalPages = normalPages;
        c.zeroPages = zeroPages;
        c.nextPacketSize = nextPacketSize;
        c.packetNum = packetNum;
        c.setName(name);
        System.arraycopy(offsets, 0, c.offsets, 0, normalPages + zeroPages);
        return c;
    }

    /** @return the flags */
    public PacketFlags flags() {
        return flags;
    }

    /** @return {@code pages_alloc} */
    public int pagesAlloc() {
        return pagesAlloc;
    }

    /** @return {@code normal_pages} */
    public int normalPages() {
        return normalPages;
    }

    /** @return {@code zero_pages} */
    public int zeroPages() {
        return zeroPages;
    }

    /** @return {@code next_packet_size}, unsigned */
    public long nextPacketSize() {
        return nextPacketSize;
    }

    /** @return {@code packet_num}, unsigned */
    public long packetNum() {
        return packetNum;
    }

    /** @return the RAMBlock name; empty in SYNC packets */
    public String blockName() {
        return name;
    }

    /**
     * @param i {@code 0..normalPages-1}
     * @return offset of normal page i
     */
    public long normalOffset(int i) {
        return offsets[i];
    }

    /**
     * @param i {@code 0..zeroPages-1}
     * @return offset of zero page i
     */
    public long zeroOffset(int i) {
        return offsets[normalPages + i];
    }

    /** @return the page size */
    public int pageSize() {
        return pageSize;
    }

    /** @return the capacity in pages */
    public int capacity() {
        return capacity;
    }

    @Override
    public String toString() {
        return "RamHeader{flags=" + flags + ", packet_num=" + Long.toUnsignedString(packetNum) + ", block='" + name
                + "', normal=" + normalPages + ", zero=" + zeroPages + ", next_packet_size=" + nextPacketSize
                + ", offsets=" + Arrays.toString(Arrays.copyOf(offsets, Math.min(normalPages + zeroPages, 8)))
                + (normalPages + zeroPages > 8 ? "..." : "") + "}";
    }
}
