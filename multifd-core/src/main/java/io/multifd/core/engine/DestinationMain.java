package io.multifd.core.engine;

import io.multifd.api.MultifdException;

/**
 * The destination side of the main channel, as the {@link DestinationSession} uses it.
 * {@link ControlLink} implements it for our control protocol; the QEMU-compatible mode implements
 * it over a QEMU migration stream ({@link MainEvent.Blocks} from the RAM setup record, a
 * {@link MainEvent.Flush} per {@code 0x200} record, {@link MainEvent.End} at {@code QEMU_VM_EOF}).
 *
 * @since 0.1
 */
public interface DestinationMain extends AutoCloseable {

    /**
     * Reads the next event. Blocks without a timeout: the main channel is idle for a whole pass.
     *
     * @return the event
     * @throws MultifdException when the source reports a failure, the stream is malformed, or
     *                          the connection ends or fails
     */
    MainEvent next() throws MultifdException;

    /**
     * Reports success to the source, when the format has a return path.
     *
     * @param summary a one-line summary
     * @throws MultifdException when the connection fails
     */
    default void done(String summary) throws MultifdException {
    }

    /**
     * Reports a failure to the source, best-effort and without blocking for long.
     *
     * @param reason the failure, naming channel and packet
     */
    default void abort(String reason) {
    }

    /** Closes the main channel. */
    @Override
    void close();
}
