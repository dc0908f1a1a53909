package io.multifd.core.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * A connection whose reads and writes a {@link Watchdog} times. When one makes no progress for
 * longer than its timeout, the watchdog closes the connection and the blocked call fails with an
 * {@code IOException} saying so (instead of a bare {@code AsynchronousCloseException}).
 */
final class WatchedChannel implements ByteChannel, GatheringByteChannel {

    private final ByteChannel delegate;
    private final String label;
    private volatile long readTimeoutNanos;
    private final long writeTimeoutNanos;
    private volatile long readSince;
    private volatile long writeSince;
    private volatile String expiredReason;

    WatchedChannel(ByteChannel delegate, String label, long readTimeoutNanos, long writeTimeoutNanos) {
        this.delegate = delegate;
        this.label = label;
        this.readTimeoutNanos = readTimeoutNanos;
        this.writeTimeoutNanos = writeTimeoutNanos;
    }

    /** @return the wrapped connection */
    ByteChannel delegate() {
        return delegate;
    }

    /** @return the label used in messages */
    String label() {
        return label;
    }

    /**
     * Changes the read timeout, e.g. for the long wait of the source for the destination's verdict.
     *
     * @param nanos the timeout, {@link Long#MAX_VALUE} for none
     */
    void setReadTimeoutNanos(long nanos) {
        this.readTimeoutNanos = nanos;
    }

    boolean isExpired(long now) {
        long r = readSince;
        long w = writeSince;
        return expiredReason == null
                && ((r != 0 && now - r > readTimeoutNanos) || (w != 0 && now - w > writeTimeoutNanos));
    }

    void expire() {
        long now = System.nanoTime();
        long r = readSince;
        boolean reading = r != 0 && now - r > readTimeoutNanos;
        long timeout = reading ? readTimeoutNanos : writeTimeoutNanos;
        expiredReason = (reading ? "no data arrived on " + label + " for "
                : "the peer has not read from " + label + " for ") + seconds(timeout)
                + " (timeout); the connection was closed";
        closeQuietly();
    }

    private static String seconds(long nanos) {
        long ms = TimeUnit.NANOSECONDS.toMillis(nanos);
        return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format("%.1f s", ms / 1000.0);
    }

    private IOException translate(IOException e) {
        String reason = expiredReason;
        if (reason != null) {
            return new IOException(reason, e);
        }
        if (e instanceof ClosedChannelException) {
            return new IOException(label + " was closed", e);
        }
        return e;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        readSince = System.nanoTime();
        try {
            return delegate.read(dst);
        } catch (IOException e) {
            throw translate(e);
        } finally {
            readSince = 0;
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        writeSince = System.nanoTime();
        try {
            return delegate.write(src);
        } catch (IOException e) {
            throw translate(e);
        } finally {
            writeSince = 0;
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        writeSince = System.nanoTime();
        try {
            if (delegate instanceof GatheringByteChannel g) {
                return g.write(srcs, offset, length);
            }
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += delegate.write(srcs[i]);
                if (srcs[i].hasRemaining()) {
                    break;
                }
            }
            return n;
        } catch (IOException e) {
            throw translate(e);
        } finally {
            writeSince = 0;
        }
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }

    /**
     * Ends the write direction (TCP FIN, or TLS close_notify) when the connection is a socket;
     * else does nothing.
     */
    void shutdownOutput() {
        try {
            if (delegate instanceof SocketChannel s) {
                s.shutdownOutput();
            } else if (delegate instanceof io.multifd.core.tls.TlsChannel t) {
                t.shutdownOutput();
            }
        } catch (IOException ignored) {
            // already closed or reset: nothing left to end
        }
    }

    @Override
    public boolean isOpen() {
        return delegate.isOpen();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }

    /** Closes without reporting failure (teardown). */
    void closeQuietly() {
        try {
            delegate.close();
        } catch (IOException ignored) {
            // teardown: the connection is unusable either way
        }
    }

    @Override
    public String toString() {
        return label;
    }
}
