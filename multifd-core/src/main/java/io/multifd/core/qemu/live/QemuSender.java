package io.multifd.core.qemu.live;

import io.multifd.api.MultifdException;
import io.multifd.core.qemu.CaptureDecoder;
import io.multifd.core.wire.Wire;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Streams a migration folder ({@code conn-*.bin}: a {@link Transcoder} output or a raw capture)
 * to a QEMU destination started with {@code -incoming}: one TCP connection per file, the main
 * channel ({@code QEVM}) first, <b>all connections open before any byte flows</b> and then fed
 * concurrently, one thread each (a QEMU destination consumes nothing until the main channel and
 * every multifd channel are connected, so writing one channel to its end first deadlocks).
 *
 * <p>Never hangs: a destination that takes no byte for the idle timeout (QEMU stops reading
 * after a packet-level error instead of failing) fails the send, and every failure closes every
 * connection.
 *
 * @since 0.1
 */
public final class QemuSender {

    private static final System.Logger LOG = System.getLogger(QemuSender.class.getName());

    private final SendOptions options;
    private final java.util.Optional<io.multifd.core.tls.TlsConfig.Context> tls;

    /**
     * A sender.
     *
     * @param options timeouts
     */
    public QemuSender(SendOptions options) {
        this(options, java.util.Optional.empty());
    }

    /**
     * A sender over TLS 1.3 when a context is given (QEMU's {@code tls-creds} with
     * {@code endpoint=server} on the destination): the main connection is opened and its handshake
     * completed first (a QEMU destination takes the first TLS connection as the main channel),
     * then each multifd connection does its own; every stream ends with {@code close_notify}.
     *
     * @param options timeouts
     * @param tls     the TLS context, or empty for plain TCP
     */
    public QemuSender(SendOptions options, java.util.Optional<io.multifd.core.tls.TlsConfig.Context> tls) {
        this.options = Objects.requireNonNull(options, "options");
        this.tls = Objects.requireNonNull(tls, "tls");
    }

    /** One file and its connection. */
    private static final class Stream {
        final Path file;
        final boolean main;
        final AtomicLong sent = new AtomicLong();
        FileChannel in;
        SocketChannel out;
        io.multifd.core.tls.TlsChannel secure;
        long start;
        long size;
        Thread thread;

        Stream(Path file, boolean main) {
            this.file = file;
            this.main = main;
        }
    }

