package io.multifd.core.channel;

import io.multifd.api.MultifdException;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The destination's sync barrier of spec §6.3, both halves.
 *
 * <p>A channel thread that reads its k-th SYNC packet calls {@link #channelSynced(int)}, which
 * blocks until the main thread has passed the k-th flush marker. The main thread, on its k-th
 * flush marker, calls {@link #flush()}, which blocks until every channel has reached its k-th SYNC
 * and then releases them all. So no channel applies a page of pass k+1 before all channels
 * finished pass k, and a newer copy of a page is never overwritten by an older one.
 *
 * <p>Nothing here hangs: any party can {@link #fail(MultifdException) fail} the barrier, which wakes
 * every waiter with that error; a channel that {@link #channelEnded(int) ends} before a SYNC the
 * main thread waits for fails the flush; and every wait has a stall timeout.
 *
 * @since 0.1
 */
public final class SyncBarrier {

    private final int channels;
    private final long stallNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final long[] reached;
    private final boolean[] ended;
    private long released;
    private boolean mainEnded;
    private MultifdException failure;

    /**
     * A barrier for a transfer.
     *
     * @param channels     the number of channels
     * @param stallTimeout how long any party may wait for the others before the barrier fails
     * @param unit         unit of {@code stallTimeout}
     */
    public SyncBarrier(int channels, long stallTimeout, TimeUnit unit) {
        this.channels = channels;
        this.stallNanos = unit.toNanos(stallTimeout);
        this.reached = new long[channels];
        this.ended = new boolean[channels];
    }

    /**
     * Channel side: this channel read its next SYNC packet. Blocks until the main thread released
     * this sync point.
     *
     * @param channel the channel id
     * @throws MultifdException when the barrier failed or stalled
     */
    public void channelSynced(int channel) throws MultifdException {
        lock.lock();
        try {
            long k = ++reached[channel];
            changed.signalAll();
            long deadline = System.nanoTime() + stallNanos;
            while (released < k) {
                checkFailed();
                if (mainEnded) {
                    throw fail(new MultifdException(null, channel, MultifdException.NO_PACKET, "sync",
                            "channel " + channel + " sent SYNC " + k + " but the main channel ended after "
                                    + released + " flush markers", null));
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw fail(new MultifdException(null, channel, MultifdException.NO_PACKET, "sync",
                            "channel " + channel + " waited " + TimeUnit.NANOSECONDS.toSeconds(stallNanos)
                                    + " s at SYNC " + k + " for the main channel's flush marker " + k, null));
                }
                changed.awaitNanos(left);
            }
            checkFailed();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail(new MultifdException(null, channel, MultifdException.NO_PACKET, "sync",
                    "interrupted while waiting at a sync point", e));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Main side: the main stream reached its next flush marker. Blocks until every channel has
     * reached the matching SYNC, then releases them.
     *
     * @return the number of this sync point, from 1
     * @throws MultifdException when a channel ended or stalled before its SYNC, or the barrier
     *                          failed
     */
    public long flush() throws MultifdException {
        lock.lock();
        try {
            long k = released + 1;
            long deadline = System.nanoTime() + stallNanos;
            while (true) {
                checkFailed();
                int missing = -1;
                for (int c = 0; c < channels; c++) {
                    if (reached[c] < k) {
                        if (ended[c]) {
                            throw fail(new MultifdException(null, c, MultifdException.NO_PACKET, "sync",
                                    "channel " + c + " ended after " + reached[c] + " SYNC packets, but the main "
                                            + "channel has flush marker " + k, null));
                        }
                        missing = c;
                    }
                }
                if (missing < 0) {
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw fail(new MultifdException(null, missing, MultifdException.NO_PACKET, "sync",
                            "the main channel waited " + TimeUnit.NANOSECONDS.toSeconds(stallNanos)
                                    + " s at flush marker " + k + " for channel " + missing + "'s SYNC " + k, null));
                }
                changed.awaitNanos(left);
            }
            released = k;
            changed.signalAll();
            return k;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail(new MultifdException("interrupted while waiting at flush marker", e));
        } finally {
            lock.unlock();
        }
    }

    /**
     * A channel ended cleanly (EOF at a packet boundary). A flush waiting for it fails.
     *
     * @param channel the channel id
     */
    public void channelEnded(int channel) {
        lock.lock();
        try {
            ended[channel] = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The main stream ended: a channel that reaches a SYNC without a matching flush marker fails
     * instead of waiting.
     */
    public void mainEnded() {
        lock.lock();
        try {
            mainEnded = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fails the barrier: every present and future waiter gets {@code cause}. The first failure
     * wins.
     *
     * @param cause what went wrong
     * @return the failure that the barrier holds (the first one)
     */
    public MultifdException fail(MultifdException cause) {
        lock.lock();
        try {
            if (failure == null) {
                failure = cause;
            }
            changed.signalAll();
            return failure;
        } finally {
            lock.unlock();
        }
    }

    private void checkFailed() throws MultifdException {
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Checks the end state of a complete transfer: every channel sent exactly one SYNC per flush
     * marker of the main channel.
     *
     * @throws MultifdException naming the channel whose count differs
     */
    public void checkComplete() throws MultifdException {
        lock.lock();
        try {
            checkFailed();
            for (int c = 0; c < channels; c++) {
                if (reached[c] != released) {
                    throw new MultifdException(null, c, MultifdException.NO_PACKET, "sync",
                            "channel " + c + " sent " + reached[c] + " SYNC packets, the main channel had "
                                    + released + " flush markers", null);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** @return the sync points released so far */
    public long released() {
        lock.lock();
        try {
            return released;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "SyncBarrier{released=" + released + ", reached=" + Arrays.toString(reached) + "}";
        } finally {
            lock.unlock();
        }
    }
}
