package io.multifd.method.none;

import static io.multifd.tck.Loopback.CAPACITY;
import static io.multifd.tck.Loopback.PAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multifd.api.Availability;
import io.multifd.api.MethodFlag;
import io.multifd.api.MethodSettings;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.api.MultifdMethod;
import io.multifd.api.PacketFlags;
import io.multifd.api.PageBatch;
import io.multifd.api.RecvChannel;
import io.multifd.api.SendChannel;
import io.multifd.api.WriteFlag;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.image.MemoryImage;
import io.multifd.tck.Loopback;
import io.multifd.tck.Loopback.Packet;
import io.multifd.tck.PageKind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Facts of the none method (spec §4.1), checked against the raw pages themselves. */
class NoneMethodTests {

    private static final NoneMethodProvider PROVIDER = new NoneMethodProvider();

    static ResolvedMethod none() throws MultifdException {
        return Loopback.resolve(PROVIDER, Map.of());
    }

    @Test
    void describesQemusNone() throws MultifdException {
        assertThat(PROVIDER.name()).isEqualTo("none");
        assertThat(PROVIDER.flag()).isEqualTo(MethodFlag.of(0x00));
        assertThat(PROVIDER.apiVersion()).isEqualTo(MultifdApi.API_VERSION);
        assertThat(PROVIDER.availability()).isEqualTo(Availability.full());
        assertThat(PROVIDER.parameters()).isEmpty();
        assertThat(none().method().engine()).isEqualTo("copy");
    }

    @Test
    void payloadIsTheNormalPagesConcatenatedInBatchOrder() throws MultifdException {
        Random rnd = new Random(1);
        List<byte[]> pages = new ArrayList<>();
        for (PageKind k : new PageKind[] {PageKind.TEXT, PageKind.ZERO, PageKind.RANDOM, PageKind.SPARSE, PageKind.ZERO, PageKind.PATTERN}) {
            pages.add(Loopback.page(k, rnd, PAGE));
        }
        try (Loopback.Sender s = new Loopback.Sender(none(), 0, PAGE, new AtomicLong())) {
            Packet p = s.send(0, Loopback.wrap(pages));
            byte[] expected = Loopback.concat(List.of(pages.get(0), pages.get(2), pages.get(3), pages.get(5)));
            assertThat(p.payload()).isEqualTo(expected);
            assertThat(p.nextPacketSize()).isEqualTo(4 * PAGE);
            assertThat(p.normalPages()).isEqualTo(4);
            assertThat(p.flags()).isEqualTo(0x00);
        }
    }

    @Test
    void aPacketOfZeroPagesHasNoPayloadAndFlagZero() throws MultifdException {
        try (Loopback.Sender s = new Loopback.Sender(none(), 0, PAGE, new AtomicLong())) {
            Packet p = s.send(0, Loopback.wrap(List.of(new byte[PAGE], new byte[PAGE])));
            assertThat(p.payload()).isEmpty();
            assertThat(p.nextPacketSize()).isZero();
            assertThat(p.flags()).isEqualTo(0x00);
        }
    }

    @Test
    void declaresOneIovSlotPerPageOfAPacket() throws MultifdException {
        for (int ps : new int[] {MultifdApi.MIN_PAGE_SIZE, 4096, MultifdApi.MAX_PAGE_SIZE}) {
            try (Loopback.Sender s = new Loopback.Sender(none(), 0, ps, new AtomicLong())) {
                assertThat(s.channel().iovSlots()).isEqualTo(524288 / ps);
                assertThat(s.channel().writeFlags()).isEmpty();
            }
        }
    }

    @Test
    void maxPayloadSizeIsExactlyTheRawPages() throws MultifdException {
        MultifdMethod m = none().method();
        assertThat(m.maxPayloadSize(0, PAGE)).isZero();
        assertThat(m.maxPayloadSize(1, PAGE)).isEqualTo(4096);
        assertThat(m.maxPayloadSize(CAPACITY, PAGE)).isEqualTo(524288);
        assertThat(m.maxPayloadSize(8, 65536)).isEqualTo(524288);
    }

