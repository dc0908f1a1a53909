package io.multifd.core.qemu.live;

import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.qemu.CaptureDecoder;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
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
    private ServerSocketChannel server;

    /**
     * A receiver.
     *
     * @param method  the method the source uses (QEMU's {@code multifd-compression})
     * @param options where and how to receive
     */
    public QemuReceiver(ResolvedMethod method, ReceiveOptions options) {
        this.method = method;
        this.options = options;
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
            server.bind(options.listen(), options.channels() + 8);
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
            connections = acceptAll();
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
        boolean ok = false;
        try (Selector selector = Selector.open()) {
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            while (main == null || multifd.size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new MultifdException(String.format("within %d s the source opened %s and %d of %d multifd "
                                    + "channels%s; is it migrating to this address with multifd-channels=%d?",
                            options.acceptTimeout().toSeconds(), main == null ? "no main channel" : "the main channel",
                            multifd.size(), n, multifd.isEmpty() ? "" : " (ids " + multifd.keySet() + ")", n));
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
                        if (all.size() > n + 1) {
                            throw new MultifdException("connection " + all.size() + " from " + p.name + " is one too "
                                    + "many: the main channel and " + n + " multifd channels were expected; does the "
                                    + "source use more than multifd-channels=" + n + "?");
                        }
                        sc.configureBlocking(false);
                        sc.setOption(StandardSocketOptions.TCP_NODELAY, true);
                        sc.register(selector, SelectionKey.OP_READ, p);
                        LOG.log(System.Logger.Level.DEBUG, "accepted " + p.name);
                    } else if (key.isValid() && key.isReadable()) {
                        Pending p = (Pending) key.attachment();
                        int r = p.channel.read(p.head);
                        if (r < 0) {
                            throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET,
                                    p.head.position() < 4 ? "magic" : "init packet", "connection " + p.name
                                    + " closed after " + p.head.position() + " bytes, before "
                                    + (p.head.position() < 4 ? "its first 4 bytes" : "the end of its init packet"),
                                    null);
                        }
                        if (p.head.position() == 4 && p.head.limit() == 4) {
                            if (p.head.getInt(0) == Wire.MAIN_MAGIC) {
                                if (main != null) {
                                    throw new MultifdException(null, MultifdException.NO_CHANNEL,
                                            MultifdException.NO_PACKET, "magic", "two connections start with QEVM: "
                                            + main.name + " and " + p.name, null);
                                }
                                main = p;
                                key.cancel();
                                LOG.log(System.Logger.Level.DEBUG, p.name + " is the main channel");
                                continue;
                            }
                            p.head.limit(Wire.INIT_PACKET_BYTES);
                        }
                        if (!p.head.hasRemaining()) {
                            key.cancel();
                            InitPacket init = InitPacket.decode(ByteBuffer.wrap(p.bytes()), p.name);
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
                out.add(new CaptureDecoder.Connection(e.getValue(), new ReplayChannel(e.getKey().bytes(),
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
