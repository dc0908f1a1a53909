package io.multifd.core.engine;

import io.multifd.core.image.Block;
import io.multifd.core.image.MemoryImage;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The work queue of one pass: hands out batches of up to {@code capacity} dirty pages of one block
 * to whichever channel asks first (an idle channel takes the next batch, so a slow channel never
 * holds up the others). Only page indices are chosen under the lock; reading the pages and
 * zero-page detection happen on the channel threads, in parallel.
 *
 * <p>For an image whose storage is releasable ({@link MemoryImage#mapForSending}) the cursor also
 * releases, as it hands out batches, the storage chunks this pass has moved past: those wholly
 * before the first page of the oldest batch still in a channel's hands (or before the next batch,
 * when none is). A channel asks for its next batch only once it has sent the last one, so no
 * thread holds a view of a released chunk; pages are handed out in order, so none is asked for
 * again in this pass. The release happens under the cursor's lock, before the next batch is
 * handed out.
 */
final class PassCursor {

    /** A channel's reserved batch: page indices of one block. Reused across batches. */
    static final class Reservation {
        Block block;
        final long[] pages;
        int count;
        /** The index of {@link #block} in the image, while the batch is in a channel's hands. */
        private int blockIndex;
        /** Whether the channel holding this reservation is still sending its batch. */
        private boolean inFlight;

        Reservation(int capacity) {
            this.pages = new long[capacity];
        }
    }

    private final List<Block> blocks;
    private final DirtyPages dirty;
    private final long total;
    private final AtomicLong done = new AtomicLong();
    private int blockIndex;
    private long nextPage;

    /** Every channel's reservation (to find the oldest batch in flight); empty when not releasing. */
    private final Reservation[] holders;
    private final int pageSize;
    /** Per block: where the next release starts, or -1 while this pass has handed out none of its pages. */
    private final long[] releaseFrom;
    /** Blocks before this one are released up to their end. */
    private int releaseBlock;

    /**
     * @param image   the image
     * @param dirty   the pages of this pass
     * @param holders every channel's reservation, the only ones {@link #next} is called with
     */
    PassCursor(MemoryImage image, DirtyPages dirty, Reservation... holders) {
        this.blocks = image.blocks();
        this.dirty = dirty;
        long t = 0;
        boolean releasing = false;
        for (Block b : blocks) {
            t += dirty.count(b);
            releasing |= b.releasable();
        }
        this.total = t;
        this.holders = releasing ? holders.clone() : new Reservation[0];
        this.pageSize = image.pageSize();
        this.releaseFrom = new long[blocks.size()];
        java.util.Arrays.fill(releaseFrom, -1);
    }

    /**
     * Reserves the next batch.
     *
     * @param r where to put it
     * @return false when the pass has no page left
     */
    synchronized boolean next(Reservation r) {
        r.count = 0;
        r.inFlight = false;
        boolean found = reserve(r);
        if (holders.length > 0) {
            releaseBehind();
        }
        return found;
    }

    private boolean reserve(Reservation r) {
        while (blockIndex < blocks.size()) {
            Block b = blocks.get(blockIndex);
            long p = nextPage < b.pages() ? dirty.nextDirty(b, nextPage) : -1;
            while (p >= 0 && r.count < r.pages.length) {
                r.pages[r.count++] = p;
                nextPage = p + 1;
                p = nextPage < b.pages() ? dirty.nextDirty(b, nextPage) : -1;
            }
            if (r.count > 0) {
                r.block = b;
                r.blockIndex = blockIndex;
                r.inFlight = true;
                if (releaseFrom[blockIndex] < 0) {
                    releaseFrom[blockIndex] = b.chunkStart(r.pages[0] * pageSize);
                }
                if (p < 0) {
                    blockIndex++;
                    nextPage = 0;
                }
                return true;
            }
            blockIndex++;
            nextPage = 0;
        }
        return false;
    }

    /** Releases the storage before the oldest batch in flight (or the next one) that this pass touched. */
    private void releaseBehind() {
        int fb = blockIndex;
        long fp = nextPage;
        for (Reservation h : holders) {
            if (h.inFlight && (h.blockIndex < fb || h.blockIndex == fb && h.pages[0] < fp)) {
                fb = h.blockIndex;
                fp = h.pages[0];
            }
        }
        for (; releaseBlock < fb; releaseBlock++) {
            if (releaseFrom[releaseBlock] >= 0) {
                blocks.get(releaseBlock).release(releaseFrom[releaseBlock], Long.MAX_VALUE);
            }
        }
        if (fb < blocks.size() && releaseFrom[fb] >= 0) {
            releaseFrom[fb] = blocks.get(fb).release(releaseFrom[fb], fp * pageSize);
        }
    }

    void done(int pages) {
        done.addAndGet(pages);
    }

    long total() {
        return total;
    }

    long done() {
        return done.get();
    }
}
