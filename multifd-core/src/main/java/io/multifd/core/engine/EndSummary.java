package io.multifd.core.engine;

/**
 * What the source says it sent, in the end-of-transfer record, so the destination can cross-check
 * its own counts: a dropped or duplicated packet shows up here even when every page arrived.
 *
 * @param flushes     flush markers written on the main channel (setup sync included)
 * @param dataPackets RAM data packets on all channels (SYNC packets not counted)
 * @param normalPages normal pages sent
 * @param zeroPages   zero pages listed
 * @since 0.1
 */
public record EndSummary(long flushes, long dataPackets, long normalPages, long zeroPages) {

    /**
     * Checks the counts.
     *
     * @param flushes     flushes
     * @param dataPackets data packets
     * @param normalPages normal pages
     * @param zeroPages   zero pages
     */
    public EndSummary {
        if (flushes < 0 || dataPackets < 0 || normalPages < 0 || zeroPages < 0) {
            throw new IllegalArgumentException("end summary counts must not be negative");
        }
    }
}
