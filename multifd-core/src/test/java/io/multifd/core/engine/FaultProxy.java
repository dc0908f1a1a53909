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

    FaultProxy(InetSocketAddress target, int cutConnection, long cutAfter) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.target = target;
        this.cutConnection = cutConnection;
        this.cutAfter = cutAfter;
        this.acceptor = new Thread(this::acceptLoop, "proxy-accept");
        acceptor.start();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    private void acceptLoop() {
        try {
            while (true) {
                Socket client = server.accept();
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                int n = accepted.getAndIncrement();
                synchronized (this) {
                    sockets.add(client);
                    sockets.add(upstream);
                }
                long limit = n == cutConnection ? cutAfter : Long.MAX_VALUE;
                start(() -> pump(client, upstream, limit), "proxy-up-" + n);
                start(() -> pump(upstream, client, Long.MAX_VALUE), "proxy-down-" + n);
            }
        } catch (IOException e) {
            // closed
        }
    }

    private synchronized void start(Runnable r, String name) {
        Thread t = new Thread(r, name);
        threads.add(t);
        t.start();
    }

    private static void pump(Socket from, Socket to, long limit) {
        byte[] buf = new byte[16384];
        long moved = 0;
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
            }
        } catch (IOException e) {
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
