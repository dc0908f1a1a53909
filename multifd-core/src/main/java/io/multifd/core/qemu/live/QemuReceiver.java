package io.multifd.core.qemu.live;

import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.qemu.CaptureDecoder;
import io.multifd.core.qemu.PrefixedChannel;
import io.multifd.core.tls.TlsChannel;
import io.multifd.core.tls.TlsConfig;
import io.multifd.core.wire.InitPacket;
import io.multifd.core.wire.Wire;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The destination of a live QEMU multifd migration: listens, accepts the main connection and the
 * N multifd connections in any order, tells them apart by their first 4 bytes ({@code QEVM} or
 * the multifd magic; a multifd channel often arrives before the main channel's first byte),
 * checks every init packet (magic, version, UUID, channel id in {@code 0..N-1}, no duplicate),
 * then records the migration with {@link MigrationRecorder}: one receive thread per channel with
 * the configured method, the sync barrier, the main channel stored as {@code main.bin}, one image
 * per RAMBlock, {@code blocks.json} and the packet sequences.
 *
 * <p>Like a QEMU destination, it takes its method from its own configuration: a packet with
 * another compression field fails. Unlike one, it never hangs: every failure closes every
 * connection, all threads stop, and the output folder stays marked
 * {@value ReceivedMigration#INCOMPLETE}. Plain precopy needs nothing sent back; nothing is.
 *
 * <p>Use: {@link #bind()} (to learn the port), then {@link #receive()} once.
 *
 * @since 0.1
 */
public final class QemuReceiver implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(QemuReceiver.class.getName());

    private final ResolvedMethod method;
    private final ReceiveOptions options;
    private final Optional<TlsConfig.Context> tls;
    private ServerSocketChannel server;

    /**
     * A receiver.
     *
     * @param method  the method the source uses (QEMU's {@code multifd-compression})
     * @param options where and how to receive
     */
    public QemuReceiver(ResolvedMethod method, ReceiveOptions options) {
        this(method, options, Optional.empty());
    }

    /**
     * A receiver over TLS 1.3 when a context is given (QEMU's {@code tls-creds} with
     * {@code endpoint=client} on the source): every connection does its own handshake, each on its
     * own thread (QEMU writes {@code QEVM} only once its multifd channels finished theirs), and is
     * classified by its first decrypted bytes. Connections whose handshake fails are dropped.
     *
     * @param method  the method the source uses
     * @param options where and how to receive
     * @param tls     the TLS context, or empty for plain TCP
     */
    public QemuReceiver(ResolvedMethod method, ReceiveOptions options, Optional<TlsConfig.Context> tls) {
        this.method = method;
        this.options = options;
        this.tls = tls;
    }

    /**
     * Opens the listening socket.
     *
     * @return the bound address (with the real port when port 0 was asked)
     * @throws MultifdException when the address cannot be bound
     */
    public InetSocketAddress bind() throws MultifdException {
        if (server != null) {
            return (InetSocketAddress) localAddress();
        }
        try {
            server = ServerSocketChannel.open();
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            // room for the migration's connections and a flood of strays the accept loop drops
            server.bind(options.listen(), options.channels() + 1 + MAX_PENDING);
            return (InetSocketAddress) server.getLocalAddress();
        } catch (IOException e) {
            closeServer();
            throw new MultifdException("cannot listen on " + options.listen() + ": " + e.getMessage(), e);
        }
    }

    private Object localAddress() throws MultifdException {
        try {
            return server.getLocalAddress();
        } catch (IOException e) {
            throw new MultifdException("the listening socket failed: " + e.getMessage(), e);
        }
    }

    /**
     * Accepts the connections and records the migration.
     *
     * @return the recording, when the source finished the migration properly
     * @throws MultifdException for a refused connection, a timeout, malformed input or a source
     *                          that stopped early; the output folder is then marked incomplete
     */
    public RecordingResult receive() throws MultifdException {
        bind();
        List<CaptureDecoder.Connection> connections;
        try {
            Files.createDirectories(options.out());
            Files.writeString(options.out().resolve(ReceivedMigration.INCOMPLETE), "waiting for the source\n",
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            closeServer();
            throw new MultifdException("cannot create the output folder " + options.out() + ": " + e.getMessage(), e);
        }
        try {
            connections = tls.isPresent() ? acceptAllTls(tls.get()) : acceptAll();
        } catch (MultifdException e) {
            try {
                Files.writeString(options.out().resolve(ReceivedMigration.INCOMPLETE), "incomplete: "
                        + e.getMessage() + "\n", StandardCharsets.UTF_8);
            } catch (IOException ignored) {
                // the marker is there already, without the reason
            }
            throw e;
        } finally {
            closeServer();
        }
        MigrationRecorder recorder = new MigrationRecorder(CaptureDecoder.MethodLookup.fixed(method),
                options.pageSize(), options.uuid(), options.idleTimeout());
        options.deadline().ifPresent(recorder::deadline);
        return recorder.record(connections, options.out());
    }

    /** A connection being classified. */
    private static final class Pending {
        final SocketChannel channel;
        final String name;
        final ByteBuffer head = ByteBuffer.allocate(Wire.INIT_PACKET_BYTES);

        Pending(SocketChannel channel, String name) {
            this.channel = channel;
            this.name = name;
            head.limit(4);
        }

        byte[] bytes() {
            byte[] b = new byte[head.position()];
            head.duplicate().flip().get(b);
            return b;
        }
    }

    private List<CaptureDecoder.Connection> acceptAll() throws MultifdException {
        int n = options.channels();
        long deadline = System.nanoTime() + options.acceptTimeout().toNanos();
        Pending main = null;
        Map<Integer, Pending> multifd = new TreeMap<>();
        List<Pending> all = new ArrayList<>();
        UUID firstUuid = null;
        java.util.ArrayDeque<Pending> pending = new java.util.ArrayDeque<>();
        List<String> dropped = new ArrayList<>();
        boolean ok = false;
        try (Selector selector = Selector.open()) {
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            while (main == null || multifd.size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new MultifdException(String.format("within %d s the source opened %s and %d of %d multifd "
                                    + "channels%s; is it migrating to this address with multifd-channels=%d?%s",
                            options.acceptTimeout().toSeconds(), main == null ? "no main channel" : "the main channel",
                            multifd.size(), n, multifd.isEmpty() ? "" : " (ids " + multifd.keySet() + ")", n,
                            dropped.isEmpty() ? "" : " (dropped " + dropped.size() + " other connections, first: "
                                    + dropped.get(0) + ")"));
                }
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.isValid() && key.isAcceptable()) {
                        SocketChannel sc = server.accept();
                        if (sc == null) {
                            continue;
                        }
                        Pending p = new Pending(sc, describe(sc));
                        all.add(p);
                        pending.addLast(p);
                        if (pending.size() > MAX_PENDING) {
                            // a flood of silent connections: the oldest unclassified one goes
                            Pending oldest = pending.removeFirst();
                            drop(oldest, "still silent when " + MAX_PENDING + " others were waiting", dropped);
                            all.remove(oldest);
                        }
                        try {
                            sc.configureBlocking(false);
                            sc.setOption(StandardSocketOptions.TCP_NODELAY, true);
                            sc.register(selector, SelectionKey.OP_READ, p);
                        } catch (IOException e) {
                            // reset by its peer before we got to it: not a channel of ours
                            pending.remove(p);
                            all.remove(p);
                            drop(p, "failed right after accept: " + e.getMessage(), dropped);
                            continue;
                        }
                        LOG.log(System.Logger.Level.DEBUG, "accepted " + p.name);
                    } else if (key.isValid() && key.isReadable()) {
                        Pending p = (Pending) key.attachment();
                        int r;
                        try {
                            r = p.channel.read(p.head);
                        } catch (IOException e) {
                            r = -1;
                        }
                        if (r < 0) {
                            // not a channel of this migration (a scan, a stray): drop it, serve the rest
                            key.cancel();
                            pending.remove(p);
                            all.remove(p);
                            drop(p, "closed after " + p.head.position() + " bytes, before " + (p.head.position() < 4
                                    ? "its first 4 bytes" : "the end of its init packet"), dropped);
                            continue;
                        }
                        if (p.head.position() == 4 && p.head.limit() == 4) {
                            if (p.head.getInt(0) == Wire.MAIN_MAGIC) {
                                if (main != null) {
                                    throw new MultifdException(null, MultifdException.NO_CHANNEL,
                                            MultifdException.NO_PACKET, "magic", "two connections start with QEVM: "
                                            + main.name + " and " + p.name, null);
                                }
                                main = p;
                                pending.remove(p);
                                key.cancel();
                                LOG.log(System.Logger.Level.DEBUG, p.name + " is the main channel");
                                continue;
                            }
                            p.head.limit(Wire.INIT_PACKET_BYTES);
                        }
                        if (!p.head.hasRemaining()) {
                            key.cancel();
                            pending.remove(p);
                            InitPacket init;
                            try {
                                init = InitPacket.decode(ByteBuffer.wrap(p.bytes()), p.name);
                            } catch (MultifdException e) {
                                // garbage, not a multifd channel: drop it, serve the rest
                                all.remove(p);
                                drop(p, e.getMessage(), dropped);
                                continue;
                            }
                            int id = init.channelId();
                            UUID want = options.uuid().orElse(firstUuid == null ? init.uuid() : firstUuid);
                            if (!init.uuid().equals(want)) {
                                throw new MultifdException(null, id, MultifdException.NO_PACKET, "uuid", p.name
                                        + ": init packet uuid " + init.uuid() + ", expected " + want
                                        + (options.uuid().isPresent() ? " (--uuid)" : " (the uuid of the first channel)"),
                                        null);
                            }
                            firstUuid = init.uuid();
                            if (id >= n) {
                                throw new MultifdException(null, id, MultifdException.NO_PACKET, "channel id", p.name
                                        + ": init packet channel id " + id + " is out of range 0.." + (n - 1)
                                        + " (multifd-channels=" + n + ")", null);
                            }
                            Pending other = multifd.putIfAbsent(id, p);
                            if (other != null) {
                                throw new MultifdException(null, id, MultifdException.NO_PACKET, "channel id",
                                        p.name + " and " + other.name + " both carry channel id " + id, null);
                            }
                            LOG.log(System.Logger.Level.DEBUG, p.name + " is multifd channel " + id);
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
            // QEMU writes QEVM only after all its multifd connections completed, so an extra one
            // would be waiting in the backlog by now
            SocketChannel extra = server.accept();
            if (extra != null) {
                String who = describe(extra);
                extra.close();
                throw new MultifdException("connection from " + who + " is one too many: the source opened more than "
                        + "the " + n + " multifd channels expected; set --channels to its multifd-channels");
            }
            // a connection still unclassified may be one more multifd channel of a source with more
            // channels than expected (its first bytes follow at once): look briefly before judging
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EXTRA_LOOK_MILLIS);
            while (System.nanoTime() < until && pending.stream().anyMatch(p -> p.head.position() < 4)) {
                selector.select(20);
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.isValid() && key.isReadable() && key.attachment() instanceof Pending p) {
                        try {
                            p.channel.read(p.head);
                        } catch (IOException e) {
                            key.cancel();
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
            for (Pending p : pending) {
                if (p.head.position() >= 4 && p.head.getInt(0) == Wire.MAGIC) {
                    throw new MultifdException("connection from " + p.name + " is one too many: it starts like a "
                            + "multifd channel, but the main channel and " + n + " multifd channels are connected; "
                            + "does the source use more than multifd-channels=" + n + "?");
                }
            }
            for (Pending p : pending) {
                all.remove(p);
                drop(p, "sent no complete init packet before the migration's connections were complete", dropped);
            }
            if (!dropped.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "dropped " + dropped.size() + " connection(s) that were not "
                        + "channels of this migration: " + dropped);
            }
            ok = true;
        } catch (IOException e) {
            throw new MultifdException("accepting the source's connections failed: " + e.getMessage(), e);
        } finally {
            if (!ok) {
                for (Pending p : all) {
                    try {
                        p.channel.close();
                    } catch (IOException ignored) {
                        // failing anyway
                    }
                }
            }
        }
        // the selector is closed: the channels may block again
        List<CaptureDecoder.Connection> out = new ArrayList<>();
        Map<Pending, String> names = new LinkedHashMap<>();
        names.put(main, "main " + main.name);
        for (Map.Entry<Integer, Pending> e : multifd.entrySet()) {
            names.put(e.getValue(), "channel " + e.getKey() + " " + e.getValue().name);
        }
        try {
            for (Map.Entry<Pending, String> e : names.entrySet()) {
                e.getKey().channel.configureBlocking(true);
                out.add(new CaptureDecoder.Connection(e.getValue(), new PrefixedChannel(e.getKey().bytes(),
                        e.getKey().channel)));
            }
        } catch (IOException e) {
            for (Pending p : all) {
                try {
                    p.channel.close();
                } catch (IOException ignored) {
                    // failing anyway
                }
            }
            throw new MultifdException("cannot switch the connections to blocking mode: " + e.getMessage(), e);
        }
        return out;
    }

    /** A TLS connection after its handshake and first bytes: the main channel or a multifd one. */
    private record Classified(SocketChannel plain, TlsChannel channel, String name, byte[] head, InitPacket init) {
    }

    private List<CaptureDecoder.Connection> acceptAllTls(TlsConfig.Context ctx) throws MultifdException {
        int n = options.channels();
        long deadline = System.nanoTime() + options.acceptTimeout().toNanos();
        BlockingQueue<Object> results = new LinkedBlockingQueue<>();
        List<SocketChannel> accepted = Collections.synchronizedList(new ArrayList<>());
        List<String> dropped = new ArrayList<>();
        Classified main = null;
        Map<Integer, Classified> multifd = new TreeMap<>();
        UUID firstUuid = null;
        boolean ok = false;
        Thread acceptor = new Thread(() -> {
            int k = 0;
            try {
                while (true) {
                    SocketChannel sc = server.accept();
                    accepted.add(sc);
                    Thread t = new Thread(() -> handshake(ctx, sc, deadline, results), "qemu-receive-tls-" + k++);
                    t.setDaemon(true);
                    t.start();
                }
            } catch (IOException e) {
                // the listening socket was closed: done
            }
        }, "qemu-receive-tls-accept");
        acceptor.setDaemon(true);
        try {
            server.configureBlocking(true);
            acceptor.start();
            while (main == null || multifd.size() < n) {
                long left = deadline - System.nanoTime();
                Object r = left <= 0 ? null : results.poll(left, TimeUnit.NANOSECONDS);
                if (r == null) {
                    throw new MultifdException(String.format("within %d s the source opened %s and %d of %d multifd "
                                    + "channels over TLS%s%s", options.acceptTimeout().toSeconds(),
                            main == null ? "no main channel" : "the main channel", multifd.size(), n,
                            multifd.isEmpty() ? "" : " (ids " + multifd.keySet() + ")",
                            dropped.isEmpty() ? "" : "; dropped " + dropped.size() + " connections, first: "
                                    + dropped.get(0)));
                }
                if (r instanceof String why) {
                    dropped.add(why);
                    continue;
                }
                Classified c = (Classified) r;
                if (c.init() == null) {
                    if (main != null) {
                        throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET,
                                "magic", "two connections start with QEVM: " + main.name() + " and " + c.name(), null);
                    }
                    main = c;
                    continue;
                }
                int id = c.init().channelId();
                UUID want = options.uuid().orElse(firstUuid == null ? c.init().uuid() : firstUuid);
                if (!c.init().uuid().equals(want)) {
                    throw new MultifdException(null, id, MultifdException.NO_PACKET, "uuid", c.name()
                            + ": init packet uuid " + c.init().uuid() + ", expected " + want, null);
                }
                firstUuid = c.init().uuid();
                if (id >= n) {
                    throw new MultifdException(null, id, MultifdException.NO_PACKET, "channel id", c.name()
                            + ": init packet channel id " + id + " is out of range 0.." + (n - 1)
                            + " (multifd-channels=" + n + ")", null);
                }
                if (multifd.putIfAbsent(id, c) != null) {
                    throw new MultifdException(null, id, MultifdException.NO_PACKET, "channel id",
                            c.name() + " and " + multifd.get(id).name() + " both carry channel id " + id, null);
                }
            }
            ok = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MultifdException("interrupted while accepting the source's connections", e);
        } catch (IOException e) {
            throw new MultifdException("accepting the source's connections failed: " + e.getMessage(), e);
        } finally {
            closeServer();
            List<SocketChannel> keep = new ArrayList<>();
            if (ok) {
                keep.add(main.plain());
                for (Classified c : multifd.values()) {
                    keep.add(c.plain());
                }
            }
            synchronized (accepted) {
                for (SocketChannel sc : accepted) {
                    if (!keep.contains(sc)) {
                        try {
                            sc.close();
                        } catch (IOException ignored) {
                            // dropping it
                        }
                    }
                }
            }
        }
        if (!dropped.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "dropped " + dropped.size() + " connection(s): " + dropped);
        }
        List<CaptureDecoder.Connection> out = new ArrayList<>();
        out.add(new CaptureDecoder.Connection("main " + main.name(), new PrefixedChannel(main.head(), main.channel())));
        for (Map.Entry<Integer, Classified> e : multifd.entrySet()) {
            out.add(new CaptureDecoder.Connection("channel " + e.getKey() + " " + e.getValue().name(),
                    new PrefixedChannel(e.getValue().head(), e.getValue().channel())));
        }
        return out;
    }

    /** One connection's handshake and first bytes, on its own thread; the result goes to the queue. */
    private static void handshake(TlsConfig.Context ctx, SocketChannel sc, long deadline, BlockingQueue<Object> out) {
        String name = describe(sc);
        try {
            java.net.Socket plain = sc.socket();
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            TlsChannel ch = new TlsChannel(ctx.server(plain, "connection " + name, java.time.Duration.ofMillis(left)),
                    plain);
            ch.socket().setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
            ByteBuffer head = ByteBuffer.allocate(Wire.INIT_PACKET_BYTES);
            head.limit(4);
            readFully(ch, head, name);
            if (head.getInt(0) == Wire.MAIN_MAGIC) {
                ch.socket().setSoTimeout(0);
                out.add(new Classified(sc, ch, name, Arrays.copyOf(head.array(), 4), null));
                return;
            }
            head.limit(Wire.INIT_PACKET_BYTES);
            readFully(ch, head, name);
            ch.socket().setSoTimeout(0);
            InitPacket init = InitPacket.decode(ByteBuffer.wrap(head.array()), name);
            out.add(new Classified(sc, ch, name, head.array(), init));
        } catch (MultifdException | IOException e) {
            try {
                sc.close();
            } catch (IOException ignored) {
                // dropping it
            }
            out.add(name + ": " + e.getMessage());
        }
    }

    private static void readFully(TlsChannel ch, ByteBuffer b, String name) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new IOException("connection " + name + " closed after " + b.position() + " bytes, before "
                        + (b.limit() == 4 ? "its first 4 bytes" : "the end of its init packet"));
            }
        }
    }

    /** How long unclassified connections are watched once the migration's connections are complete. */
    static final long EXTRA_LOOK_MILLIS = 200;

    /** Unclassified connections kept at most (a flood of silent ones drops the oldest). */
    static final int MAX_PENDING = 64;

    private static void drop(Pending p, String why, List<String> dropped) {
        if (dropped.size() < 64) {
            dropped.add(p.name + ": " + why);
        }
        LOG.log(System.Logger.Level.DEBUG, "dropped " + p.name + ": " + why);
        try {
            p.channel.close();
        } catch (IOException ignored) {
            // dropping it anyway
        }
    }

    private static String describe(SocketChannel sc) {
        try {
            InetSocketAddress a = (InetSocketAddress) sc.getRemoteAddress();
            return a.getAddress().getHostAddress() + ":" + a.getPort();
        } catch (IOException | RuntimeException e) {
            return "an unknown peer";
        }
    }

    private void closeServer() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException ignored) {
                // nothing listens any more either way
            }
        }
    }

    /** Closes the listening socket if {@link #receive()} was not called. */
    @Override
    public void close() {
        closeServer();
    }
}
