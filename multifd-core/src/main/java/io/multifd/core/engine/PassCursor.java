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
 */
final class PassCursor {

    /** A channel's reserved batch: page indices of one block. Reused across batches. */
    static final class Reservation {
        Block block;
        final long[] pages;
        int count;

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

    PassCursor(MemoryImage image, DirtyPages dirty) {
        this.blocks = image.blocks();
        this.dirty = dirty;
        long t = 0;
        for (Block b : blocks) {
            t += dirty.count(b);
        }
        this.total = t;
    }

    /**
     * Reserves the next batch.
     *
     * @param r where to put it
     * @return false when the pass has no page left
     */
    synchronized boolean next(Reservation r) {
        r.count = 0;
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
