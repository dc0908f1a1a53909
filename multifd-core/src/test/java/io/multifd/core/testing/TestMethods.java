package io.multifd.core.testing;

import io.multifd.api.MethodFlag;
import io.multifd.api.MethodProvider;
import io.multifd.api.MethodSettings;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.api.MultifdMethod;
import io.multifd.api.RecvChannel;
import io.multifd.api.SendChannel;

import java.nio.ByteBuffer;

/**
 * Test-only methods for multifd-core's own tests (core must not depend on the method modules).
 *
 * <p>{@link #copy()} sends pages raw. {@link #chained()} XORs every payload byte with a key that
 * depends on all earlier packets of the channel, so decoding a channel's packets out of order or
 * with a fresh state gives wrong pages: it stands in for zlib/zstd's per-channel stream state.
 */
public final class TestMethods {

    private TestMethods() {
    }

    /** @return a provider of raw copies, flag 0x00 */
    public static MethodProvider copy() {
        return provider("copy", MethodFlag.NONE, false);
    }

    /** @return a provider with per-channel chained state, private flag 0x3E */
    public static MethodProvider chained() {
        return provider("chained", MethodFlag.privateFlag(0x3E), true);
    }

    private static MethodProvider provider(String name, MethodFlag flag, boolean chained) {
        return new MethodProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public MethodFlag flag() {
                return flag;
            }

            @Override
            public int apiVersion() {
                return MultifdApi.API_VERSION;
            }

            @Override
            public MultifdMethod create(MethodSettings settings) {
                return new Method(flag, chained);
            }
        };
    }

    private static final class State {
        final ByteBuffer buf;
        byte key = 0x5A;

        State(int bytes) {
            buf = ByteBuffer.allocate(bytes);
        }
    }

    private static final class Method implements MultifdMethod {
        private final MethodFlag flag;
        private final boolean chained;

        Method(MethodFlag flag, boolean chained) {
            this.flag = flag;
            this.chained = chained;
        }

        @Override
        public void sendSetup(SendChannel ch) {
            ch.setIovSlots(1);
            ch.setState(new State(ch.packetCapacity() * ch.pageSize()));
        }

        @Override
        public void sendCleanup(SendChannel ch) {
            ch.setState(null);
        }

        @Override
        public void sendPrepare(SendChannel ch) {
            State s = ch.state(State.class);
            s.buf.clear();
            for (int i = 0; i < ch.batch().normalCount(); i++) {
                ByteBuffer page = ch.batch().normalPage(i);
                while (page.hasRemaining()) {
                    s.buf.put((byte) (page.get() ^ (chained ? s.key : 0)));
                }
            }
            s.buf.flip();
            if (chained && s.buf.hasRemaining()) {
                s.key = (byte) (s.key * 31 + s.buf.get(0) + ch.batch().normalCount());
            }
            if (s.buf.hasRemaining()) {
                ch.addPayload(s.buf);
            }
            ch.setNextPacketSize(s.buf.remaining());
            ch.setCompression(flag);
            ch.fillPacket();
        }

        @Override
        public void recvSetup(RecvChannel ch) {
            ch.setState(new State(ch.packetCapacity() * ch.pageSize()));
        }

        @Override
        public void recvCleanup(RecvChannel ch) {
            ch.setState(null);
        }

        @Override
        public void recv(RecvChannel ch) throws MultifdException {
            State s = ch.state(State.class);
            if (ch.nextPacketSize() != ch.normalCount() * ch.pageSize()) {
                throw ch.failure("next_packet_size", "expected " + ch.normalCount() * ch.pageSize());
            }
            s.buf.clear().limit(ch.nextPacketSize());
            ch.readPayload(s.buf);
            s.buf.flip();
            byte key = s.key;
            for (int i = 0; i < ch.normalCount(); i++) {
                ByteBuffer page = ch.pageBuffer(i);
                while (page.hasRemaining()) {
                    page.put((byte) (s.buf.get() ^ (chained ? key : 0)));
                }
            }
            if (chained) {
                s.key = (byte) (s.key * 31 + (s.buf.get(0)) + ch.normalCount());
            }
        }

        @Override
        public int maxPayloadSize(int normalPages, int pageSize) {
            return normalPages * pageSize;
        }
    }
}
