package io.multifd.core.image;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * One RAMBlock of a {@link MemoryImage}: page views into its storage and a received-pages bitmap
 * that is safe to update from several channel threads.
 *
 * @since 0.1
 */
public final class Block {

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final BlockSpec spec;
    private final int index;
    private final int pageSize;
    private final int chunkShift;
    private final long chunkMask;
    private final ByteBuffer[] chunks;
    private final ByteBuffer[] readOnlyChunks;
    private final long[] received;
    private final boolean startsZero;

    Block(BlockSpec spec, int index, int pageSize, int chunkShift, List<ByteBuffer> chunks, boolean startsZero) {
        this.spec = spec;
        this.index = index;
        this.pageSize = pageSize;
        this.chunkShift = chunkShift;
        this.chunkMask = (1L << chunkShift) - 1;
        this.chunks = chunks.toArray(new ByteBuffer[0]);
        this.readOnlyChunks = new ByteBuffer[this.chunks.length];
        for (int i = 0; i < this.chunks.length; i++) {
            this.readOnlyChunks[i] = this.chunks[i].asReadOnlyBuffer();
        }
        long pages = pages();
        this.received = new long[(int) ((pages + 63) >>> 6)];
        this.startsZero = startsZero;
    }

    /** @return the name and size */
    public BlockSpec spec() {
        return spec;
    }

    /** @return the name */
    public String name() {
        return spec.name();
    }

    /** @return the used length in bytes */
    public long size() {
        return spec.size();
    }

    /** @return the position of this block in its image */
    public int index() {
        return index;
    }

    /** @return the number of pages */
    public long pages() {
        return (spec.size() + pageSize - 1) / pageSize;
    }

    /**
     * Whether {@code offset} is a page of this block: page aligned and at most
     * {@code size - pageSize}.
     *
     * @param offset a byte offset from the wire
     * @return a sentence saying what is wrong, or null when valid
     */
    public String checkOffset(long offset) {
        if ((offset & (pageSize - 1)) != 0) {
            return String.format("offset 0x%X is not aligned to the page size %d", offset, pageSize);
        }
        if (offset < 0 || offset > spec.size() - pageSize) {
            return String.format("offset 0x%X is past the end of RAMBlock %s (size 0x%X)", offset, spec.name(),
                    spec.size());
        }
        return null;
    }

    /**
     * A writable view of one page: position 0, limit {@code pageSize}.
     *
     * @param offset a checked offset
     * @return the view
     */
    public ByteBuffer page(long offset) {
        return chunks[(int) (offset >>> chunkShift)].slice((int) (offset & chunkMask), pageSize);
    }

    /**
     * A writable view of a range inside one storage chunk (e.g. to load an image in large pieces).
     *
     * @param offset a page-aligned offset
     * @param length bytes; the range must not cross a {@code 1 << 30} boundary
     * @return the view, position 0
     */
    public ByteBuffer window(long offset, int length) {
        return chunks[(int) (offset >>> chunkShift)].slice((int) (offset & chunkMask), length);
    }

    /**
     * A read-only view of one page.
     *
     * @param offset a checked offset
     * @return the view
     */
    public ByteBuffer readPage(long offset) {
        return readOnlyChunks[(int) (offset >>> chunkShift)].slice((int) (offset & chunkMask), pageSize);
    }

    /**
     * The read-only storage chunk holding a page, shared (do not move its position or limit):
     * with {@link #chunkOffset(long)} it lets the hot path look at a page without creating a view.
     *
     * @param offset a checked offset
     * @return the chunk, position 0
     */
    public ByteBuffer readOnlyChunk(long offset) {
        return readOnlyChunks[(int) (offset >>> chunkShift)];
    }

    /**
     * The writable storage chunk holding a page, shared (do not move its position or limit:
     * duplicate it): with {@link #chunkOffset(long)} it lets the receive path reuse page views.
     *
     * @param offset a checked offset
     * @return the chunk, position 0
     */
    public ByteBuffer chunk(long offset) {
        return chunks[(int) (offset >>> chunkShift)];
    }

    /**
     * @param offset a checked offset
     * @return the page's byte index inside {@link #readOnlyChunk(long)} and {@link #chunk(long)}
     */
    public int chunkOffset(long offset) {
        return (int) (offset & chunkMask);
    }

    /**
     * Records that a normal page arrived.
     *
     * @param offset a checked offset
     * @return whether it had arrived before
     */
    public boolean markReceived(long offset) {
        long page = offset / pageSize;
        long bit = 1L << (page & 63);
        long prev = (long) LONGS.getAndBitwiseOr(received, (int) (page >>> 6), bit);
        return (prev & bit) != 0;
    }

    /**
     * Applies a zero page: clears it unless the storage started zero and the page never arrived
     * before (QEMU's receive-bitmap trick, which leaves sparse files sparse), and records it.
     *
     * @param offset a checked offset
     */
    public void applyZero(long offset) {
        boolean before = markReceived(offset);
        if (before || !startsZero) {
            ByteBuffer p = page(offset);
            for (int i = 0; i < pageSize; i += 8) {
                p.putLong(i, 0L);
            }
        }
    }

    /** @return the number of pages received at least once */
    public long receivedPages() {
        long n = 0;
        for (int i = 0; i < received.length; i++) {
            n += Long.bitCount((long) LONGS.getVolatile(received, i));
        }
        return n;
    }

    /** @return the offset of the first page never received, or -1 when every page arrived */
    public long firstMissing() {
        long pages = pages();
        for (long p = 0; p < pages; p++) {
            long word = (long) LONGS.getVolatile(received, (int) (p >>> 6));
            if ((word & (1L << (p & 63))) == 0) {
                return p * pageSize;
            }
        }
        return -1;
    }

    void forceAll() {
        for (ByteBuffer c : chunks) {
            if (c instanceof java.nio.MappedByteBuffer m && !m.isReadOnly()) {
                m.force();
            }
        }
    }

    @Override
    public String toString() {
        return spec.name() + " (" + spec.size() + " bytes)";
    }
}