    /**
     * Finds the files of a migration folder, main channel first.
     *
     * @param dir the folder
     * @return the files; the first is the main channel
     * @throws MultifdException when there is no file, no main channel or two of them
     */
    public static List<Path> migrationFiles(Path dir) throws MultifdException {
        if (!Files.isDirectory(dir)) {
            throw new MultifdException(dir + " is not a folder");
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, CaptureDecoder.CAPTURE_GLOB)) {
            for (Path p : ds) {
                if (Files.isRegularFile(p)) {
                    files.add(p);
                }
            }
        } catch (IOException e) {
            throw new MultifdException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            String hint = ReceivedMigration.isRecording(dir) ? " (it is a recorded migration: run qemu-transcode on "
                    + "it first)" : "";
            throw new MultifdException(dir + " has no " + CaptureDecoder.CAPTURE_GLOB + " files" + hint);
        }
        files.sort(Comparator.comparing(p -> p.getFileName().toString()));
        Path main = null;
        for (Path p : files) {
            if (firstInt(p) == Wire.MAIN_MAGIC) {
                if (main != null) {
                    throw new MultifdException("two files start with QEVM (the main channel's magic): "
                            + main.getFileName() + " and " + p.getFileName());
                }
                main = p;
            }
        }
        if (main == null) {
            throw new MultifdException("no file of " + dir + " starts with QEVM (0x5145564D): there is no main channel");
        }
        List<Path> out = new ArrayList<>();
        out.add(main);
        for (Path p : files) {
            if (!p.equals(main)) {
                out.add(p);
            }
        }
        return out;
    }

    private static int firstInt(Path p) throws MultifdException {
        try (FileChannel fc = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4);
            while (b.hasRemaining() && fc.read(b) >= 0) {
                // reading the first 4 bytes
            }
            return b.position() == 4 ? b.getInt(0) : -1;
        } catch (IOException e) {
            throw new MultifdException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /**
     * Streams a folder to a destination.
     *
     * @param dir    the folder of {@code conn-*.bin} files
     * @param target the destination's {@code -incoming} address
     * @return what was sent
     * @throws MultifdException when a connection cannot be opened, fails, or the destination stops
     *                          reading; the message names the file
     */
    public SendResult send(Path dir, InetSocketAddress target) throws MultifdException {
        List<Path> files = migrationFiles(dir);
        List<Stream> streams = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            streams.add(new Stream(files.get(i), i == 0));
        }
        AtomicReference<MultifdException> failure = new AtomicReference<>();
        long t0 = System.nanoTime();
        try {
            for (Stream s : streams) {
                try {
                    s.in = FileChannel.open(s.file, StandardOpenOption.READ);
                    s.size = s.in.size();
                } catch (IOException e) {
                    throw new MultifdException("cannot open " + s.file + ": " + e.getMessage(), e);
                }
            }
            for (Stream s : streams) {
                try {
                    s.out = SocketChannel.open();
                    s.out.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    s.out.socket().connect(target, (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()));
                    if (tls.isPresent()) {
                        java.net.Socket plain = s.out.socket();
                        s.secure = new io.multifd.core.tls.TlsChannel(tls.get().client(plain, target.getHostString(),
                                s.main ? "the main channel" : "multifd connection " + s.file.getFileName(),
                                options.connectTimeout()), plain);
                        if (!s.main) {
                            // a QEMU destination reads a TLS multifd channel's init packet as soon as
                            // its handshake is done, before it handshakes the next connection: send it now
                            ByteBuffer init = ByteBuffer.allocate((int) Math.min(s.size, Wire.INIT_PACKET_BYTES));
                            while (init.hasRemaining() && s.in.read(init, init.position()) >= 0) {
                                // read the file's first bytes
                            }
                            init.flip();
                            while (init.hasRemaining()) {
                                s.secure.write(init);
                            }
                            s.start = init.limit();
                            s.sent.set(s.start);
                        }
                    }
                } catch (IOException e) {
                    throw new MultifdException("cannot connect " + s.file.getFileName() + " to " + target + ": "
                            + e.getMessage(), e);
                }
            }
            LOG.log(System.Logger.Level.DEBUG, streams.size() + " connections open to " + target);
            for (Stream s : streams) {
                s.thread = new Thread(() -> pump(s, failure, streams), "qemu-send-" + s.file.getFileName());
                s.thread.setDaemon(true);
                s.thread.start();
            }
            watch(streams, failure);
            MultifdException f = failure.get();
            if (f != null) {
                throw f;
            }
            long elapsed = System.nanoTime() - t0;
            boolean closed = waitForClose(streams.get(0));
            List<SendResult.Sent> sent = streams.stream()
                    .map(s -> new SendResult.Sent(s.file.getFileName().toString(), s.main, s.sent.get())).toList();
            return new SendResult(sent, closed, elapsed);
        } finally {
            closeAll(streams);
            for (Stream s : streams) {
                if (s.in != null) {
                    try {
                        s.in.close();
                    } catch (IOException ignored) {
                        // read-only file
                    }
                }
            }
        }
    }

    private void pump(Stream s, AtomicReference<MultifdException> failure, List<Stream> all) {
        // read + write rather than FileChannel.transferTo: a thread blocked in sendfile is not woken
        // when another thread closes the socket, a thread blocked in SocketChannel.write is
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try {
            long pos = s.start;
            while (pos < s.size) {
                buf.clear();
                if (s.size - pos < buf.capacity()) {
                    buf.limit((int) (s.size - pos));
                }
                while (buf.hasRemaining()) {
                    if (s.in.read(buf, pos + buf.position()) < 0) {
                        throw new IOException(s.file + " shrank to " + (pos + buf.position()) + " bytes while sending");
                    }
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    if (s.secure != null) {
                        s.secure.write(buf);
                    } else {
                        s.out.write(buf);
                    }
                    s.sent.set(pos + buf.position());
                }
                pos += buf.limit();
            }
            if (s.secure != null) {
                s.secure.shutdownOutput();
            } else {
                s.out.shutdownOutput();
            }
        } catch (IOException e) {
            if (failure.compareAndSet(null, new MultifdException("sending " + s.file.getFileName() + " failed after "
                    + s.sent.get() + " of " + s.size + " bytes: " + e.getMessage(), e))) {
                closeAll(all);
            }
        }
    }

    private void watch(List<Stream> streams, AtomicReference<MultifdException> failure) throws MultifdException {
        long idle = options.idleTimeout().toNanos();
        long lastProgress = System.nanoTime();
        long lastTotal = -1;
        while (true) {
            if (failure.get() != null) {
                joinBriefly(streams);
                return;
            }
            boolean alive = false;
            for (Stream s : streams) {
                if (s.thread.isAlive()) {
                    alive = true;
                }
            }
            if (!alive) {
                return;
            }
            long total = streams.stream().mapToLong(s -> s.sent.get()).sum();
            long now = System.nanoTime();
            if (total != lastTotal) {
                lastTotal = total;
                lastProgress = now;
            } else if (now - lastProgress > idle) {
                StringBuilder where = new StringBuilder();
                for (Stream s : streams) {
                    where.append(where.length() == 0 ? "" : ", ").append(s.file.getFileName()).append(' ')
                            .append(s.sent.get()).append('/').append(s.size);
                }
                MultifdException e = new MultifdException("the destination took no byte for "
                        + options.idleTimeout().toSeconds() + " s (sent: " + where + "); a QEMU destination stops "
                        + "reading after a packet error or a method mismatch: check its query-migrate and log");
                if (failure.compareAndSet(null, e)) {
                    closeAll(streams);
                }
                joinBriefly(streams);
                return;
            }
            for (Stream s : streams) {
                try {
                    s.thread.join(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure.compareAndSet(null, new MultifdException("interrupted while sending", e));
                    closeAll(streams);
                    return;
                }
                if (s.thread.isAlive()) {
                    break;
                }
            }
        }
    }

    /** After a failure closed the connections: gives the pumps a moment to notice, never waits longer. */
    private static void joinBriefly(List<Stream> streams) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (Stream s : streams) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return;
            }
            try {
                s.thread.join(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Waits until the destination closes the main connection (EOF) or the wait runs out. */
    private boolean waitForClose(Stream main) {
        long wait = options.waitClose().toMillis();
        if (wait <= 0) {
            return false;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait);
        if (main.secure != null) {
            try {
                ByteBuffer sink = ByteBuffer.allocate(4096);
                while (true) {
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (left <= 0) {
                        return false;
                    }
                    main.secure.socket().setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
                    sink.clear();
                    if (main.secure.read(sink) < 0) {
                        return true;
                    }
                }
            } catch (java.net.SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true;
            }
        }
        try (Selector sel = Selector.open()) {
            main.out.configureBlocking(false);
            main.out.register(sel, SelectionKey.OP_READ);
            ByteBuffer sink = ByteBuffer.allocate(4096);
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                sel.select(left);
                sel.selectedKeys().clear();
                sink.clear();
                int n = main.out.read(sink);
                if (n < 0) {
                    return true;
                }
            }
        } catch (IOException e) {
            // a reset is a close too
            return true;
        }
    }

    private static void closeAll(List<Stream> streams) {
        for (Stream s : streams) {
            if (s.secure != null) {
                try {
                    s.secure.close();
                } catch (IOException ignored) {
                    // stopping anyway
                }
            }
            if (s.out != null) {
                try {
                    s.out.close();
                } catch (IOException ignored) {
                    // stopping anyway
                }
            }
        }
    }
}
