package io.multifd.core.engine;

import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.wire.InitPacket;
import io.multifd.core.wire.Wire;

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

    private TcpDestination(ServerSocketChannel server, ReceivePolicy policy, EngineOptions options) {
        this.server = server;
        this.policy = policy;
        this.options = options;
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
        try {
            ServerSocketChannel s = ServerSocketChannel.open();
            try {
                s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                s.bind(address, 2 * ControlProtocol.MAX_CHANNELS);
            } catch (IOException e) {
                s.close();
                throw e;
            }
            return new TcpDestination(s, policy, options);
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
            WatchedChannel main = watchdog.watch(first, "the main channel", true, true);
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

    private List<WatchedChannel> acceptData(Hello hello, Watchdog watchdog, List<WatchedChannel> opened)
            throws MultifdException {
        WatchedChannel[] byId = new WatchedChannel[hello.channels()];
        for (int n = 0; n < hello.channels(); n++) {
            SocketChannel sc = accept(options.ioTimeout().toMillis(), "data channel " + (n + 1) + " of "
                    + hello.channels());
            WatchedChannel ch = watchdog.watch(sc, "data connection " + (n + 1), true, true);
            opened.add(ch);
            ByteBuffer b = ControlProtocol.readExactly(ch, Wire.INIT_PACKET_BYTES, "init packet");
            String name = "data connection " + (n + 1) + " from " + remote(sc);
            InitPacket init = InitPacket.decode(b, name);
            init.validate(hello.uuid(), hello.channels());
            if (byId[init.channelId()] != null) {
                throw new MultifdException(null, init.channelId(), MultifdException.NO_PACKET, "channel id",
                        name + ": init packet channel id " + init.channelId() + " is already connected", null);
            }
            byId[init.channelId()] = watchdog.watch(sc, "channel " + init.channelId(), true, true);
            opened.add(byId[init.channelId()]);
        }
        return List.of(byId);
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
