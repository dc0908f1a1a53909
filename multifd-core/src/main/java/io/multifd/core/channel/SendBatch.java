package io.multifd.core.channel;

import io.multifd.api.PageBatch;
import io.multifd.core.image.Block;

import java.nio.ByteBuffer;

/**
 * The pages of one packet being collected on the send side. Zero-page detection happens here, in
 * the core, as pages are added: a zero page is listed by offset only. Reused from packet to
 * packet.
 *
 * @since 0.1
 */
public final class SendBatch implements PageBatch {

    private final int pageSize;
    private final int capacity;
    private final boolean detectZero;
    private final ByteBuffer zeroPage;
    private final long[] normalOffsets;
    /** Per normal page: the buffer holding it (a storage chunk, or a page added as a buffer)... */
    private final ByteBuffer[] normalChunks;
    /** ...and where in that buffer the page starts. */
    private final int[] normalChunkOffsets;
    /** The reused read-only view of each slot (API rule 2.9). */
    private final PageViews views;
    private final long[] zeroOffsets;
    private ByteBuffer window;
    private ByteBuffer windowOf;
    private String blockName = "";
    private int normal;
    private int zero;

    SendBatch(int pageSize, int capacity, boolean detectZero) {
        this.pageSize = pageSize;
        this.capacity = capacity;
        this.detectZero = detectZero;
        this.zeroPage = ByteBuffer.allocateDirect(pageSize).asReadOnlyBuffer();
        this.normalOffsets = new long[capacity];
        this.normalChunks = new ByteBuffer[capacity];
        this.normalChunkOffsets = new int[capacity];
        this.views = new PageViews(capacity, pageSize, true);
        this.zeroOffsets = new long[capacity];
    }

    /**
     * Empties the batch for a block. The slots' views are kept for the next packets (no
     * allocation per packet).
     *
     * @param block the RAMBlock of the next packet
     * @return this
     */
    public SendBatch reset(String block) {
        blockName = block;
        normal = 0;
        zero = 0;
        return this;
    }

    /**
     * Adds a page; zero pages are recognised here.
     *
     * @param offset its byte offset in the block
     * @param page   its bytes between position and limit ({@code pageSize} of them); kept until the
     *               packet is sent
     * @throws IllegalStateException when the batch is full
     */
    public void add(long offset, ByteBuffer page) {
        if (isFull()) {
            throw new IllegalStateException("batch is full: " + capacity + " pages");
        }
        if (page.remaining() != pageSize) {
            throw new IllegalArgumentException("page at offset " + offset + " has " + page.remaining()
                    + " bytes, expected " + pageSize);
        }
        if (detectZero && isZero(page)) {
            zeroOffsets[zero++] = offset;
        } else {
            normalOffsets[normal] = offset;
            normalChunks[normal] = page;
            normalChunkOffsets[normal++] = page.position();
        }
    }

    /**
     * Adds a page of a block without creating a view of it (the hot path of the source): zero
     * pages are recognised in place, and a normal page's view is only created when the method
     * asks for it.
     *
     * @param block  the block
     * @param offset a checked page offset in the block
     * @throws IllegalStateException when the batch is full
     */
    public void add(Block block, long offset) {
        if (isFull()) {
            throw new IllegalStateException("batch is full: " + capacity + " pages");
        }
        ByteBuffer chunk = block.readOnlyChunk(offset);
        int at = block.chunkOffset(offset);
        if (detectZero) {
            if (windowOf != chunk) {
                window = chunk.duplicate();
                windowOf = chunk;
            }
            window.limit(at + pageSize).position(at);
            if (window.mismatch(zeroPage) == -1) {
                zeroOffsets[zero++] = offset;
                return;
            }
        }
        normalOffsets[normal] = offset;
        normalChunks[normal] = chunk;
        normalChunkOffsets[normal++] = at;
    }

    /**
     * Whether a page is all zero bytes (a vectorised comparison with a zero page).
     *
     * @param page the page between position and limit
     * @return true when every byte is zero
     */
    public boolean isZero(ByteBuffer page) {
        return page.mismatch(zeroPage) == -1;
    }

    /** @return whether no more page fits */
    public boolean isFull() {
        return normal + zero == capacity;
    }

    /** @return whether the batch has no page */
    public boolean isEmpty() {
        return normal + zero == 0;
    }

    /** @return pages in the batch */
    public int size() {
        return normal + zero;
    }

    @Override
    public String blockName() {
        return blockName;
    }

    @Override
    public int normalCount() {
        return normal;
    }

    @Override
    public long normalOffset(int i) {
        checkIndex(i, normal);
        return normalOffsets[i];
    }

    /** The reused read-only view of slot {@code i}, set to span page {@code i} (API rule 2.9). */
    @Override
    public ByteBuffer normalPage(int i) {
        checkIndex(i, normal);
        return views.view(i, normalChunks[i], normalChunkOffsets[i]);
    }

    @Override
    public int zeroCount() {
        return zero;
    }

    @Override
    public long zeroOffset(int i) {
        checkIndex(i, zero);
        return zeroOffsets[i];
    }

    private static void checkIndex(int i, int n) {
        if (i < 0 || i >= n) {
            throw new IndexOutOfBoundsException("page index " + i + " outside 0.." + (n - 1));
        }
    }
}
