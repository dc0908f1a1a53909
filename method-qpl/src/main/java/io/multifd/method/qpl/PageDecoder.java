package io.multifd.method.qpl;

import io.multifd.api.ChannelContext;
import io.multifd.api.MultifdException;

import java.nio.ByteBuffer;

/**
 * Inflates one compressed page (a raw deflate stream of {@code 1..pageSize-1} bytes) into exactly
 * {@code pageSize} bytes. One per channel; not thread-safe.
 */
interface PageDecoder extends AutoCloseable {

    /**
     * Inflates page {@code index}.
     *
     * @param channel  the channel, for failures
     * @param index    the page's index in the packet, for failures ({@code page[index]})
     * @param in       the payload buffer
     * @param offset   where the page's bytes start in {@code in}
     * @param len      how many bytes it has, already checked to be {@code 1..pageSize-1}
     * @param page     the destination: position..limit span the page (API rule 2.9)
     * @param counters the channel's counters; the engine counts the page it inflated
     * @throws MultifdException naming {@code page[index]} when the bytes are not raw deflate, end
     *                          before their deflate stream does, or inflate to more or less than a
     *                          page (bytes after the end of the stream are ignored, as libqpl does)
     */
    void decode(ChannelContext channel, int index, NativeBuffer in, int offset, int len, ByteBuffer page,
                QplCounters counters) throws MultifdException;

    /** Frees native memory and jobs; harmless when repeated. */
    @Override
    void close();

    /**
     * @param index a page index
     * @return the field name of the page's data, {@code page[index]}
     */
    static String pageField(int index) {
        return "page[" + index + "]";
    }
}