    @Test
    void pagesArePassedWithoutACopy() throws MultifdException {
        byte[] page = Loopback.page(PageKind.TEXT, new Random(2), PAGE);
        ByteBuffer source = ByteBuffer.wrap(page).asReadOnlyBuffer();
        FakeSend channel = new FakeSend(List.of(source));
        MultifdMethod m = none().method();
        m.sendSetup(channel);
        m.sendPrepare(channel);
        assertThat(channel.payloads).hasSize(1);
        page[100] = 42; // the payload buffer shows changes to the page: it is the page
        assertThat(channel.payloads.get(0).get(100)).isEqualTo((byte) 42);
        assertThat(channel.nextPacketSize).isEqualTo(PAGE);
        assertThat(channel.compression).isEqualTo(MethodFlag.NONE);
        assertThat(channel.filled).isTrue();
        m.sendCleanup(channel);
        assertThat(channel.state).isNull();
    }

    @Test
    void pagesAreReadStraightIntoTheirDestination() throws MultifdException {
        byte[] a = Loopback.page(PageKind.RANDOM, new Random(3), PAGE);
        byte[] b = Loopback.page(PageKind.TEXT, new Random(4), PAGE);
        FakeRecv channel = new FakeRecv(Loopback.concat(List.of(a, b)), 2);
        MultifdMethod m = none().method();
        m.recvSetup(channel);
        m.recv(channel);
        m.recvCleanup(channel);
        assertThat(channel.reads).as("one read per page").isEqualTo(2);
        assertThat(channel.readsIntoPages).as("every read targets a page buffer").isEqualTo(2);
        assertThat(Arrays.copyOfRange(channel.destination, 0, PAGE)).isEqualTo(a);
        assertThat(Arrays.copyOfRange(channel.destination, PAGE, 2 * PAGE)).isEqualTo(b);
        assertThat(channel.state).isNull();
    }

    @Test
    void aShortNextPacketSizeFailsNamingTheField() throws MultifdException {
        byte[] raw = Loopback.page(PageKind.TEXT, new Random(5), PAGE);
        List<Packet> wire = List.of(Loopback.packet(PAGE, MethodFlag.NONE, 0, 0, 2, raw));
        MemoryImage image = Loopback.image(PAGE, 4);
        assertThatThrownBy(() -> Loopback.receive(none(), PAGE, image, wire)).isInstanceOf(MultifdException.class)
                .hasMessageContaining("method none, channel 0, packet 0, field next_packet_size")
                .hasMessageContaining("8192");
        assertThat(Loopback.isZero(Loopback.readPage(image, 0))).isTrue();
    }

    @Test
    void aStreamEndingInsideThePayloadFails() throws MultifdException {
        byte[] raw = Loopback.page(PageKind.TEXT, new Random(6), PAGE);
        Packet whole = Loopback.packet(PAGE, MethodFlag.NONE, 0, 0, 1, raw);
        Packet cut = new Packet(whole.header(), Arrays.copyOf(raw, 100)); // header still says 4096
        assertThatThrownBy(() -> Loopback.receive(none(), PAGE, Loopback.image(PAGE, 2), List.of(cut)))
                .isInstanceOf(MultifdException.class).hasMessageContaining("payload");
    }

    @Test
    void aLongerPayloadIsRefusedBeforeRecv() throws MultifdException {
        byte[] raw = new byte[PAGE + 1];
        List<Packet> wire = List.of(Loopback.packet(PAGE, MethodFlag.NONE, 0, 0, 1, raw));
        assertThatThrownBy(() -> Loopback.receive(none(), PAGE, Loopback.image(PAGE, 2), wire))
                .isInstanceOf(MultifdException.class).hasMessageContaining("next_packet_size");
    }

    @Test
    void cleanupTwiceIsHarmless() throws MultifdException {
        FakeSend channel = new FakeSend(List.of());
        MultifdMethod m = none().method();
        m.sendSetup(channel);
        m.sendCleanup(channel);
        m.sendCleanup(channel);
        assertThat(channel.state).isNull();
    }

