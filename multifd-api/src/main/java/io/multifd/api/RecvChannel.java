package io.multifd.api;

import java.nio.ByteBuffer;

/**
 * The receive-side view of one channel, with the validated header of the packet being decoded.
 * Implemented by the framework only.
 *
 * @since 0.1
 */
public interface RecvChannel extends ChannelContext {

    /** @return the packet's flags; SYNC is never set inside {@code recv} */
    PacketFlags flags();

    /** @return the RAMBlock of the packet */
    String blockName();

    /** @return the number of normal pages, at least 1 inside {@code recv} */
    int normalCount();

    /**
     * @param i index {@code 0..normalCount-1}
     * @return the byte offset of normal page {@code i} in the RAMBlock
     */
    long normalOffset(int i);

    /** @return the number of zero pages (already written by the framework) */
    int zeroCount();

    /**
     * @param i index {@code 0..zeroCount-1}
     * @return the byte offset of zero page {@code i}
     */
    long zeroOffset(int i);

    /** @return {@code next_packet_size}: the payload bytes of this packet, already bounded */
    int nextPacketSize();

    /** @return payload bytes not yet read */
    int payloadRemaining();

    /**
     * Reads exactly {@code dst.remaining()} payload bytes into {@code dst}, advancing its position
     * (rule 3.3). Blocks until they arrived.
     *
     * @param dst where to put them; may be a {@link #pageBuffer(int) page buffer}, to read raw
     *            pages straight into the destination
     * @throws MultifdException when {@code dst.remaining()} exceeds {@link #payloadRemaining()},
     *                          when the stream ends early or the connection fails
     */
    void readPayload(ByteBuffer dst) throws MultifdException;

    /**
     * The destination of normal page {@code i}: a writable buffer whose {@code position..limit}
     * span exactly the page ({@code pageSize} bytes), usually a view of the mapped destination
     * image (rule 3.4). The position is not necessarily 0: use relative operations, or absolute
     * ones counted from {@code position()}.
     *
     * <p>The framework reuses the view objects (no allocation per page): each call returns the
     * view of slot {@code i}, set to span page {@code i} again. It is valid until {@code recv}
     * returns; do not keep it.
     *
     * @param i index {@code 0..normalCount-1}
     * @return the page's buffer
     */
    ByteBuffer pageBuffer(int i);

    /**
     * The destination of a run of normal pages from page {@code i} on: a writable buffer whose
     * {@code position..limit} span pages {@code i, i+1, ..., i+k-1} back to back ({@code k}
     * whole pages, {@code k >= 1}, {@code k = remaining() / pageSize}), because their offsets
     * follow each other in the RAMBlock and the framework stores them side by side. Writing the
     * run's bytes is writing those pages (rule 3.4): a method may decode or copy {@code k} pages in
     * one call instead of {@code k}. The next page to handle is {@code i + k}.
     *
     * <p>The same reuse rules as {@link #pageBuffer(int)} hold (rule 2.9): the view object may be
     * the one of slot {@code i}, valid until {@code recv} returns or the next call for that slot.
     * The default, for channels that do not group pages, is the run of one page,
     * {@code pageBuffer(i)}.
     *
     * @param i index {@code 0..normalCount-1}
     * @return the run's buffer
     * @since API version 3
     */
    default ByteBuffer pageRun(int i) {
        return pageBuffer(i);
    }
}
