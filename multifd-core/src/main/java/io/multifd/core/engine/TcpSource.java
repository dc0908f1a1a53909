package io.multifd.core.engine;

import io.multifd.api.MethodSettings;
import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.tls.TlsChannel;
import io.multifd.core.tls.TlsConfig;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The source over TCP with our control protocol: connects the main channel, negotiates, opens the
 * data channels and starts a {@link SourceSession}.
 *
 * <p>Every connection is a blocking {@link SocketChannel} watched by a {@link Watchdog}: a connect,
 * read or write that makes no progress for {@link EngineOptions#ioTimeout()} closes the connection,
 * and the transfer fails with a message naming it.
 *
 * @since 0.1
 */
public final class TcpSource {

    private TcpSource() {
    }

    /**
     * Connects, negotiates and starts sending (the setup sync is done when this returns).
     *
     * @param address the destination
     * @param request channels, offered methods, UUID, options
     * @param image   the pages to send
     * @return the running session; send passes, then {@code finish()}, then {@code close()}
     * @throws MultifdException when the connection fails, the destination refuses (with its
     *                          reason), or the setup fails
     * @throws IllegalStateException when the image is from {@link MemoryImage#mapForSending} and
     *                               another session is sending it: nothing is connected then
     */
    public static SourceSession connect(InetSocketAddress address, SendRequest request, MemoryImage image)
            throws MultifdException {
        return connect(address, request, image, Optional.empty());
    }

    /**
     * Connects over TLS 1.3 when a context is given: every connection (the main channel first,
     * then each data channel) does its own handshake and checks the destination's certificate
     * for the host name of {@code address}; closes end with {@code close_notify}.
     *
     * @param address the destination
     * @param request channels, offered methods, UUID, options
     * @param image   the pages to send
     * @param tls     the TLS context, or empty for plain TCP
     * @return the running session
     * @throws MultifdException as {@link #connect(InetSocketAddress, SendRequest, MemoryImage)},
     *                          and for a failed handshake, naming the connection
     */
    public static SourceSession connect(InetSocketAddress address, SendRequest request, MemoryImage image,
                                        Optional<TlsConfig.Context> tls) throws MultifdException {
        EngineOptions options = request.options();
        AutoCloseable claim = image.claimForSending(); // refused here, before the destination hears of it
        Watchdog watchdog = new Watchdog("source", options.ioTimeoutNanos());
        List<WatchedChannel> opened = new ArrayList<>();
        try {
            List<MethodOffer> offers = new ArrayList<>();
            for (MethodChoice c : request.methods()) {
                MethodSettings s = MethodSettings.resolve(c.provider().name(), c.provider().parameters(),
                        c.parameters());
                offers.add(MethodOffer.of(c.provider(), s.asMap()));
            }
            WatchedChannel main = open(address, watchdog, "the main channel", true, options, tls);
            opened.add(main);
            Hello hello = new Hello(ControlProtocol.VERSION, request.uuid(), image.pageSize(), request.channels(),
                    image.specs(), offers);
            try {
                ControlProtocol.writeAll(main, ControlProtocol.encodeHello(hello));
            } catch (IOException e) {
                throw new MultifdException("cannot send the hello to " + address + ": " + e.getMessage(), e);
            }
            ControlProtocol.readMagic(main, "reply");
            HelloReply reply = ControlProtocol.decodeReply(ControlProtocol.readMessageAfterMagic(main, "reply"));
            if (reply instanceof HelloReply.Refuse r) {
                throw new RefusedException("the destination refused the transfer: " + r.reason());
            }
            HelloReply.Accept a = (HelloReply.Accept) reply;
            MethodChoice chosen = request.methods().stream().filter(c -> c.provider().name().equals(a.method()))
                    .findFirst().orElseThrow(() -> new MultifdException("the destination chose method " + a.method()
                            + ", which the source did not offer " + offers));
            ResolvedMethod method = ResolvedMethod.create(chosen.provider(), a.parameters());
            main.setReadTimeoutNanos(Long.MAX_VALUE);
            List<WatchedChannel> data = new ArrayList<>();
            for (int c = 0; c < request.channels(); c++) {
                WatchedChannel ch = open(address, watchdog, "channel " + c, false, options, tls);
                opened.add(ch);
                data.add(ch);
            }
            SourceSession session = SourceSession.start(method, request.uuid(), image, data,
                    new ControlLink.Source(main, options), options, List.of(watchdog), claim);
            claim = null; // the session's: it ends the claim when closed
            return session;
        } catch (MultifdException | RuntimeException e) {
            for (WatchedChannel ch : opened) {
                ch.closeQuietly();
            }
            watchdog.close();
            throw e;
        } finally {
            if (claim != null) {
                try {
                    claim.close();
                } catch (Exception ignored) {
                    // ends a flag: cannot fail
                }
            }
        }
    }

    private static WatchedChannel open(InetSocketAddress address, Watchdog watchdog, String label, boolean timeReads,
                                       EngineOptions options, Optional<TlsConfig.Context> tls)
            throws MultifdException {
        SocketChannel sc = null;
        try {
            sc = SocketChannel.open();
            sc.setOption(StandardSocketOptions.TCP_NODELAY, true);
            long ms = options.ioTimeout().toMillis();
            sc.socket().connect(address, (int) Math.min(ms, Integer.MAX_VALUE));
            if (tls.isPresent()) {
                Socket plain = sc.socket();
                SSLSocket t = tls.get().client(plain, address.getHostString(), label, options.ioTimeout());
                return watchdog.watch(new TlsChannel(t, plain), label, timeReads, true);
            }
            return watchdog.watch(sc, label, timeReads, true);
        } catch (IOException e) {
            if (sc != null) {
                try {
                    sc.close();
                } catch (IOException ignored) {
                    // nothing more to release
                }
            }
            throw new MultifdException("cannot connect " + label + " to " + address + ": " + e.getMessage(), e);
        }
    }
}
