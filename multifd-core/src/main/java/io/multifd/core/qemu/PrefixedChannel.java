package io.multifd.core.qemu;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/** Replays bytes already read from a connection (while classifying or peeking), then reads on. */
final class PrefixedChannel implements ReadableByteChannel {

    private final ByteBuffer prefix;
    private final ReadableByteChannel rest;

    PrefixedChannel(byte[] prefix, int length, ReadableByteChannel rest) {
        this.prefix = ByteBuffer.wrap(prefix, 0, length).slice();
        this.rest = rest;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (prefix.hasRemaining()) {
            int n = Math.min(prefix.remaining(), dst.remaining());
            ByteBuffer part = prefix.slice(prefix.position(), n);
            dst.put(part);
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
