package io.multifd.core.engine;

/**
 * A snapshot of a running transfer, for progress bars. Values are read without locks and may be
 * slightly stale.
 *
 * @param pass         the pass running (1 = first pass after the setup sync), 0 before
 * @param pagesDone    pages moved so far in this pass
 * @param pagesTotal   pages of this pass (for the destination: pages of the image)
 * @param wireBytes    bytes on the wire so far, all passes
 * @param elapsedNanos time since the start
 * @since 0.1
 */
public record Progress(long pass, long pagesDone, long pagesTotal, long wireBytes, long elapsedNanos) {

    /** @return the fraction done, 0..1 */
    public double fraction() {
        return pagesTotal == 0 ? 1 : Math.min(1.0, (double) pagesDone / pagesTotal);
    }
}
