package io.multifd.core.engine;

import io.multifd.core.image.BlockSpec;

import java.util.List;
import java.util.Optional;

/**
 * What the destination's main channel reports to the engine, whatever its format (our control
 * protocol, or a QEMU migration stream decoded by the QEMU-compatible mode).
 *
 * @since 0.1
 */
public sealed interface MainEvent {

    /**
     * The RAMBlocks, announced before any data packet may be applied. Our protocol carries them in
     * the hello (so this event never comes from it); a QEMU stream carries them in its RAM setup
     * record, before the first flush marker.
     *
     * @param blocks names and sizes, in order
     */
    record Blocks(List<BlockSpec> blocks) implements MainEvent {
        /**
         * Copies the list.
         *
         * @param blocks the blocks
         */
        public Blocks {
            blocks = List.copyOf(blocks);
        }
    }

    /**
     * A flush marker: every channel has written its SYNC packet number {@code number}.
     *
     * @param number the sync point, from 1
     */
    record Flush(long number) implements MainEvent {
    }

    /**
     * The end of the transfer: no more flush markers come, and the data channels close.
     *
     * @param summary the source's counts, when the format carries them (QEMU's does not)
     */
    record End(Optional<EndSummary> summary) implements MainEvent {
    }
}
