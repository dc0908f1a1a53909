package io.multifd.tck;

import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;

/** The sending end of an in-memory connection: keeps every byte written. */
final class WireRecorder implements WritableByteChannel {

    private byte[] bytes = new byte[8192];
    private int size;
    private boolean open = true;

    @Override
    public int write(ByteBuffer src) {
        int n = src.remaining();
        if (size + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(size + n, bytes.length * 2));
        }
        src.get(bytes, size, n);
        size += n;
        return n;
    }

    /** @return bytes written so far */
    int size() {
        return size;
    }

    /** @return the live buffer; valid up to {@link #size()} until the next write */
    byte[] buffer() {
        return bytes;
    }

    /** @return a copy of everything written */
    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
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
