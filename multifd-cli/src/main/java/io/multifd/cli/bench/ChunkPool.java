package io.multifd.cli.bench;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Direct chunks reused from run to run. Touching fresh memory is expensive on some virtual
 * machines (first-touch page faults cost more than the codecs), so the benchmark allocates its
 * memory once, before timing, and keeps it.
 */
final class ChunkPool {

    static final int CHUNK = 4 << 20;

    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();

    /** Allocates (and so touches) enough chunks for {@code bytes}. */
    synchronized void reserve(long bytes) {
        long have = (long) free.size() * CHUNK;
        while (have < bytes) {
            free.add(ByteBuffer.allocateDirect(CHUNK));
            have += CHUNK;
        }
    }

    synchronized ByteBuffer take() {
        ByteBuffer b = free.poll();
        return b == null ? ByteBuffer.allocateDirect(CHUNK) : b.clear();
    }

    synchronized void give(ByteBuffer b) {
        free.add(b);
    }
}
