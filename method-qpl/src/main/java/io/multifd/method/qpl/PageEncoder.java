package io.multifd.method.qpl;

import java.nio.ByteBuffer;

/**
 * Compresses one page into raw deflate of at most {@code pageSize - 1} bytes, or declines, in which
 * case the caller sends the page raw. One per channel; not thread-safe.
 */
interface PageEncoder extends AutoCloseable {

    /** What {@link #encode} returns for a page that goes raw. */
    int RAW = -1;

    /**
     * Compresses one page.
     *
     * @param page     the page: position..limit span it (API rule 2.9); may be live memory (rule 2.7)
     * @param out      the payload buffer
     * @param offset   where the compressed bytes go in {@code out}; {@code pageSize - 1} bytes are free
     * @param counters the channel's counters; the engine counts the page it compressed
     * @return the compressed length, {@code 1..pageSize-1}, or {@link #RAW}
     */
    int encode(ByteBuffer page, NativeBuffer out, int offset, QplCounters counters);

    /** Frees native memory and jobs; harmless when repeated. */
    @Override
    void close();
}