    /** A send channel that records what the method does, to look at the buffers themselves. */
    private static final class FakeSend implements SendChannel, PageBatch {
        final List<ByteBuffer> pages;
        final List<ByteBuffer> payloads = new ArrayList<>();
        Object state;
        int slots;
        int nextPacketSize;
        MethodFlag compression;
        boolean filled;

        FakeSend(List<ByteBuffer> pages) {
            this.pages = pages;
        }

        @Override public int id() { return 0; }
        @Override public int pageSize() { return PAGE; }
        @Override public int packetCapacity() { return CAPACITY; }
        @Override public MethodSettings settings() { return MethodSettings.empty(); }
        @Override public Object state() { return state; }
        @Override public void setState(Object s) { state = s; }
        @Override public long packetNumber() { return 0; }
        @Override public MultifdException failure(String field, String detail) { return new MultifdException(detail); }
        @Override public MultifdException failure(String field, String detail, Throwable cause) {
            return new MultifdException(detail, cause);
        }
        @Override public void setIovSlots(int n) { slots = n; }
        @Override public int iovSlots() { return slots; }
        @Override public void setWriteFlags(Set<WriteFlag> flags) { }
        @Override public PageBatch batch() { return this; }
        @Override public void addPayload(ByteBuffer payload) {
            assertThat(payloads.size()).isLessThan(slots);
            payloads.add(payload);
        }
        @Override public void setNextPacketSize(int bytes) { nextPacketSize = bytes; }
        @Override public int nextPacketSize() { return nextPacketSize; }
        @Override public void setCompression(MethodFlag flag) { compression = flag; }
        @Override public PacketFlags flags() { return PacketFlags.data(compression); }
        @Override public void fillPacket() { filled = true; }
        @Override public String blockName() { return Loopback.BLOCK; }
        @Override public int normalCount() { return pages.size(); }
        @Override public long normalOffset(int i) { return (long) i * PAGE; }
        @Override public ByteBuffer normalPage(int i) { return pages.get(i).duplicate().clear(); }
        @Override public int zeroCount() { return 0; }
        @Override public long zeroOffset(int i) { throw new IndexOutOfBoundsException(i); }
    }

    /** A receive channel over a byte array that checks where each read goes. */
    private static final class FakeRecv implements RecvChannel {
        final byte[] payload;
        final int normal;
        final byte[] destination;
        int consumed;
        int reads;
        int readsIntoPages;
        Object state;

        FakeRecv(byte[] payload, int normal) {
            this.payload = payload;
            this.normal = normal;
            this.destination = new byte[normal * PAGE];
        }

        @Override public int id() { return 0; }
        @Override public int pageSize() { return PAGE; }
        @Override public int packetCapacity() { return CAPACITY; }
        @Override public MethodSettings settings() { return MethodSettings.empty(); }
        @Override public Object state() { return state; }
        @Override public void setState(Object s) { state = s; }
        @Override public long packetNumber() { return 0; }
        @Override public MultifdException failure(String field, String detail) { return new MultifdException(detail); }
        @Override public MultifdException failure(String field, String detail, Throwable cause) {
            return new MultifdException(detail, cause);
        }
        @Override public PacketFlags flags() { return PacketFlags.data(MethodFlag.NONE); }
        @Override public String blockName() { return Loopback.BLOCK; }
        @Override public int normalCount() { return normal; }
        @Override public long normalOffset(int i) { return (long) i * PAGE; }
        @Override public int zeroCount() { return 0; }
        @Override public long zeroOffset(int i) { throw new IndexOutOfBoundsException(i); }
        @Override public int nextPacketSize() { return payload.length; }
        @Override public int payloadRemaining() { return payload.length - consumed; }

        @Override
        public void readPayload(ByteBuffer dst) throws MultifdException {
            reads++;
            if (dst.hasArray() && dst.array() == destination) {
                readsIntoPages++;
            }
            int n = dst.remaining();
            if (n > payloadRemaining()) {
                throw new MultifdException("read past the payload");
            }
            dst.put(payload, consumed, n);
            consumed += n;
        }

        @Override
        public ByteBuffer pageBuffer(int i) {
            return ByteBuffer.wrap(destination, i * PAGE, PAGE).slice();
        }
    }
}
