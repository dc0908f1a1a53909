package io.multifd.core.engine;

import io.multifd.api.MultifdException;

import java.util.function.Consumer;

/**
 * The source side of the main channel, as the {@link SourceSession} uses it. {@link ControlLink}
 * implements it for our control protocol; the QEMU-compatible mode implements it by writing a
 * QEMU migration stream (QEVM header, RAM setup, a {@code 0x200} record per flush, EOF).
 *
 * <p>Calls come from the session's caller thread ({@link #flush}, {@link #end},
 * {@link #awaitVerdict}) and from any thread that fails the session ({@link #abort}).
 *
 * @since 0.1
 */
public interface SourceMain extends AutoCloseable {

    /**
     * Starts watching the main channel for a failure report of the destination (our protocol
     * reads the return direction on its own thread). Called once, before the first flush.
     *
     * @param peerFailure receives the destination's failure, or the loss of the main channel
     */
    default void watch(Consumer<MultifdException> peerFailure) {
    }

    /**
     * Writes the flush marker of sync point {@code number}; called after every channel wrote
     * that SYNC packet (spec §6.2 step 4).
     *
     * @param number the sync point, from 1
     * @throws MultifdException when the connection fails
     */
    void flush(long number) throws MultifdException;

    /**
     * Writes the end of the transfer.
     *
     * @param summary what was sent
     * @throws MultifdException when the connection fails
     */
    void end(EndSummary summary) throws MultifdException;

    /**
     * Waits for the destination's verdict after {@link #end}; returns at once when the format has
     * no return path (QEMU precopy).
     *
     * @return the destination's summary line, or empty
     * @throws MultifdException when the destination reports a failure, closes the connection or
     *                          does not answer within the finish timeout
     */
    default String awaitVerdict() throws MultifdException {
        return "";
    }

    /**
     * Tells the destination that the transfer failed, best-effort and without blocking for long.
     *
     * @param reason the failure, naming channel and packet
     */
    void abort(String reason);

    /** Closes the main channel. */
    @Override
    void close();
}
