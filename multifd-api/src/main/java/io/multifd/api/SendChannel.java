package io.multifd.api;

import java.nio.ByteBuffer;
import java.util.Set;

/**
 * The send-side view of one channel: QEMU's per-channel parameter block as a method sees it.
 * Implemented by the framework only.
 *
 * @since 0.1
 */
public interface SendChannel extends ChannelContext {

    /**
     * Declares the most payload buffers one packet will add (QEMU's {@code p->iov} allocation: none
     * uses {@code packetCapacity}, zlib and zstd 1, qpl {@code packetCapacity + 1}). Must be called
     * in {@code sendSetup} (rule 2.1); the framework keeps one extra slot for the header.
     *
     * @param slots at least 1
     */
    void setIovSlots(int slots);

    /** @return the slots declared in setup, or 0 before */
    int iovSlots();

    /**
     * Sets the write hints for this channel; may be called in {@code sendSetup}.
     *
     * @param flags the hints
     */
    void setWriteFlags(Set<WriteFlag> flags);

    /** @return the batch of the packet being built; only valid inside {@code sendPrepare} */
    PageBatch batch();

    /**
     * Appends a payload buffer: its bytes from position to limit are written after the header.
     * The buffer must stay unchanged until the next hook call on this channel (rule 2.7).
     *
     * @param payload the bytes to send
     * @throws IllegalStateException when more buffers are added than declared slots
     */
    void addPayload(ByteBuffer payload);

    /**
     * Sets {@code next_packet_size} (rule 2.4).
     *
     * @param bytes the exact payload size
     */
    void setNextPacketSize(int bytes);

    /** @return the payload size set so far in this packet */
    int nextPacketSize();

    /**
     * Sets the compression field of this packet (rule 2.5).
     *
     * @param flag the method's flag
     */
    void setCompression(MethodFlag flag);

    /** @return the flags of the packet being built */
    PacketFlags flags();

    /**
     * Serialises the header: magic, version, flags, counts, {@code next_packet_size}, a fresh
     * {@code packet_num}, RAMBlock name and offsets (rule 2.6). Must be the last call of
     * {@code sendPrepare}.
     */
    void fillPacket();
}
