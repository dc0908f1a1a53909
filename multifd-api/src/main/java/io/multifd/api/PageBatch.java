package io.multifd.api;

import java.nio.ByteBuffer;

/**
 * The pages of one packet on the send side: all of one RAMBlock, already split by the framework
 * into normal pages (to send) and zero pages (listed only). Valid only during the
 * {@code sendPrepare} call that received it.
 *
 * @since 0.1
 */
public interface PageBatch {

    /** @return the RAMBlock name (at most 255 bytes of UTF-8) */
    String blockName();

    /** @return the number of normal pages, {@code 0..packetCapacity} */
    int normalCount();

    /**
     * @param i index {@code 0..normalCount-1}
     * @return the byte offset of normal page {@code i} in its RAMBlock
     */
    long normalOffset(int i);

    /**
     * The bytes of normal page {@code i}: a read-only buffer whose {@code position..limit} span
     * exactly the page ({@code pageSize} bytes). The position is not necessarily 0: use relative
     * operations, or absolute ones counted from {@code position()} (rule 2.9). It may be live
     * memory that another thread changes (rule 2.7).
     *
     * <p>The framework reuses the view objects (no allocation per page): each call returns the
     * view of slot {@code i}, set to span page {@code i} again. The view stays valid, and is not
     * handed out for another page, until the packet was written; a method may add it as payload
     * ({@code none} does) or change its position while reading it.
     *
     * @param i index {@code 0..normalCount-1}
     * @return the page
     */
    ByteBuffer normalPage(int i);

    /** @return the number of zero pages */
    int zeroCount();

    /**
     * @param i index {@code 0..zeroCount-1}
     * @return the byte offset of zero page {@code i}
     */
    long zeroOffset(int i);
}
