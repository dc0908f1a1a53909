package io.multifd.core.engine;

import io.multifd.api.MethodProvider;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.wire.InitPacket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A hand-driven source: speaks the handshake, then writes whatever a test wants. */
final class FakeSource implements AutoCloseable {

    final UUID uuid = UUID.randomUUID();
    final SocketChannel main;
    final List<SocketChannel> data = new ArrayList<>();
    private final InetSocketAddress address;

    FakeSource(InetSocketAddress address) throws IOException {
        this.address = address;
        this.main = SocketChannel.open(address);
    }

    Hello hello(int channels, MethodProvider offer) {
        return new Hello(ControlProtocol.VERSION, uuid, 4096, channels, List.of(new BlockSpec("pc.ram", 1 << 20)),
                List.of(MethodOffer.of(offer, Map.of())));
    }

    HelloReply handshake(Hello hello) throws Exception {
        write(main, ControlProtocol.encodeHello(hello));
        ControlProtocol.readMagic(main, "reply");
        return ControlProtocol.decodeReply(ControlProtocol.readMessageAfterMagic(main, "reply"));
    }

    SocketChannel connect() throws IOException {
        SocketChannel c = SocketChannel.open(address);
        data.add(c);
        return c;
    }

    static ByteBuffer init(UUID uuid, int id) {
        return new InitPacket(uuid, id).encode();
    }

    static void write(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Reads main-channel frames until ABORT; returns its reason, or null at EOF. */
    String awaitAbort() throws Exception {
        while (true) {
            ControlProtocol.Frame f = ControlProtocol.readFrame(main);
            if (f == null) {
                return null;
            }
            if (f.type() == ControlProtocol.FRAME_ABORT) {
                return ControlProtocol.text(f.body());
            }
        }
    }

    @Override
    public void close() throws IOException {
        main.close();
        for (SocketChannel c : data) {
            c.close();
        }
    }
}
