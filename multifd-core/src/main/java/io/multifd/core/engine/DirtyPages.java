package io.multifd.core.engine;

import io.multifd.core.image.Block;

import java.util.BitSet;
import java.util.Map;

/**
 * The pages a pass sends: all of them in the first pass of an iterative pre-copy, the pages
 * written since the previous pass in each later one.
 *
 * <p>Called from the threads of a running pass (under the session's lock, one call at a time);
 * the set must not change while the pass runs.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface DirtyPages {

    /**
     * The first dirty page of a block at or after a page index.
     *
     * @param block    the block
     * @param fromPage a page index, {@code 0..block.pages()}
     * @return the index of the next dirty page, or -1 when none remains in this block
     */
    long nextDirty(Block block, long fromPage);

    /**
     * How many pages of a block this pass sends, for progress. The default counts with
     * {@link #nextDirty(Block, long)}.
     *
     * @param block the block
     * @return the number of dirty pages
     */
    default long count(Block block) {
        long n = 0;
        for (long p = nextDirty(block, 0); p >= 0; p = nextDirty(block, p + 1)) {
            n++;
        }
        return n;
    }

    /** @return every page of every block (the first pass) */
    static DirtyPages all() {
        return new DirtyPages() {
            @Override
            public long nextDirty(Block block, long fromPage) {
                return fromPage < block.pages() ? fromPage : -1;
            }

            @Override
            public long count(Block block) {
                return block.pages();
            }

            @Override
            public String toString() {
                return "all pages";
            }
        };
    }

    /** @return no page (a pass that only syncs) */
    static DirtyPages none() {
        return new DirtyPages() {
            @Override
            public long nextDirty(Block block, long fromPage) {
                return -1;
            }

            @Override
            public long count(Block block) {
                return 0;
            }

            @Override
            public String toString() {
                return "no pages";
            }
        };
    }

    /**
     * Dirty pages given as one bit set of page indices per block name; blocks not in the map have
     * no dirty page. Bits past a block's last page are ignored. The map and sets are used as they
     * are, not copied.
     *
     * @param byBlock block name to the set of dirty page indices
     * @return the dirty pages
     */
    static DirtyPages of(Map<String, BitSet> byBlock) {
        return new DirtyPages() {
            @Override
            public long nextDirty(Block block, long fromPage) {
                BitSet b = byBlock.get(block.name());
                if (b == null || fromPage >= block.pages() || fromPage > Integer.MAX_VALUE) {
                    return -1;
                }
                int next = b.nextSetBit((int) fromPage);
                return next < 0 || next >= block.pages() ? -1 : next;
            }

            @Override
            public long count(Block block) {
                BitSet b = byBlock.get(block.name());
                if (b == null) {
                    return 0;
                }
                long pages = block.pages();
                return pages >= b.length() ? b.cardinality()
                        : b.get(0, (int) Math.min(pages, Integer.MAX_VALUE)).cardinality();
            }

            @Override
            public String toString() {
                return "dirty pages of " + byBlock.keySet();
            }
        };
    }
}
