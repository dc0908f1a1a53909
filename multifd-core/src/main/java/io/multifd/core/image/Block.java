package io.multifd.core.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

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
    /** Maps a storage chunk again after {@link #release}; null when the storage cannot be released. */
    private final Remap remap;
    private final AtomicLong released = new AtomicLong();

    /** Maps storage chunk {@code i} of a block anew (read-only file storage). */
    interface Remap {
        ByteBuffer map(int chunk) throws IOException;
    }

    Block(BlockSpec spec, int index, int pageSize, int chunkShift, List<ByteBuffer> chunks, boolean startsZero) {
        this(spec, index, pageSize, chunkShift, chunks, startsZero, null);
    }

    Block(BlockSpec spec, int index, int pageSize, int chunkShift, List<ByteBuffer> chunks, boolean startsZero,
          Remap remap) {
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
        this.remap = remap;
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
     * @param length bytes; the range must not cross a storage chunk's end (chunks are 1 GiB, 16 MiB
     *               in an image from {@link MemoryImage#mapForSending})
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

    /**
     * Whether {@link #release} can drop this block's pages from the process's resident set: true
     * for storage from {@link MemoryImage#mapForSending}.
     *
     * @return whether the storage is releasable
     */
    public boolean releasable() {
        return remap != null && Unmapper.AVAILABLE;
    }

    /**
     * Drops the pages of the storage chunks from the one starting at or after {@code from} up to the
     * last one ending at or before {@code to} from the process's resident set: each is unmapped and
     * mapped again, so its bytes stay readable (read back from the file when touched). A no-op
     * unless {@link #releasable()}.
     *
     * <p>The caller guarantees that no thread uses a view of those chunks while this runs, nor
     * afterwards: every earlier view of them (from {@link #readPage}, {@link #readOnlyChunk},
     * {@link #chunk}...) points at unmapped memory, and touching it crashes the JVM. Views taken
     * afterwards are views of the new mapping; other threads see it once they synchronise with
     * the caller. The source engine calls this for the chunks every channel has finished with in
     * a pass.
     *
     * @param from a byte offset in the block
     * @param to   the end of the range, exclusive
     * @return the end of the last chunk released, or {@code from} when none was: where the next
     *         call may start
     * @throws UncheckedIOException when a chunk cannot be mapped again (the old mapping is kept)
     */
    public long release(long from, long to) {
        if (!releasable()) {
            return from;
        }
        long chunkSize = 1L << chunkShift;
        long end = from;
        for (int c = (int) ((Math.max(0, from) + chunkSize - 1) >>> chunkShift);
             c < chunks.length && (long) c * chunkSize + chunks[c].capacity() <= to; c++) {
            ByteBuffer old = chunks[c];
            ByteBuffer fresh;
            try {
                fresh = remap.map(c);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot map " + this + " again at offset " + c * chunkSize
                        + ": " + e.getMessage(), e);
            }
            chunks[c] = fresh;
            readOnlyChunks[c] = fresh.asReadOnlyBuffer();
            Unmapper.unmap(old);
            released.incrementAndGet();
            end = c * chunkSize + fresh.capacity();
        }
        return end;
    }

    /**
     * @param offset a byte offset in the block
     * @return the offset where the storage chunk holding it starts
     */
    public long chunkStart(long offset) {
        return offset & ~chunkMask;
    }

    /** @return how many storage chunks {@link #release} has released so far */
    public long releasedChunks() {
        return released.get();
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
