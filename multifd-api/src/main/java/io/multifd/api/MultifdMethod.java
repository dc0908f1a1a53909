package io.multifd.api;

import java.util.Map;

/**
 * The six hooks of a compression method, called by the framework per channel in the order
 * {@code sendSetup sendPrepare* sendCleanup} and {@code recvSetup recv* recvCleanup}. See the
 * package documentation for the numbered rules cited here.
 *
 * <p>One instance serves all channels of a transfer, concurrently; everything per channel lives
 * in {@link ChannelContext#state()}.
 *
 * @since 0.1
 */
public interface MultifdMethod {

    /**
     * Prepares one channel for sending (rule 2.1).
     *
     * <p>Called by the framework once per channel, on that channel's thread, after the channel's
     * connection exists and before its first packet. Must declare the most payload buffers one
     * packet uses with {@link SendChannel#setIovSlots(int)}, may set write flags, and may put its
     * compressor and owned output buffers into the state slot. If it throws, the framework calls
     * {@link #sendCleanup(SendChannel)} and fails the transfer (rule 1.4).
     *
     * @param channel the channel's view
     * @throws MultifdException when the compressor cannot be created
     */
    void sendSetup(SendChannel channel) throws MultifdException;

    /**
     * Releases what {@link #sendSetup(SendChannel)} allocated (rules 1.4, 1.5).
     *
     * <p>Called once per channel on the channel thread at the end of the transfer, also after a
     * failed setup or a failed {@code sendPrepare}. Must free native contexts and owned buffers,
     * must leave the state slot {@code null}, must not throw, and must be harmless when called
     * again.
     *
     * @param channel the channel's view
     */
    void sendCleanup(SendChannel channel);

    /**
     * Builds the payload of one RAM packet (rules 2.2 to 2.8).
     *
     * <p>Called on the channel thread once per data packet, also when the batch holds zero pages
     * only, never for SYNC packets. The framework has done zero-page detection: the batch's
     * normal pages are the ones to send. The hook must, in this order: add the payload buffers
     * ({@link SendChannel#addPayload}), set the payload size
     * ({@link SendChannel#setNextPacketSize(int)}), set its flag
     * ({@link SendChannel#setCompression(MethodFlag)}), and last call
     * {@link SendChannel#fillPacket()}. The framework then writes header and payload with one
     * gather write and checks the size and the flag.
     *
     * @param channel the channel's view, with the batch of this packet
     * @throws MultifdException when compression fails
     */
    void sendPrepare(SendChannel channel) throws MultifdException;

    /**
     * Prepares one channel for receiving (rule 3.1).
     *
     * <p>Called by the framework once per channel, on the channel thread, before the channel's
     * first packet is read. May allocate the decompressor and an input buffer of
     * {@link #maxPayloadSize(int, int) maxPayloadSize(packetCapacity, pageSize)} bytes into the
     * state slot. If it throws, {@link #recvCleanup(RecvChannel)} follows (rule 1.4).
     *
     * @param channel the channel's view
     * @throws MultifdException when the decompressor cannot be created
     */
    void recvSetup(RecvChannel channel) throws MultifdException;

    /**
     * Releases what {@link #recvSetup(RecvChannel)} allocated (rules 1.4, 1.5, 3.6). Same terms
     * as {@link #sendCleanup(SendChannel)}.
     *
     * @param channel the channel's view
     */
    void recvCleanup(RecvChannel channel);

    /**
     * Decodes the payload of one RAM packet into its pages (rules 3.2 to 3.5).
     *
     * <p>Called on the channel thread for each packet that lists at least one normal page, after
     * the framework validated the header, checked the compression field against {@link
     * MethodProvider#flag()} and wrote the zero pages. Must read exactly
     * {@link RecvChannel#nextPacketSize()} bytes with {@link RecvChannel#readPayload} and write
     * every normal page {@code i} fully into {@link RecvChannel#pageBuffer(int)}.
     *
     * @param channel the channel's view, with the parsed header of this packet
     * @throws MultifdException when the payload is malformed, built with
     *                          {@link ChannelContext#failure(String, String)}
     */
    void recv(RecvChannel channel) throws MultifdException;

    /**
     * The largest payload this method can produce for {@code normalPages} pages (rules 2.4,
     * 3.2). The receiver rejects a larger {@code next_packet_size} before reading or allocating
     * anything, so this must be a true upper bound and should be tight.
     *
     * @param normalPages number of normal pages, {@code 0..packetCapacity}
     * @param pageSize    the page size
     * @return the bound in bytes; 0 when {@code normalPages == 0}
     */
    int maxPayloadSize(int normalPages, int pageSize);

    /**
     * Which engine this instance encodes with, e.g. {@code "libqpl software path"} or
     * {@code "java.util.zip"}, for statistics and {@code methods}.
     *
     * @return a short description
     */
    default String engine() {
        return "java";
    }

    /**
     * Method-specific counters of one channel, e.g. pages compressed on hardware, on software, sent
     * raw. Called by the framework on the channel thread before cleanup.
     *
     * @param channel the channel's view
     * @return counter name to value; empty by default
     */
    default Map<String, Long> counters(ChannelContext channel) {
        return Map.of();
    }
}
