package io.multifd.core.tls;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.GatheringByteChannel;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A blocking byte channel over a TLS socket whose handshake is done. {@link #shutdownOutput()}
 * sends {@code close_notify} and keeps reading; {@link #close()} sends it (if not sent yet) and
 * closes the connection. A peer that cuts the connection without {@code close_notify} makes a
 * read fail with an {@link IOException} rather than return end-of-stream (JSSE's check, which
 * QEMU makes too). Closing never blocks for long: when {@code close_notify} cannot be written
 * within {@value #CLOSE_GRACE_MILLIS} ms (a peer that stopped reading), the TCP connection is
 * closed under it.
 *
 * @since 0.1
 */
public final class TlsChannel implements ByteChannel, GatheringByteChannel {

    /** How long {@link #close()} may wait to write {@code close_notify}. */
    public static final long CLOSE_GRACE_MILLIS = 2000;

    /** One shared daemon thread, gone after a second without closes. */
    private static final ScheduledExecutorService GUARD = guard();

    private static ScheduledExecutorService guard() {
        java.util.concurrent.ScheduledThreadPoolExecutor e = new java.util.concurrent.ScheduledThreadPoolExecutor(1,
                r -> {
                    Thread t = new Thread(r, "tls-close-guard");
                    t.setDaemon(true);
                    return t;
                });
        e.setKeepAliveTime(1, TimeUnit.SECONDS);
        e.allowCoreThreadTimeOut(true);
        e.setRemoveOnCancelPolicy(true);
        return e;
    }

    private final SSLSocket socket;
    private final java.net.Socket plain;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buffer = new byte[64 * 1024];
    private volatile boolean open = true;

    /**
     * Wraps a socket.
     *
     * @param socket the TLS socket, handshake done
     * @param plain  the TCP socket under it (closed hard if {@code close_notify} cannot be sent)
     * @throws IOException when its streams cannot be opened
     */
    public TlsChannel(SSLSocket socket, java.net.Socket plain) throws IOException {
        this.socket = socket;
        this.plain = plain;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** @return the TLS socket */
    public SSLSocket socket() {
        return socket;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        if (dst.hasArray()) {
            int n = in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
            if (n > 0) {
                dst.position(dst.position() + n);
            }
            return n;
        }
        int n = in.read(buffer, 0, Math.min(buffer.length, dst.remaining()));
        if (n > 0) {
            dst.put(buffer, 0, n);
        }
        return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
        int n = src.remaining();
        if (src.hasArray()) {
            out.write(src.array(), src.arrayOffset() + src.position(), n);
            src.position(src.limit());
        } else {
            while (src.hasRemaining()) {
                int k = Math.min(buffer.length, src.remaining());
                src.get(buffer, 0, k);
                out.write(buffer, 0, k);
            }
        }
        out.flush();
        return n;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
        long n = 0;
        for (int i = offset; i < offset + length; i++) {
            ByteBuffer src = srcs[i];
            n += src.remaining();
            if (src.hasArray()) {
                out.write(src.array(), src.arrayOffset() + src.position(), src.remaining());
                src.position(src.limit());
            } else {
                while (src.hasRemaining()) {
                    int k = Math.min(buffer.length, src.remaining());
                    src.get(buffer, 0, k);
                    out.write(buffer, 0, k);
                }
            }
        }
        out.flush();
        return n;
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }

    /**
     * Sends {@code close_notify}: the peer reads end-of-stream; this side can still read.
     *
     * @throws IOException when the connection failed
     */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() throws IOException {
        open = false;
        ScheduledFuture<?> hard = GUARD.schedule(() -> {
            try {
                plain.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        try {
            socket.close();
        } finally {
            hard.cancel(false);
        }
    }
}
