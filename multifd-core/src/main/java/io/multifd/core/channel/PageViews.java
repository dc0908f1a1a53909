package io.multifd.core.channel;

import java.nio.ByteBuffer;

/**
 * One reused view per batch slot (API rule 2.9): {@link #view} points the view of a slot at a page
 * of a buffer, making a new view object only when the slot's page lies in another buffer than last
 * time (another storage chunk or block), so a steady transfer allocates nothing for its pages.
 */
final class PageViews {

    private final int pageSize;
    private final boolean readOnly;
    private final ByteBuffer[] views;
    private final ByteBuffer[] viewOf;

    /**
     * @param capacity the slots: pages per packet
     * @param pageSize the page size
     * @param readOnly whether the views are read-only (send side) or writable (receive side)
     */
    PageViews(int capacity, int pageSize, boolean readOnly) {
        this.pageSize = pageSize;
        this.readOnly = readOnly;
        this.views = new ByteBuffer[capacity];
        this.viewOf = new ByteBuffer[capacity];
    }

    /**
     * @param slot   the page's index in the batch
     * @param buffer the buffer holding the page (its position and limit are not touched)
     * @param at     where the page starts in it
     * @return the slot's view, spanning {@code at..at+pageSize}
     */
    ByteBuffer view(int slot, ByteBuffer buffer, int at) {
        return run(slot, buffer, at, 1);
    }

    /**
     * @param slot   the index in the batch of the run's first page
     * @param buffer the buffer holding the run
     * @param at     where the run starts in it
     * @param pages  the run's pages, back to back in {@code buffer}
     * @return the slot's view, spanning {@code at..at+pages*pageSize}
     */
    ByteBuffer run(int slot, ByteBuffer buffer, int at, int pages) {
        ByteBuffer v = views[slot];
        if (viewOf[slot] != buffer) {
            v = readOnly ? buffer.asReadOnlyBuffer() : buffer.duplicate();
            views[slot] = v;
            viewOf[slot] = buffer;
        }
        return v.limit(at + pages * pageSize).position(at);
    }

    /**
     * @param b a buffer
     * @return whether it is one of the views handed out (a view of destination memory)
     */
    boolean contains(ByteBuffer b) {
        for (ByteBuffer v : views) {
            if (v == b) {
                return true;
            }
        }
        return false;
    }
}
