package io.multifd.core.qemu;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * A connection whose first bytes were already read (to classify it or peek at it): hands those
 * bytes out again, then reads on from the connection. The prefix is copied, so the caller may
 * reuse its array.
 *
 * @since 0.1
 */
public final class PrefixedChannel implements ReadableByteChannel {

    private final ByteBuffer prefix;
    private final ReadableByteChannel rest;

    /**
     * Replays all of {@code prefix}, then reads {@code rest}.
     *
     * @param prefix the bytes already read
     * @param rest   the connection they were read from
     */
    public PrefixedChannel(byte[] prefix, ReadableByteChannel rest) {
        this(prefix, prefix.length, rest);
    }

    /**
     * Replays the first {@code length} bytes of {@code prefix}, then reads {@code rest}.
     *
     * @param prefix the bytes already read
     * @param length how many of them to replay
     * @param rest   the connection they were read from
     */
    public PrefixedChannel(byte[] prefix, int length, ReadableByteChannel rest) {
        this.prefix = ByteBuffer.wrap(Arrays.copyOf(prefix, length));
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
