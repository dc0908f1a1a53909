package io.multifd.core.engine;

import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.tls.TlsChannel;
import io.multifd.core.tls.TlsConfig;
import io.multifd.core.wire.InitPacket;
import io.multifd.core.wire.Wire;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The destination over TCP with our control protocol: listens, accepts the main channel, answers
 * the hello, accepts and identifies the data channels (init packets with the transfer's UUID,
 * ids {@code 0..N-1}, each once), runs a {@link DestinationSession}, makes the output final and
 * tells the source.
 *
 * @since 0.1
 */
public final class TcpDestination implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(TcpDestination.class.getName());

    private final ServerSocketChannel server;
    private final ReceivePolicy policy;
    private final EngineOptions options;
    private final Optional<TlsConfig.Context> tls;

    private TcpDestination(ServerSocketChannel server, ReceivePolicy policy, EngineOptions options,
                           Optional<TlsConfig.Context> tls) {
        this.server = server;
        this.policy = policy;
        this.options = options;
        this.tls = tls;
    }

    /**
     * Listens on an address (port 0 picks a free port).
     *
     * @param address where to listen
     * @param policy  what to accept
     * @param options timing settings
     * @return the listening destination
     * @throws MultifdException when the address cannot be bound
     */
    public static TcpDestination bind(InetSocketAddress address, ReceivePolicy policy, EngineOptions options)
            throws MultifdException {
        return bind(address, policy, options, Optional.empty());
    }

    /**
     * Listens on an address; with a TLS context every accepted connection must complete a TLS
     * 1.3 handshake (the main channel's first, then each data channel's) before anything else is
     * read. A connection whose handshake fails is dropped, and the failure is reported when no
     * valid connection took its place in time.
     *
     * @param address where to listen
     * @param policy  what to accept
     * @param options timing settings
     * @param tls     the TLS context, or empty for plain TCP
     * @return the listening destination
     * @throws MultifdException when the address cannot be bound
     */
    public static TcpDestination bind(InetSocketAddress address, ReceivePolicy policy, EngineOptions options,
                                      Optional<TlsConfig.Context> tls) throws MultifdException {
        try {
            ServerSocketChannel s = ServerSocketChannel.open();
            try {
                s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                s.bind(address, 2 * ControlProtocol.MAX_CHANNELS);
            } catch (IOException e) {
                s.close();
                throw e;
            }
            return new TcpDestination(s, policy, options, tls);
        } catch (IOException e) {
            throw new MultifdException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    /** @return the address listened on, with the actual port */
    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) server.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("the listening socket is closed", e);
        }
    }

    /**
     * Waits for one transfer and receives it.
     *
     * @param sink where the image goes
     * @return the result
     * @throws MultifdException the refusal or failure; the sink was abandoned
     */
    public DestinationResult receive(ImageSink sink) throws MultifdException {
        return receive(sink, s -> { });
    }

    /**
     * Waits for one transfer and receives it.
     *
     * @param sink    where the image goes
     * @param started called with the session once the data channels are connected (e.g. to show
     *                progress)
     * @return the result
     * @throws MultifdException the refusal or failure; the sink was abandoned
     */
    public DestinationResult receive(ImageSink sink, Consumer<DestinationSession> started) throws MultifdException {
        Watchdog watchdog = new Watchdog("destination", options.ioTimeoutNanos());
        List<WatchedChannel> opened = new ArrayList<>();
        boolean opened_sink = false;
        ControlLink.Destination link = null;
        DestinationSession session = null;
        try {
            SocketChannel first = accept(0, "the main channel");
            WatchedChannel main;
            if (tls.isPresent()) {
                SSLSocket t = tls.get().server(first.socket(), "the main channel", options.ioTimeout());
                try {
                    main = watchdog.watch(new TlsChannel(t, first.socket()), "the main channel", true, true);
                } catch (IOException e) {
                    try {
                        t.close();
                    } catch (IOException ignored) {
                        // failing anyway
                    }
                    throw new MultifdException("TLS on the main channel failed: " + e.getMessage(), e);
                }
            } else {
                main = watchdog.watch(first, "the main channel", true, true);
            }
            opened.add(main);
            Hello hello;
            try {
                ControlProtocol.readMagic(main, "hello");
                hello = ControlProtocol.decodeHello(ControlProtocol.readMessageAfterMagic(main, "hello"));
            } catch (MultifdException e) {
                refuse(main, "malformed hello: " + e.getMessage());
                throw new MultifdException("refused a malformed hello: " + e.getMessage(), e);
            }
            HelloReply reply = Negotiation.choose(hello, policy);
            if (reply instanceof HelloReply.Accept) {
                Optional<String> problem = sink.check(hello.blocks(), hello.pageSize());
                if (problem.isPresent()) {
                    reply = new HelloReply.Refuse(problem.get());
                }
            }
            if (reply instanceof HelloReply.Refuse r) {
                refuse(main, r.reason());
                throw new RefusedException("refused the transfer: " + r.reason());
            }
            HelloReply.Accept accept = (HelloReply.Accept) reply;
            MethodProvider provider = policy.methods().stream().filter(p -> p.name().equals(accept.method()))
                    .findFirst().orElseThrow();
            ResolvedMethod method;
            try {
                method = ResolvedMethod.create(provider, accept.parameters());
            } catch (MultifdException e) {
                refuse(main, "destination cannot create method " + accept.method() + ": " + e.getMessage());
                throw e;
            }
            MemoryImage image;
            try {
                opened_sink = true;
                image = sink.open(hello.blocks(), hello.pageSize());
            } catch (MultifdException e) {
                refuse(main, e.getMessage());
                throw e;
            }
            write(main, ControlProtocol.encodeReply(accept));
            main.setReadTimeoutNanos(Long.MAX_VALUE);
            link = new ControlLink.Destination(main);
            List<WatchedChannel> data = acceptData(hello, watchdog, opened);
            session = new DestinationSession(method, hello.pageSize(), data, link, Optional.of(image),
                    blocks -> image, options);
            started.accept(session);
            TransferStats stats = session.run();
            List<java.nio.file.Path> outputs = sink.commit();
            link.done(String.format("destination received %s of image in %.2f s, every page verified",
                    TransferStats.bytes(stats.imageBytes()), stats.elapsedNanos() / 1e9));
            return new DestinationResult(hello, method, stats, outputs);
        } catch (MultifdException | RuntimeException e) {
            if (link != null && session == null) {
                link.abort(e.getMessage());
            }
            if (opened_sink) {
                sink.abandon();
            }
            throw e;
        } finally {
            if (session != null) {
                session.close();
            }
            for (WatchedChannel ch : opened) {
                ch.closeQuietly();
            }
            watchdog.close();
        }
    }

    /** Connections waiting for their init packet at most, and stray connections kept at most. */
    static final int MAX_PENDING = 4 * ControlProtocol.MAX_CHANNELS;

    /** A data connection whose init packet is being read. */
    private record Pending(SocketChannel channel, ByteBuffer init, String name) {
    }

    /**
     * Accepts data connections until every channel id {@code 0..N-1} has connected with a valid
     * init packet, within the I/O timeout. A connection that sends garbage, another transfer's
     * UUID, an id out of range or already taken, or closes early is dropped (logged) and the
     * others are still served; silent ones wait (at most {@value #MAX_PENDING}, the oldest is
     * dropped first) and are closed at the end.
     */
    private List<WatchedChannel> acceptData(Hello hello, Watchdog watchdog, List<WatchedChannel> opened)
            throws MultifdException {
        if (tls.isPresent()) {
            return acceptDataTls(hello, watchdog, opened, tls.get());
        }
        int n = hello.channels();
        SocketChannel[] byId = new SocketChannel[n];
        int connected = 0;
        List<String> dropped = new ArrayList<>();
        java.util.ArrayDeque<Pending> pending = new java.util.ArrayDeque<>();
        long deadline = System.nanoTime() + options.ioTimeoutNanos();
        boolean ok = false;
        try (java.nio.channels.Selector selector = java.nio.channels.Selector.open()) {
            server.configureBlocking(false);
            server.register(selector, java.nio.channels.SelectionKey.OP_ACCEPT);
            while (connected < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    List<Integer> ids = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        if (byId[i] != null) {
                            ids.add(i);
                        }
                    }
                    throw new MultifdException(String.format("within %d s %d of %d data channels connected%s%s",
                            options.ioTimeout().toSeconds(), connected, n, ids.isEmpty() ? "" : " (ids " + ids + ")",
                            dropped.isEmpty() ? "" : "; dropped " + dropped.size() + " other connections, first: "
                                    + dropped.get(0)));
                }
                selector.select(Math.max(1, java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(left)));
                for (java.nio.channels.SelectionKey key : selector.selectedKeys()) {
                    if (key.isValid() && key.isAcceptable()) {
                        SocketChannel sc = server.accept();
                        if (sc == null) {
                            continue;
                        }
                        Pending p = new Pending(sc, ByteBuffer.allocate(Wire.INIT_PACKET_BYTES),
                                "data connection from " + remote(sc));
                        if (pending.size() >= MAX_PENDING) {
                            Pending oldest = pending.removeFirst();
                            drop(oldest, "still silent when " + MAX_PENDING + " others were waiting", dropped);
                        }
                        pending.addLast(p);
                        sc.configureBlocking(false);
                        sc.register(selector, java.nio.channels.SelectionKey.OP_READ, p);
                    } else if (key.isValid() && key.isReadable()) {
                        Pending p = (Pending) key.attachment();
                        int r;
                        try {
                            r = p.channel().read(p.init());
                        } catch (IOException e) {
                            pending.remove(p);
                            drop(p, "failed: " + e.getMessage(), dropped);
                            continue;
                        }
                        if (r < 0) {
                            pending.remove(p);
                            drop(p, "closed after " + p.init().position() + " bytes of its init packet", dropped);
                            continue;
                        }
                        if (p.init().hasRemaining()) {
                            continue;
                        }
                        key.cancel();
                        pending.remove(p);
                        try {
                            InitPacket init = InitPacket.decode(p.init().flip(), p.name());
                            init.validate(hello.uuid(), n);
                            if (byId[init.channelId()] != null) {
                                throw new MultifdException(null, init.channelId(), MultifdException.NO_PACKET,
                                        "channel id", "init packet channel id " + init.channelId()
                                        + " is already connected", null);
                            }
                            byId[init.channelId()] = p.channel();
                            connected++;
                        } catch (MultifdException e) {
                            drop(p, e.getMessage(), dropped);
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
            ok = true;
        } catch (IOException e) {
            throw new MultifdException("accepting the data channels failed: " + e.getMessage(), e);
        } finally {
            for (Pending p : pending) {
                drop(p, "sent no init packet before every channel connected", dropped);
            }
            if (!ok) {
                for (SocketChannel sc : byId) {
                    closeQuietly(sc);
                }
            }
            try {
                server.configureBlocking(true);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "listening socket: {0}", e.getMessage());
            }
        }
        if (!dropped.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "dropped {0} connection(s) that were not data channels of this "
                    + "transfer: {1}", dropped.size(), dropped);
        }
        List<WatchedChannel> out = new ArrayList<>();
        try {
            for (int id = 0; id < n; id++) {
                byId[id].configureBlocking(true);
                byId[id].setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
        } catch (IOException e) {
            for (SocketChannel sc : byId) {
                closeQuietly(sc);
            }
            throw new MultifdException("cannot set up the data channels: " + e.getMessage(), e);
        }
        for (int id = 0; id < n; id++) {
            WatchedChannel ch = watchdog.watch(byId[id], "channel " + id, true, true);
            opened.add(ch);
            out.add(ch);
        }
        return List.copyOf(out);
    }

    /**
     * The data channels over TLS. A source connects and handshakes its channels one after the
     * other and sends the init packets only when all are connected, so connections are accepted
     * and handshaken until N are, then their init packets are read; a connection that fails its
     * handshake or sends an invalid init packet is dropped and another is awaited. Everything is
     * bounded by the I/O timeout.
     */
    private List<WatchedChannel> acceptDataTls(Hello hello, Watchdog watchdog, List<WatchedChannel> opened,
                                               TlsConfig.Context ctx) throws MultifdException {
        int n = hello.channels();
        TlsChannel[] byId = new TlsChannel[n];
        List<TlsChannel> waiting = new ArrayList<>();
        List<String> names = new ArrayList<>();
        int connected = 0;
        List<String> dropped = new ArrayList<>();
        long deadline = System.nanoTime() + options.ioTimeoutNanos();
        boolean ok = false;
        try {
            while (connected < n) {
                long left = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new MultifdException(String.format("within %d s %d of %d data channels connected over TLS%s",
                            options.ioTimeout().toSeconds(), connected, n, dropped.isEmpty() ? ""
                                    : "; dropped " + dropped.size() + " other connections, first: " + dropped.get(0)));
                }
                if (connected + waiting.size() < n) {
                    SocketChannel sc = accept(left, "data channel " + (connected + waiting.size() + 1) + " of " + n);
                    Socket plain = sc.socket();
                    String name = "data connection from " + remote(sc);
                    try {
                        waiting.add(new TlsChannel(ctx.server(plain, name, java.time.Duration.ofMillis(left)), plain));
                        names.add(name);
                    } catch (MultifdException | IOException e) {
                        closeQuietly(sc);
                        dropped.add(name + ": " + e.getMessage());
                    }
                    continue;
                }
                for (int k = 0; k < waiting.size(); k++) {
                    TlsChannel ch = waiting.get(k);
                    String name = names.get(k);
                    long ms = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    try {
                        ch.socket().setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, ms)));
                        ByteBuffer b = ByteBuffer.allocate(Wire.INIT_PACKET_BYTES);
                        while (b.hasRemaining()) {
                            if (ch.read(b) < 0) {
                                throw new MultifdException(name + " closed after " + b.position() + " bytes of its "
                                        + "init packet");
                            }
                        }
                        ch.socket().setSoTimeout(0);
                        InitPacket init = InitPacket.decode(b.flip(), name);
                        init.validate(hello.uuid(), n);
                        if (byId[init.channelId()] != null) {
                            throw new MultifdException(null, init.channelId(), MultifdException.NO_PACKET,
                                    "channel id", "init packet channel id " + init.channelId()
                                    + " is already connected", null);
                        }
                        byId[init.channelId()] = ch;
                        connected++;
                    } catch (MultifdException | IOException e) {
                        closeQuietly(ch);
                        dropped.add(name + ": " + e.getMessage());
                    }
                }
                waiting.clear();
                names.clear();
            }
            ok = true;
        } finally {
            for (TlsChannel ch : waiting) {
                closeQuietly(ch);
            }
            if (!ok) {
                for (TlsChannel ch : byId) {
                    closeQuietly(ch);
                }
            }
        }
        if (!dropped.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "dropped {0} connection(s) that were not data channels of this "
                    + "transfer: {1}", dropped.size(), dropped);
        }
        List<WatchedChannel> out = new ArrayList<>();
        for (int id = 0; id < n; id++) {
            WatchedChannel ch = watchdog.watch(byId[id], "channel " + id, true, true);
            opened.add(ch);
            out.add(ch);
        }
        return List.copyOf(out);
    }

    private static void closeQuietly(TlsChannel ch) {
        if (ch == null) {
            return;
        }
        try {
            ch.close();
        } catch (IOException ignored) {
            // dropping it anyway
        }
    }

    private static void drop(Pending p, String why, List<String> dropped) {
        String reason = p.name() + ": " + why;
        if (dropped.size() < 64) {
            dropped.add(reason);
        }
        LOG.log(System.Logger.Level.DEBUG, "dropped {0}", reason);
        closeQuietly(p.channel());
    }

    private static void closeQuietly(SocketChannel sc) {
        if (sc == null) {
            return;
        }
        try {
            sc.close();
        } catch (IOException ignored) {
            // dropping it anyway
        }
    }

    private static String remote(SocketChannel sc) {
        try {
            return String.valueOf(sc.getRemoteAddress());
        } catch (IOException e) {
            return "?";
        }
    }

    private SocketChannel accept(long timeoutMs, String what) throws MultifdException {
        try {
            server.socket().setSoTimeout((int) Math.min(timeoutMs, Integer.MAX_VALUE));
            Socket s = server.socket().accept();
            SocketChannel sc = s.getChannel();
            sc.setOption(StandardSocketOptions.TCP_NODELAY, true);
            return sc;
        } catch (SocketTimeoutException e) {
            throw new MultifdException("no connection for " + what + " within " + timeoutMs / 1000 + " s", e);
        } catch (IOException e) {
            throw new MultifdException("accepting " + what + " failed: " + e.getMessage(), e);
        }
    }

    private static void refuse(WatchedChannel main, String reason) {
        try {
            write(main, ControlProtocol.encodeReply(new HelloReply.Refuse(reason)));
            main.shutdownOutput();
        } catch (MultifdException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not send the refusal: {0}", e.getMessage());
        }
    }

    private static void write(WatchedChannel ch, ByteBuffer b) throws MultifdException {
        try {
            ControlProtocol.writeAll(ch, b);
        } catch (IOException e) {
            throw new MultifdException("main channel failed while writing the reply: " + e.getMessage(), e);
        }
    }

    /** Stops listening; a {@link #receive} waiting for a connection fails. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
