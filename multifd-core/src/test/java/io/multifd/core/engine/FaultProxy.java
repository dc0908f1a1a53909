package io.multifd.core.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy that can reset one connection (numbered in accept order: 0 is the main channel)
 * after it forwarded a number of bytes from the client: both of its sockets are closed with
 * SO_LINGER 0, so both peers see a reset.
 */
final class FaultProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final int cutConnection;
    private final long cutAfter;
    private final List<Socket> sockets = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final Thread acceptor;
    private boolean closed;
    private volatile java.util.function.IntConsumer beforeConnect = n -> { };
    private volatile int slowConnection = -1;
    private volatile long slowBytesPerSecond;

    FaultProxy(InetSocketAddress target, int cutConnection, long cutAfter) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.target = target;
        this.cutConnection = cutConnection;
        this.cutAfter = cutAfter;
        this.acceptor = new Thread(this::acceptLoop, "proxy-accept");
        acceptor.start();
    }

    /** Runs an action with the connection number before each connection is forwarded upstream. */
    FaultProxy beforeConnect(java.util.function.IntConsumer action) {
        this.beforeConnect = action;
        return this;
    }

    /**
     * Throttles one connection's client-to-server direction (with small socket buffers on the
     * proxy, so the sender feels it soon).
     */
    FaultProxy throttle(int connection, long bytesPerSecond) {
        this.slowBytesPerSecond = bytesPerSecond;
        this.slowConnection = connection;
        return this;
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    private void acceptLoop() {
        try {
            while (true) {
                Socket client = server.accept();
                if (!register(client)) {
                    return;
                }
                beforeConnect.accept(accepted.get());
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                int n = accepted.getAndIncrement();
                if (!register(upstream)) {
                    return;
                }
                long limit = n == cutConnection ? cutAfter : Long.MAX_VALUE;
                long rate = n == slowConnection ? slowBytesPerSecond : 0;
                if (rate > 0) {
                    client.setReceiveBufferSize(32 << 10);
                }
                start(() -> pump(client, upstream, limit, rate), "proxy-up-" + n);
                start(() -> pump(upstream, client, Long.MAX_VALUE, 0), "proxy-down-" + n);
            }
        } catch (IOException e) {
            // closed
        }
    }

    /** Keeps a socket for close(); closes it at once when the proxy was closed meanwhile. */
    private synchronized boolean register(Socket s) throws IOException {
        if (closed) {
            s.close();
            return false;
        }
        sockets.add(s);
        return true;
    }

    private synchronized void start(Runnable r, String name) {
        Thread t = new Thread(r, name);
        threads.add(t);
        t.start();
    }

    private static void pump(Socket from, Socket to, long limit, long bytesPerSecond) {
        byte[] buf = new byte[bytesPerSecond > 0 ? 4096 : 16384];
        long moved = 0;
        long t0 = System.nanoTime();
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            while (true) {
                int want = (int) Math.min(buf.length, limit - moved);
                if (want == 0) {
                    reset(from);
                    reset(to);
                    return;
                }
                int n = in.read(buf, 0, want);
                if (n < 0) {
                    to.shutdownOutput();
                    return;
                }
                out.write(buf, 0, n);
                moved += n;
                if (bytesPerSecond > 0) {
                    long due = t0 + moved * 1_000_000_000L / bytesPerSecond;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                    }
                }
            }
        } catch (IOException e) {
            reset(from);
            reset(to);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reset(from);
            reset(to);
        }
    }

    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (this) {
            closed = true;
            for (Socket s : sockets) {
                s.close();
            }
        }
        try {
            acceptor.join(5000);
            for (Thread t : threads) {
                t.join(5000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
