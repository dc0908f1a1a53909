package io.multifd.core.qemu;

import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.core.image.BlockSpec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * An incremental parser of QEMU's main migration stream (the connection that starts with
 * {@code QEVM}), precise where multifd needs it and tolerant elsewhere.
 *
 * <h2>What it parses</h2>
 * <ul>
 * <li>The header: BE u32 magic {@code QEVM}, BE u32 version 3.</li>
 * <li>{@code QEMU_VM_CONFIGURATION} (0x07): BE u32 length and the machine type name, then the
 * configuration subsections (0x05, u8 length, name, BE u32 version) QEMU 10.0 may send:
 * {@code configuration/target-page-bits} (sets the page size), {@code configuration/capabilities}
 * (the capabilities both sides must share, e.g. {@code x-ignore-shared}) and
 * {@code configuration/uuid}. Another subsection is an error: its length is unknown.</li>
 * <li>Sections: {@code SECTION_START} (0x01) and {@code SECTION_FULL} (0x04) with BE u32 section
 * id, u8 length + id string, BE u32 instance id and BE u32 version id; {@code SECTION_PART}
 * (0x02) and {@code SECTION_END} (0x03) with the section id of an earlier START; each followed by
 * its content and, when QEMU sends footers (every machine type since 2.4), the footer 0x7E + BE
 * u32 section id.</li>
 * <li>{@code QEMU_VM_COMMAND} (0x08): BE u16 command, BE u16 length and that many bytes.</li>
 * <li>{@code QEMU_VM_EOF} (0x00), then optionally {@code QEMU_VM_VMDESCRIPTION} (0x06, BE u32
 * length, a JSON description of the devices), then the connection must end.</li>
 * </ul>
 *
 * <h2>The "ram" section, parsed exactly</h2>
 * Its content is a sequence of records, each a BE u64 {@code address | flags} where the flags are
 * the bits below the page size:
 * <ul>
 * <li>{@code MEM_SIZE} (0x04), once, in the START part: the total size, then per RAMBlock a u8
 * length, the id string and a BE u64 used length, plus a BE u64 region address per block when the
 * {@code x-ignore-shared} capability is announced in the configuration, until the used lengths
 * add up to the total (as QEMU's loader reads it);</li>
 * <li>{@code MULTIFD_FLUSH} (0x200): a sync point; {@link Listener#flush(long)};</li>
 * <li>{@code ZERO} (0x02) and {@code PAGE} (0x08): a page sent on the main channel (legacy
 * zero-page detection, or a stream without multifd): the offset, the block name (u8 length + id)
 * unless {@code CONTINUE} (0x20) says "same block as before", then one byte that must be 0 for
 * ZERO, or the page's bytes for PAGE; {@link Listener#zeroPage} / {@link Listener#page};</li>
 * <li>{@code EOS} (0x10): the end of this part of the section.</li>
 * </ul>
 * Any other flag (XBZRLE 0x40, RDMA hook 0x80, the removed multi-thread compression 0x100, or an
 * unknown bit) is an error naming the flags and the stream offset.
 *
 * <p><b>Sync mode.</b> Machine types since 8.1 sync once per pass and mark it with
 * {@code MULTIFD_FLUSH}; older ones (8.0 and before) sync before every {@code EOS} and write no
 * flush marker. QEMU does not announce which; the reader decides at the first {@code EOS} of the
 * ram section: a stream that wrote no flush marker before it (the setup part of a per-round
 * stream always writes one) syncs per section, and from then on every {@code EOS} is reported as
 * a flush. See {@link #syncMode()}.
 *
 * <h2>Other sections: a documented heuristic</h2>
 * The content of every other section is device state (VMState) whose layout only the device
 * knows. The reader skips it by scanning for the section's footer, 0x7E followed by the BE u32
 * id of that section, and accepts a candidate only if what follows is a plausible next item: a
 * START or FULL header with a sane id, a 1..255 byte printable id string and a version below
 * 65536; a PART or END of a section started before; a command 1..31; or {@code QEMU_VM_EOF}
 * followed by the end of the stream or by a JSON device description. A candidate that fails is
 * device data and the scan goes on. Device state that happens to contain a footer of its own
 * section followed by such a header would fool it; a stream without footers cannot be skipped
 * and ends in an error naming the section.
 *
 * <h2>Use</h2>
 * Call {@link #next()} for one item at a time, or {@link #readUntilBlocks()} and then
 * {@link #readToEnd()}. Callbacks run on the calling thread. Every byte read from the connection
 * is first copied to the optional sink (to store the main channel as received). Every malformed
 * input ends in a {@link MultifdException} whose field names the part at fault and whose message
 * gives the byte offset in the stream. Not thread-safe.
 *
 * @since 0.1
 */
public final class MainStreamReader {

    /** {@code QEVM}. */
    public static final int FILE_MAGIC = 0x5145564D;
    /** The main stream version QEMU writes since 0.13. */
    public static final int FILE_VERSION = 3;

    static final int VM_EOF = 0x00;
    static final int SECTION_START = 0x01;
    static final int SECTION_PART = 0x02;
    static final int SECTION_END = 0x03;
    static final int SECTION_FULL = 0x04;
    static final int SUBSECTION = 0x05;
    static final int VMDESCRIPTION = 0x06;
    static final int CONFIGURATION = 0x07;
    static final int COMMAND = 0x08;
    static final int FOOTER = 0x7E;

    static final int RAM_FULL = 0x01;
    static final int RAM_ZERO = 0x02;
    static final int RAM_MEM_SIZE = 0x04;
    static final int RAM_PAGE = 0x08;
    static final int RAM_EOS = 0x10;
    static final int RAM_CONTINUE = 0x20;
    static final int RAM_XBZRLE = 0x40;
    static final int RAM_HOOK = 0x80;
    static final int RAM_COMPRESS_PAGE = 0x100;
    static final int RAM_MULTIFD_FLUSH = 0x200;

    /**
     * The largest total RAM a {@code MEM_SIZE} record may announce: 16 TiB (the largest file
     * ext4 holds with 4 KiB blocks; every RAMBlock becomes one image file). Checked before any
     * image is created.
     */
    public static final long MAX_RAM_BYTES = 1L << 44;
    /** The most RAMBlocks a block list may announce (as our own control protocol allows). */
    public static final int MAX_BLOCKS = 4096;

    private static final int MAX_MACHINE_NAME = 4096;
    private static final int MAX_COMMAND = 31;
    private static final int MAX_BUFFER = 64 << 20;

    /** How the source syncs its multifd channels, as far as the stream has shown it. */
    public enum SyncMode {
        /** Not known yet: the first {@code EOS} of the ram section was not reached. */
        UNKNOWN,
        /** One sync per pass over RAM, marked by {@code MULTIFD_FLUSH} (machine types since 8.1). */
        PER_ROUND,
        /** A sync before every {@code EOS}, no marker (machine types 8.0 and older). */
        PER_SECTION
    }

    /** What {@link #next()} parsed. */
    public enum Item {
        /** The magic and version. */
        HEADER,
        /** The configuration: machine type and subsections. */
        CONFIGURATION,
        /** The header of a ram section part; its records follow. */
        RAM_SECTION,
        /** A whole section other than ram, skipped up to and including its footer. */
        SECTION_SKIPPED,
        /** The RAMBlock list. */
        RAM_BLOCKS,
        /** A sync point: {@code MULTIFD_FLUSH}, or an {@code EOS} in per-section mode. */
        FLUSH,
        /** A zero page on the main channel. */
        ZERO_PAGE,
        /** A full page on the main channel. */
        PAGE,
        /** The end of a ram section part ({@code EOS}, and its footer when present). */
        RAM_SECTION_END,
        /** A command. */
        COMMAND,
        /** {@code QEMU_VM_EOF}. */
        EOF,
        /** The JSON device description after {@code QEMU_VM_EOF}. */
        VMDESCRIPTION,
        /** The connection ended after {@code QEMU_VM_EOF}. Returned from then on. */
        END
    }

    /**
     * What the reader reports, on the reading thread. Every method may throw to stop the reader;
     * the exception is passed on unchanged.
     */
    public interface Listener {

        /**
         * The configuration was read.
         *
         * @param machineType the machine type, e.g. {@code pc-q35-10.0}
         * @throws MultifdException to stop
         */
        default void configuration(String machineType) throws MultifdException {
        }

        /**
         * The RAMBlocks were announced (once, at the start of the ram section).
         *
         * @param blocks the blocks in stream order
         * @throws MultifdException to stop
         */
        default void blocks(List<BlockSpec> blocks) throws MultifdException {
        }

        /**
         * The k-th sync point: every multifd channel must reach its k-th SYNC packet before the
         * stream may go on (spec §6.3).
         *
         * @param k the sync point, from 1
         * @throws MultifdException to stop
         */
        default void flush(long k) throws MultifdException {
        }

        /**
         * A zero page sent on the main channel.
         *
         * @param block  the RAMBlock
         * @param offset the byte offset in it, checked against its size
         * @throws MultifdException to stop
         */
        default void zeroPage(String block, long offset) throws MultifdException {
        }

        /**
         * A full page sent on the main channel.
         *
         * @param block  the RAMBlock
         * @param offset the byte offset in it, checked against its size
         * @param data   the page, read-only, valid during this call only
         * @throws MultifdException to stop
         */
        default void page(String block, long offset, ByteBuffer data) throws MultifdException {
        }

        /**
         * {@code QEMU_VM_EOF} was read: the migration stream is complete.
         *
         * @throws MultifdException to stop
         */
        default void endOfStream() throws MultifdException {
        }
    }

    private enum State { HEADER, TOP, RAM, RAM_FOOTER, AFTER_EOF, AFTER_VMDESC, DONE }

    private final ReadableByteChannel in;
    private final String connection;
    private final Listener listener;
    private final WritableByteChannel sink;

    private ByteBuffer buf = ByteBuffer.allocate(64 * 1024).flip();
    private boolean inputEnded;
    private long consumed;
    private long itemStart;

    private State state = State.HEADER;
    private int pageSize;
    private String machineType;
    private UUID uuid;
    private final List<String> capabilities = new ArrayList<>();
    private boolean ignoreShared;
    private final Map<Integer, String> sections = new HashMap<>();
    private final Map<Integer, Boolean> iterative = new HashMap<>();
    private int ramSectionId = -1;
    private int currentSection = -1;
    private final List<String> ramSections = new ArrayList<>();
    private List<BlockSpec> blocks;
    private final Map<String, BlockSpec> blocksByName = new LinkedHashMap<>();
    private BlockSpec lastBlock;
    private SyncMode syncMode = SyncMode.UNKNOWN;
    private long flushes;
    private long zeroPages;
    private long normalPages;
    private long sectionsSkipped;
    private boolean sawSection;

    /**
     * A reader of one main channel.
     *
     * @param in         the connection, positioned at its first byte ({@code QEVM})
     * @param connection a name for messages (file name or peer address)
     * @param pageSize   the target page size; a {@code target-page-bits} subsection overrides it
     * @param listener   the callbacks, or null
     * @param sink       where every byte read is copied, or null
     */
    public MainStreamReader(ReadableByteChannel in, String connection, int pageSize, Listener listener,
                            WritableByteChannel sink) {
        this.in = in;
        this.connection = connection;
        this.pageSize = MultifdApi.checkPageSize(pageSize);
        this.listener = listener == null ? new Listener() { } : listener;
        this.sink = sink;
    }

    // ------------------------------------------------------------------ driving

    /**
     * Parses the next item.
     *
     * @return what was parsed; {@link Item#END} once the connection ended after
     *         {@code QEMU_VM_EOF}
     * @throws MultifdException for malformed or truncated input, a failing connection or sink, or
     *                          what a callback threw
     */
    public Item next() throws MultifdException {
        while (true) {
            itemStart = consumed;
            switch (state) {
                case HEADER:
                    return header();
                case TOP: {
                    Item item = top();
                    if (item != null) {
                        return item;
                    }
                    break;
                }
                case RAM:
                    return ramRecord();
                case RAM_FOOTER:
                    if (ensure(1) && peek(0) == FOOTER) {
                        u8("section footer");
                        int id = be32("section footer");
                        if (id != currentSection) {
                            throw fail("footer", String.format("footer of section %d, but the ram section %d is open",
                                    id, currentSection));
                        }
                    }
                    state = State.TOP;
                    return Item.RAM_SECTION_END;
                case AFTER_EOF:
                    if (!ensure(1)) {
                        state = State.DONE;
                        return Item.END;
                    }
                    if (peek(0) == VMDESCRIPTION) {
                        u8("vmdescription");
                        long len = Integer.toUnsignedLong(be32("vmdescription length"));
                        skip(len, "the JSON device description");
                        state = State.AFTER_VMDESC;
                        return Item.VMDESCRIPTION;
                    }
                    throw fail("end", String.format("byte 0x%02X after QEMU_VM_EOF; the stream must end there "
                            + "(or carry a device description, 0x06)", peek(0)));
                case AFTER_VMDESC:
                    if (ensure(1)) {
                        throw fail("end", "bytes after the device description that follows QEMU_VM_EOF; "
                                + "the stream must end there");
                    }
                    state = State.DONE;
                    return Item.END;
                case DONE:
                default:
                    return Item.END;
            }
        }
    }

    /**
     * Reads until the RAMBlock list was announced.
     *
     * @return the blocks
     * @throws MultifdException when the stream ends first, or for malformed input
     */
    public List<BlockSpec> readUntilBlocks() throws MultifdException {
        while (blocks == null) {
            if (next() == Item.END) {
                throw fail("ram", "the main stream ended without announcing the RAM blocks");
            }
        }
        return blocks;
    }

    /**
     * Reads until the connection ended after {@code QEMU_VM_EOF}.
     *
     * @throws MultifdException for malformed or truncated input
     */
    public void readToEnd() throws MultifdException {
        while (next() != Item.END) {
            // callbacks do the work
        }
    }

    // ------------------------------------------------------------------ top level

    private Item header() throws MultifdException {
        if (!ensure(4)) {
            throw fail("magic", "the main channel ended after " + available() + " bytes, before its 4-byte magic");
        }
        int magic = be32("magic");
        if (magic != FILE_MAGIC) {
            throw fail("magic", String.format("main stream magic 0x%08X, expected 0x%08X (QEVM)", magic, FILE_MAGIC));
        }
        int version = be32("version");
        if (version != FILE_VERSION) {
            throw fail("version", "main stream version " + Integer.toUnsignedString(version) + ", expected "
                    + FILE_VERSION);
        }
        state = State.TOP;
        return Item.HEADER;
    }

    private Item top() throws MultifdException {
        if (!ensure(1)) {
            throw fail("section type", "the main stream ended without QEMU_VM_EOF"
                    + (blocks == null ? "" : " after " + flushes + " flush markers"));
        }
        int type = u8("section type");
        switch (type) {
            case CONFIGURATION:
                if (sawSection || machineType != null) {
                    throw fail("section type", "QEMU_VM_CONFIGURATION (0x07) after the first section");
                }
                configuration();
                return Item.CONFIGURATION;
            case SECTION_START:
            case SECTION_FULL: {
                sawSection = true;
                int id = be32("section id");
                int len = u8("section idstr length");
                String idstr = string(len, "section idstr");
                be32("section instance id");
                int version = be32("section version id");
                if (type == SECTION_START && sections.containsKey(id)) {
                    throw fail("section id", "SECTION_START of section " + id + " ('" + idstr
                            + "'), which was already started as '" + sections.get(id) + "'");
                }
                sections.put(id, idstr);
                iterative.put(id, type == SECTION_START);
                if ("ram".equals(idstr)) {
                    if (type == SECTION_FULL || ramSectionId >= 0) {
                        throw fail("section", (type == SECTION_FULL ? "SECTION_FULL" : "a second SECTION_START")
                                + " for 'ram'; QEMU sends ram as START, PART..., END");
                    }
                    if (version != 4) {
                        throw fail("section version id", "ram section version " + version + ", expected 4");
                    }
                    ramSectionId = id;
                    return enterRam(id, "start");
                }
                skipSection(id, idstr);
                return Item.SECTION_SKIPPED;
            }
            case SECTION_PART:
            case SECTION_END: {
                sawSection = true;
                int id = be32("section id");
                String idstr = sections.get(id);
                if (idstr == null || !iterative.getOrDefault(id, false)) {
                    throw fail("section id", (type == SECTION_PART ? "SECTION_PART" : "SECTION_END") + " of section "
                            + id + ", which was never started");
                }
                if (id == ramSectionId) {
                    return enterRam(id, type == SECTION_PART ? "part" : "end");
                }
                skipSection(id, idstr);
                return Item.SECTION_SKIPPED;
            }
            case COMMAND: {
                sawSection = true;
                int cmd = be16("command");
                int len = be16("command length");
                skip(len, "the data of command " + cmd);
                return Item.COMMAND;
            }
            case VM_EOF:
                state = State.AFTER_EOF;
                listener.endOfStream();
                return Item.EOF;
            case FOOTER:
                throw fail("section type", "section footer (0x7E) outside a section");
            case SUBSECTION:
                throw fail("section type", "subsection (0x05) outside the configuration");
            case VMDESCRIPTION:
                throw fail("section type", "device description (0x06) before QEMU_VM_EOF (0x00)");
            default:
                throw fail("section type", String.format("unknown section type 0x%02X", type));
        }
    }

    private Item enterRam(int id, String part) {
        currentSection = id;
        ramSections.add(part);
        state = State.RAM;
        return Item.RAM_SECTION;
    }

    private void configuration() throws MultifdException {
        long len = Integer.toUnsignedLong(be32("configuration length"));
        if (len == 0 || len > MAX_MACHINE_NAME) {
            throw fail("configuration", "machine type name of " + len + " bytes, expected 1.." + MAX_MACHINE_NAME);
        }
        machineType = string((int) len, "machine type");
        while (ensure(1) && peek(0) == SUBSECTION) {
            u8("subsection");
            int nameLen = u8("subsection name length");
            String name = string(nameLen, "subsection name");
            be32("subsection version");
            switch (name) {
                case "configuration/target-page-bits": {
                    int bits = be32("target-page-bits");
                    if (bits < 10 || bits > 16) {
                        throw fail("target-page-bits", "target page bits " + bits + ", expected 10..16");
                    }
                    pageSize = 1 << bits;
                    break;
                }
                case "configuration/capabilities": {
                    long count = Integer.toUnsignedLong(be32("capabilities count"));
                    if (count > 256) {
                        throw fail("capabilities", count + " capabilities, expected at most 256");
                    }
                    for (int i = 0; i < count; i++) {
                        String cap = string(u8("capability length"), "capability");
                        capabilities.add(cap);
                        if ("x-ignore-shared".equals(cap)) {
                            ignoreShared = true;
                        }
                        if ("mapped-ram".equals(cap)) {
                            throw fail("capabilities", "the stream uses mapped-ram (file migration), which "
                                    + "carries no multifd packets; it is not supported");
                        }
                    }
                    break;
                }
                case "configuration/uuid": {
                    ByteBuffer b = bytes(16, "uuid");
                    uuid = new UUID(b.getLong(), b.getLong());
                    break;
                }
                default:
                    throw fail("configuration", "unknown configuration subsection '" + name
                            + "': its length is unknown, so the stream cannot be followed");
            }
        }
        listener.configuration(machineType);
    }

    // ------------------------------------------------------------------ ram section

    private Item ramRecord() throws MultifdException {
        long record = be64("ram record");
        long mask = pageSize - 1L;
        int flags = (int) (record & mask);
        long addr = record & ~mask;
        switch (flags & ~RAM_CONTINUE) {
            case RAM_MEM_SIZE:
                ramBlocks(addr);
                return Item.RAM_BLOCKS;
            case RAM_MULTIFD_FLUSH:
                if (syncMode == SyncMode.PER_SECTION) {
                    throw fail("ram flags", "MULTIFD_FLUSH (0x200) in a stream that synced at EOS without markers");
                }
                listener.flush(++flushes);
                return Item.FLUSH;
            case RAM_ZERO: {
                BlockSpec b = pageBlock(flags, addr);
                int fill = u8("zero page fill byte");
                if (fill != 0) {
                    throw fail("zero page", String.format("ZERO record for %s offset 0x%X has fill byte 0x%02X, "
                            + "expected 0", b.name(), addr, fill));
                }
                zeroPages++;
                listener.zeroPage(b.name(), addr);
                return Item.ZERO_PAGE;
            }
            case RAM_PAGE: {
                BlockSpec b = pageBlock(flags, addr);
                if (!ensure(pageSize)) {
                    throw truncated("the page at " + b.name() + " offset 0x" + Long.toHexString(addr));
                }
                ByteBuffer page = buf.slice(buf.position(), pageSize).asReadOnlyBuffer();
                normalPages++;
                listener.page(b.name(), addr, page);
                consume(pageSize);
                return Item.PAGE;
            }
            case RAM_EOS:
                state = State.RAM_FOOTER;
                if (syncMode == SyncMode.UNKNOWN) {
                    syncMode = flushes == 0 ? SyncMode.PER_SECTION : SyncMode.PER_ROUND;
                }
                if (syncMode == SyncMode.PER_SECTION) {
                    listener.flush(++flushes);
                }
                return next();
            default:
                throw fail("ram flags", ramFlagsProblem(flags));
        }
    }

    private String ramFlagsProblem(int flags) {
        String what;
        int f = flags & ~RAM_CONTINUE;
        if ((f & RAM_XBZRLE) != 0) {
            what = "XBZRLE (0x40) pages are not supported (QEMU never sends them with multifd)";
        } else if ((f & RAM_HOOK) != 0) {
            what = "RDMA hook (0x80) records are not supported";
        } else if ((f & RAM_COMPRESS_PAGE) != 0) {
            what = "multi-thread compressed pages (0x100) were removed from QEMU and are not supported";
        } else if ((f & RAM_FULL) != 0) {
            what = "the obsolete FULL flag (0x01) is not supported";
        } else {
            what = "this combination is not a record QEMU 10.0 sends";
        }
        return String.format("ram record flags 0x%X: %s", flags, what);
    }

    private BlockSpec pageBlock(int flags, long addr) throws MultifdException {
        if (blocks == null) {
            throw fail("ramblock", "page record before the RAM block list");
        }
        BlockSpec b;
        if ((flags & RAM_CONTINUE) != 0) {
            if (lastBlock == null) {
                throw fail("ramblock", "page record with CONTINUE (0x20) but no earlier record named a block");
            }
            b = lastBlock;
        } else {
            String name = string(u8("ramblock name length"), "ramblock name");
            b = blocksByName.get(name);
            if (b == null) {
                throw fail("ramblock", "page record for unknown RAMBlock '" + name + "'; announced: "
                        + blocksByName.keySet());
            }
            lastBlock = b;
        }
        if (addr > b.size() - pageSize) {
            throw fail("offset", String.format("page offset 0x%X is past the end of RAMBlock %s (size 0x%X)",
                    addr, b.name(), b.size()));
        }
        return b;
    }

    private void ramBlocks(long total) throws MultifdException {
        if (blocks != null) {
            throw fail("ram flags", "MEM_SIZE (0x04): the RAM block list is announced a second time");
        }
        if (total <= 0) {
            throw fail("ram total", "MEM_SIZE announces a total RAM size of 0");
        }
        if (total > MAX_RAM_BYTES) {
            throw fail("ram total", String.format("MEM_SIZE announces a total RAM size of 0x%X bytes, which exceeds "
                    + "the limit of %d bytes (16 TiB)", total, MAX_RAM_BYTES));
        }
        List<BlockSpec> list = new ArrayList<>();
        long left = total;
        while (left > 0) {
            if (list.size() == MAX_BLOCKS) {
                throw fail("ramblock", "the block list announces more than " + MAX_BLOCKS + " RAMBlocks (0x"
                        + Long.toHexString(left) + " bytes of the total are still unaccounted for)");
            }
            int len = u8("ramblock name length");
            if (len == 0) {
                throw fail("ramblock", "RAMBlock with an empty name in the block list");
            }
            String name = string(len, "ramblock name");
            long used = be64("ramblock used_length");
            if (ignoreShared) {
                be64("ramblock region address (x-ignore-shared)");
            }
            if (used <= 0 || used % pageSize != 0) {
                throw fail("ramblock used_length", String.format("RAMBlock %s has used length 0x%X, expected a "
                        + "positive multiple of the page size %d", name, used, pageSize));
            }
            if (Long.compareUnsigned(used, left) > 0) {
                throw fail("ramblock used_length", String.format("RAMBlock %s (0x%X bytes) exceeds the 0x%X bytes "
                        + "left of the announced total 0x%X", name, used, left, total));
            }
            if (blocksByName.containsKey(name)) {
                throw fail("ramblock", "RAMBlock " + name + " is announced twice");
            }
            BlockSpec spec;
            try {
                spec = new BlockSpec(name, used);
            } catch (IllegalArgumentException e) {
                throw fail("ramblock", e.getMessage());
            }
            list.add(spec);
            blocksByName.put(name, spec);
            left -= used;
        }
        blocks = Collections.unmodifiableList(list);
        listener.blocks(blocks);
    }

    // ------------------------------------------------------------------ opaque sections

    private void skipSection(int id, String idstr) throws MultifdException {
        long start = consumed;
        while (true) {
            int at = indexOf(FOOTER);
            if (at < 0) {
                consume(buf.remaining());
                if (!fill()) {
                    throw fail("footer", "section " + id + " ('" + idstr + "', from offset 0x" + Long.toHexString(start)
                            + ") has no footer (0x7E + section id) before the end of the stream; its device state "
                            + "cannot be skipped");
                }
                continue;
            }
            consume(at - buf.position());
            if (footerFollowsWithValidItem(id)) {
                consume(5);
                sectionsSkipped++;
                return;
            }
            consume(1);
        }
    }

    private int indexOf(int value) {
        for (int i = buf.position(); i < buf.limit(); i++) {
            if ((buf.get(i) & 0xFF) == value) {
                return i;
            }
        }
        return -1;
    }

    /** Whether the bytes at the position are 0x7E, BE u32 {@code id}, then a plausible item. */
    private boolean footerFollowsWithValidItem(int id) throws MultifdException {
        if (!ensure(6) || peek32(1) != id) {
            return false;
        }
        int type = peek(5);
        switch (type) {
            case VM_EOF:
                if (!ensure(7)) {
                    return true;
                }
                return peek(6) == VMDESCRIPTION && ensure(12) && peek(11) == '{';
            case SECTION_START:
            case SECTION_FULL: {
                if (!ensure(11)) {
                    return false;
                }
                int sid = peek32(6);
                int len = peek(10);
                if (sid < 0 || sid > 0xFFFF || len == 0 || !ensure(11 + len + 8)) {
                    return false;
                }
                for (int i = 0; i < len; i++) {
                    int c = peek(11 + i);
                    if (c < 0x20 || c > 0x7E) {
                        return false;
                    }
                }
                if (type == SECTION_START && sections.containsKey(sid)) {
                    return false;
                }
                int version = peek32(11 + len + 4);
                return version >= 0 && version <= 0xFFFF;
            }
            case SECTION_PART:
            case SECTION_END: {
                if (!ensure(10)) {
                    return false;
                }
                int sid = peek32(6);
                return sections.containsKey(sid) && iterative.getOrDefault(sid, false);
            }
            case COMMAND: {
                if (!ensure(10)) {
                    return false;
                }
                int cmd = (peek(6) << 8) | peek(7);
                return cmd >= 1 && cmd <= MAX_COMMAND;
            }
            default:
                return false;
        }
    }

    // ------------------------------------------------------------------ buffer

    private int available() {
        return buf.remaining();
    }

    private int peek(int i) {
        return buf.get(buf.position() + i) & 0xFF;
    }

    private int peek32(int i) {
        return buf.getInt(buf.position() + i);
    }

    private void consume(int n) {
        buf.position(buf.position() + n);
        consumed += n;
    }

    /** Makes at least {@code n} bytes available; false when the connection ends first. */
    private boolean ensure(int n) throws MultifdException {
        while (buf.remaining() < n) {
            if (n > buf.capacity()) {
                if (n > MAX_BUFFER) {
                    throw fail("length", "an item of " + n + " bytes is too large");
                }
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(n, buf.capacity() * 2));
                bigger.put(buf).flip();
                buf = bigger;
            }
            if (!fill()) {
                return false;
            }
        }
        return true;
    }

    /** Reads more bytes after the buffered ones; false at the end of the connection. */
    private boolean fill() throws MultifdException {
        if (inputEnded) {
            return false;
        }
        buf.compact();
        if (!buf.hasRemaining()) {
            ByteBuffer bigger = ByteBuffer.allocate(buf.capacity() * 2);
            buf.flip();
            bigger.put(buf);
            buf = bigger;
        }
        int start = buf.position();
        int n;
        try {
            n = in.read(buf);
        } catch (IOException e) {
            buf.flip();
            throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, null,
                    "main channel " + connection + " failed after " + (consumed + buf.remaining()) + " bytes: "
                            + e.getMessage(), e);
        }
        if (n < 0) {
            inputEnded = true;
            buf.flip();
            return false;
        }
        if (sink != null && n > 0) {
            ByteBuffer copy = buf.duplicate().flip().position(start);
            try {
                while (copy.hasRemaining()) {
                    sink.write(copy);
                }
            } catch (IOException e) {
                buf.flip();
                throw new MultifdException("cannot copy the main channel " + connection + ": " + e.getMessage(), e);
            }
        }
        buf.flip();
        return true;
    }

    private int u8(String what) throws MultifdException {
        if (!ensure(1)) {
            throw truncated(what);
        }
        int v = peek(0);
        consume(1);
        return v;
    }

    private int be16(String what) throws MultifdException {
        if (!ensure(2)) {
            throw truncated(what);
        }
        int v = (peek(0) << 8) | peek(1);
        consume(2);
        return v;
    }

    private int be32(String what) throws MultifdException {
        if (!ensure(4)) {
            throw truncated(what);
        }
        int v = peek32(0);
        consume(4);
        return v;
    }

    private long be64(String what) throws MultifdException {
        if (!ensure(8)) {
            throw truncated(what);
        }
        long v = buf.getLong(buf.position());
        consume(8);
        return v;
    }

    private ByteBuffer bytes(int n, String what) throws MultifdException {
        if (!ensure(n)) {
            throw truncated(what);
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        b.put(buf.slice(buf.position(), n)).flip();
        consume(n);
        return b;
    }

    private String string(int n, String what) throws MultifdException {
        ByteBuffer b = bytes(n, what);
        return new String(b.array(), 0, n, StandardCharsets.UTF_8);
    }

    private void skip(long n, String what) throws MultifdException {
        long left = n;
        while (left > 0) {
            if (!buf.hasRemaining() && !fill()) {
                throw truncated(what + " (" + (n - left) + " of " + n + " bytes)");
            }
            int step = (int) Math.min(left, buf.remaining());
            consume(step);
            left -= step;
        }
    }

    private MultifdException truncated(String what) {
        return fail("truncated", "the main stream ended inside " + what);
    }

    private MultifdException fail(String field, String detail) {
        return new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, field,
                "main channel " + connection + " at offset " + itemStart + " (0x" + Long.toHexString(itemStart)
                        + "): " + detail, null);
    }

    // ------------------------------------------------------------------ what was seen

    /** @return the page size in use (the configured one, or the stream's target-page-bits) */
    public int pageSize() {
        return pageSize;
    }

    /** @return the machine type of the configuration, when the stream had one */
    public Optional<String> machineType() {
        return Optional.ofNullable(machineType);
    }

    /** @return the VM UUID of the configuration, when the source validates it */
    public Optional<UUID> uuid() {
        return Optional.ofNullable(uuid);
    }

    /** @return the capabilities the configuration announced (those QEMU validates on both sides) */
    public List<String> capabilities() {
        return Collections.unmodifiableList(capabilities);
    }

    /** @return the RAMBlocks, once announced */
    public Optional<List<BlockSpec>> blocks() {
        return Optional.ofNullable(blocks);
    }

    /** @return the sync points seen so far ({@code MULTIFD_FLUSH} markers, or EOS in per-section mode) */
    public long flushes() {
        return flushes;
    }

    /** @return how the source syncs, as far as seen */
    public SyncMode syncMode() {
        return syncMode;
    }

    /** @return the parts of the ram section seen, in order: {@code start}, {@code part}, {@code end} */
    public List<String> ramSections() {
        return Collections.unmodifiableList(ramSections);
    }

    /** @return zero pages sent on the main channel */
    public long zeroPages() {
        return zeroPages;
    }

    /** @return full pages sent on the main channel */
    public long normalPages() {
        return normalPages;
    }

    /** @return sections other than ram that were skipped */
    public long sectionsSkipped() {
        return sectionsSkipped;
    }

    /** @return bytes consumed so far */
    public long position() {
        return consumed;
    }

    /** @return whether {@code QEMU_VM_EOF} was read */
    public boolean sawEof() {
        return state == State.AFTER_EOF || state == State.AFTER_VMDESC || state == State.DONE;
    }

    /** @return whether the connection ended after {@code QEMU_VM_EOF} */
    public boolean ended() {
        return state == State.DONE;
    }

    /** @return the connection's name */
    public String connection() {
        return connection;
    }
}
