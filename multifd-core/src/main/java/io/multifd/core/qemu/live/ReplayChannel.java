package io.multifd.core.qemu.live;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * A connection whose first bytes were already read (to classify it) and are handed out again
 * before the rest.
 */
final class ReplayChannel implements ReadableByteChannel {

    private final ByteBuffer prefix;
    private final ReadableByteChannel rest;

    ReplayChannel(byte[] prefix, ReadableByteChannel rest) {
        this.prefix = ByteBuffer.wrap(prefix.clone());
        this.rest = rest;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (prefix.hasRemaining()) {
            int n = Math.min(prefix.remaining(), dst.remaining());
            dst.put(prefix.slice(prefix.position(), n));
            prefix.position(prefix.position() + n);
            return n;
        }
        return rest.read(dst);
    }

    @Override
    public boolean isOpen() {
        return rest.isOpen();
    }

    @Override
    public void close() throws IOException {
        rest.close();
    }
}
