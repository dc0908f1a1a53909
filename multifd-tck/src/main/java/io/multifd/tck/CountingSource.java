package io.multifd.tck;

import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * The receiving end of an in-memory connection: hands out the recorded bytes in small reads
 * (as a socket does) and counts how many were taken, so a check can tell that guard bytes after
 * the last payload stayed unread.
 */
final class CountingSource implements ReadableByteChannel {

    private final byte[] bytes;
    private final int end;
    private final int maxRead;
    private int position;
    private boolean open = true;

    /**
     * @param bytes   the stream
     * @param end     bytes available; reads past it see the end of the stream
     * @param maxRead the most bytes one read returns
     */
    CountingSource(byte[] bytes, int end, int maxRead) {
        this.bytes = bytes;
        this.end = end;
        this.maxRead = maxRead;
    }

    @Override
    public int read(ByteBuffer dst) {
        if (position >= end) {
            return -1;
        }
        int n = Math.min(Math.min(dst.remaining(), end - position), maxRead);
        dst.put(bytes, position, n);
        position += n;
        return n;
    }

    /** @return bytes read so far */
    int consumed() {
        return position;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        open = false;
    }
}
