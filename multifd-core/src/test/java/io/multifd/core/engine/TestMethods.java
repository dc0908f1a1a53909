package io.multifd.core.engine;

import io.multifd.api.ChannelContext;
import io.multifd.api.MethodFlag;
import io.multifd.api.MethodProvider;
import io.multifd.api.MethodSettings;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.api.MultifdMethod;
import io.multifd.api.PageBatch;
import io.multifd.api.RecvChannel;
import io.multifd.api.SendChannel;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Test-only methods, so multifd-core's engine tests need no method module (a reactor cycle).
 * <ul>
 * <li>{@code test-copy} (flag 0x0A): raw pages, copied into a per-channel buffer.</li>
 * <li>{@code test-stream} (flag 0x0C): per-channel stream state that breaks if packets of a channel
 * are decoded out of order or on another channel: each payload starts with the channel's packet
 * sequence number and the pages are XORed with a keystream whose position carries over from
 * packet to packet.</li>
 * </ul>
 * Both accept hooks that delay a channel (to provoke reordering between channels).
 */
final class TestMethods {

    private TestMethods() {
    }

    /** Delays a hook: given the channel and the first byte of the batch's first normal page. */
    @FunctionalInterface
    interface Delay {
        long millis(int channel, int firstByte);

        Delay NONE = (c, b) -> 0;
    }

    static MethodProvider copy() {
        return new Provider("test-copy", 0x0A, false, Delay.NONE, Delay.NONE);
    }

    static MethodProvider stream() {
        return new Provider("test-stream", 0x0C, true, Delay.NONE, Delay.NONE);
    }

    static MethodProvider copy(String name, Delay send, Delay recv) {
        return new Provider(name, 0x0E, false, send, recv);
    }

    /** The provider: a cheap factory. */
    static final class Provider implements MethodProvider {
        private final String name;
        private final int flag;
        private final boolean stream;
        private final Delay send;
        private final Delay recv;

        Provider(String name, int flag, boolean stream, Delay send, Delay recv) {
            this.name = name;
            this.flag = flag;
            this.stream = stream;
            this.send = send;
            this.recv = recv;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public MethodFlag flag() {
            return MethodFlag.privateFlag(flag);
        }

        @Override
        public int apiVersion() {
            return MultifdApi.API_VERSION;
        }

        @Override
        public MultifdMethod create(MethodSettings settings) {
            return new Method(MethodFlag.privateFlag(flag), stream, send, recv);
        }
    }

    /** Per channel and direction. */
    static final class State {
        final ByteBuffer buffer;
        long sequence;
        long position;
        long packets;

        State(int capacity) {
            this.buffer = ByteBuffer.allocate(capacity);
        }
    }

    static final class Method implements MultifdMethod {
        private final MethodFlag flag;
        private final boolean stream;
        private final Delay sendDelay;
        private final Delay recvDelay;

        Method(MethodFlag flag, boolean stream, Delay sendDelay, Delay recvDelay) {
            this.flag = flag;
            this.stream = stream;
            this.sendDelay = sendDelay;
            this.recvDelay = recvDelay;
        }

        private int header() {
            return stream ? 8 : 0;
        }

        @Override
        public void sendSetup(SendChannel channel) {
            channel.setIovSlots(1);
            channel.setState(new State(header() + channel.packetCapacity() * channel.pageSize()));
        }

        @Override
        public void sendCleanup(SendChannel channel) {
            channel.setState(null);
        }

        @Override
        public void sendPrepare(SendChannel channel) throws MultifdException {
            State s = channel.state(State.class);
            PageBatch b = channel.batch();
            if (b.normalCount() > 0) {
                sleep(sendDelay.millis(channel.id(), Byte.toUnsignedInt(b.normalPage(0).get(0))));
            }
            ByteBuffer out = s.buffer.clear();
            if (b.normalCount() > 0) {
                if (stream) {
                    out.putLong(s.sequence++);
                }
                for (int i = 0; i < b.normalCount(); i++) {
                    ByteBuffer page = b.normalPage(i);
                    int start = out.position();
                    out.put(page);
                    if (stream) {
                        xor(out, start, channel.pageSize(), s.position, channel.id());
                        s.position += channel.pageSize();
                    }
                }
                out.flip();
                channel.addPayload(out);
            }
            channel.setNextPacketSize(b.normalCount() == 0 ? 0 : out.remaining());
            channel.setCompression(flag);
            channel.fillPacket();
            s.packets++;
        }

        @Override
        public void recvSetup(RecvChannel channel) {
            channel.setState(new State(header() + channel.packetCapacity() * channel.pageSize()));
        }

        @Override
        public void recvCleanup(RecvChannel channel) {
            channel.setState(null);
        }

        @Override
        public void recv(RecvChannel channel) throws MultifdException {
            State s = channel.state(State.class);
            int expected = header() + channel.normalCount() * channel.pageSize();
            if (channel.nextPacketSize() != expected) {
                throw channel.failure("next_packet_size", "is " + channel.nextPacketSize() + ", expected " + expected);
            }
            ByteBuffer in = s.buffer.clear().limit(expected);
            channel.readPayload(in);
            in.flip();
            if (stream) {
                long seq = in.getLong();
                if (seq != s.sequence) {
                    throw channel.failure("payload", "stream sequence " + seq + ", expected " + s.sequence
                            + ": packets of this channel were decoded out of order");
                }
                s.sequence++;
            }
            for (int i = 0; i < channel.normalCount(); i++) {
                int start = in.position();
                if (stream) {
                    xor(in, start, channel.pageSize(), s.position, channel.id());
                    s.position += channel.pageSize();
                }
                ByteBuffer dst = channel.pageBuffer(i).duplicate();
                if (i == 0) {
                    sleep(recvDelay.millis(channel.id(), Byte.toUnsignedInt(in.get(start))));
                }
                dst.put(in.duplicate().position(start).limit(start + channel.pageSize()));
                in.position(start + channel.pageSize());
            }
            s.packets++;
        }

        @Override
        public int maxPayloadSize(int normalPages, int pageSize) {
            return normalPages == 0 ? 0 : header() + normalPages * pageSize;
        }

        @Override
        public Map<String, Long> counters(ChannelContext channel) {
            Object s = channel.state();
            return s instanceof State st ? Map.of("test-packets", st.packets) : Map.of();
        }

        private static void xor(ByteBuffer b, int start, int len, long position, int channel) {
            for (int i = 0; i < len; i++) {
                long p = position + i;
                long z = (p >>> 3) * 0x9E3779B97F4A7C15L + channel * 0xBF58476D1CE4E5B9L;
                z = (z ^ (z >>> 31)) * 0x94D049BB133111EBL;
                byte k = (byte) (z >>> ((p & 7) * 8));
                b.put(start + i, (byte) (b.get(start + i) ^ k));
            }
        }

        private static void sleep(long ms) {
            if (ms <= 0) {
                return;
            }
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
