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
     * The bytes of normal page {@code i}: a read-only buffer, position 0, limit {@code pageSize}.
     * It may be live memory that another thread changes (rule 2.7).
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
