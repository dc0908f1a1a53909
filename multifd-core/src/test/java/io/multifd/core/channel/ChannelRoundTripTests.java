package io.multifd.core.channel;

import io.multifd.api.MethodFlag;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.api.MultifdMethod;
import io.multifd.api.MethodSettings;
import io.multifd.api.RecvChannel;
import io.multifd.api.SendChannel;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.testing.TestMethods;
import io.multifd.core.wire.InitPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChannelRoundTripTests {

    static final int PS = 4096;

    static MemoryImage sourceImage(long pages, long seed) {
        MemoryImage img = MemoryImage.allocate(PS, List.of(new BlockSpec("pc.ram", pages * PS)));
        Random r = new Random(seed);
        var b = img.blocks().get(0);
        for (long p = 0; p < pages; p++) {
            if (p % 3 == 0) {
                continue; // zero page
            }
            ByteBuffer page = b.page(p * PS);
            byte[] bytes = new byte[PS];
            r.nextBytes(bytes);
            page.put(bytes);
        }
        return img;
    }

    static byte[] send(ResolvedMethod m, MemoryImage src, boolean syncs) throws MultifdException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ChannelSender s = new ChannelSender(m, 0, PS, Channels.newChannel(bytes), new AtomicLong(), true);
        s.writeInit(InitPacket.NIL_UUID);
        s.setup();
        if (syncs) {
            s.sendSync();
        }
        var block = src.blocks().get(0);
        SendBatch batch = s.batch(block.name());
        for (long off = 0; off < block.size(); off += PS) {
            batch.add(off, block.readPage(off));
            if (batch.isFull()) {
                s.sendBatch();
            }
        }
        s.sendBatch();
        if (syncs) {
            s.sendSync();
        }
        s.close();
        return bytes.toByteArray();
    }

    @Test
    void chainedMethodRoundTripsAndDetectsZeroPages() throws Exception {
        ResolvedMethod m = ResolvedMethod.create(TestMethods.chained(), Map.of());
        MemoryImage src = sourceImage(300, 1);
        byte[] wire = send(m, src, true);
        MemoryImage dst = MemoryImage.allocate(PS, src.specs());
        ChannelReceiver r = new ChannelReceiver(m, PS, Channels.newChannel(new ByteArrayInputStream(wire)), "mem", null);
        assertThat(r.readInit().channelId()).isZero();
        r.setImage(dst);
        r.setup();
        int syncs = 0;
        int data = 0;
        for (ChannelReceiver.Event e = r.next(); e != ChannelReceiver.Event.END; e = r.next()) {
            if (e == ChannelReceiver.Event.SYNC) {
                syncs++;
            } else {
                data++;
            }
        }
        r.close();
        assertThat(syncs).isEqualTo(2);
        assertThat(data).isEqualTo(3); // 300 pages = 128 + 128 + 44
        assertThat(r.stats().zeroPages()).isEqualTo(100);
        assertThat(r.stats().normalPages()).isEqualTo(200);
        assertThat(dst.blocks().get(0).firstMissing()).isEqualTo(-1);
        var a = src.blocks().get(0).readPage(0);
        for (long off = 0; off < 300L * PS; off += PS) {
            assertThat(dst.blocks().get(0).readPage(off).mismatch(src.blocks().get(0).readPage(off)))
                    .as("page at %d", off).isEqualTo(-1);
        }
        assertThat(a.remaining()).isEqualTo(PS);
    }

    @Test
    void truncatedStreamNamesChannelPacketAndField() throws Exception {
        ResolvedMethod m = ResolvedMethod.create(TestMethods.copy(), Map.of());
        MemoryImage src = sourceImage(10, 2);
        byte[] wire = send(m, src, false);
        for (int cut : new int[] {64 + 5, 64 + 1000, wire.length - 1}) {
            ChannelReceiver r = new ChannelReceiver(m, PS,
                    Channels.newChannel(new ByteArrayInputStream(wire, 0, cut)), "mem", null);
            r.readInit();
            r.setImage(MemoryImage.allocate(PS, src.specs()));
            r.setup();
            assertThatThrownBy(() -> {
                while (r.next() != ChannelReceiver.Event.END) {
                    // read on
                }
            }).isInstanceOf(MultifdException.class).hasMessageStartingWith("method copy, channel 0")
                    .hasMessageContaining("stream ended inside");
            r.close();
        }
    }

    @Test
    void wrongCompressionFieldIsRejectedBeforeTheMethodRuns() throws Exception {
        MemoryImage src = sourceImage(4, 3);
        byte[] wire = send(ResolvedMethod.create(TestMethods.copy(), Map.of()), src, false);
        ResolvedMethod chained = ResolvedMethod.create(TestMethods.chained(), Map.of());
        ChannelReceiver r = new ChannelReceiver(chained, PS, Channels.newChannel(new ByteArrayInputStream(wire)),
                "mem", null);
        r.readInit();
        r.setImage(MemoryImage.allocate(PS, src.specs()));
        r.setup();
        assertThatThrownBy(r::next).isInstanceOf(MultifdException.class)
                .hasMessage("method chained, channel 0, packet 0, field flags: compression field 0x00 but the "
                        + "negotiated method chained has flag 0x3E");
        r.close();
    }

    @Test
    void offsetsMustBeAlignedAndInsideTheBlock() throws Exception {
        ResolvedMethod m = ResolvedMethod.create(TestMethods.copy(), Map.of());
        MemoryImage src = sourceImage(4, 4);
        byte[] wire = send(m, src, false);
        ByteBuffer w = ByteBuffer.wrap(wire);
        w.putLong(64 + 320, 4L * PS); // first offset: one page past the end
        assertThatThrownBy(() -> drain(m, wire, src)).hasMessageContaining("field offset[0]")
                .hasMessageContaining("past the end of RAMBlock pc.ram");
        w.putLong(64 + 320, 17);
        assertThatThrownBy(() -> drain(m, wire, src)).hasMessageContaining("not aligned");
    }

    @Test
    void hugeNextPacketSizeIsRejectedBeforeAnyRead() throws Exception {
        ResolvedMethod m = ResolvedMethod.create(TestMethods.copy(), Map.of());
        MemoryImage src = sourceImage(4, 5);
        byte[] wire = send(m, src, false);
        ByteBuffer.wrap(wire).putInt(64 + 20, -2);
        assertThatThrownBy(() -> drain(m, wire, src)).hasMessageContaining("field next_packet_size")
                .hasMessageContaining("next_packet_size 4294967294 exceeds the bound 8192 of method copy for 2 pages");
    }

    @Test
    void repeatedPacketNumberIsRejected() throws Exception {
        ResolvedMethod m = ResolvedMethod.create(TestMethods.copy(), Map.of());
        MemoryImage src = sourceImage(300, 6);
        byte[] wire = send(m, src, false);
        int second = 64 + 1344 + ByteBuffer.wrap(wire).getInt(64 + 20);
        ByteBuffer.wrap(wire).putLong(second + 24, 0);
        assertThatThrownBy(() -> drain(m, wire, src)).hasMessageContaining("field packet_num")
                .hasMessageContaining("does not increase");
    }

    static void drain(ResolvedMethod m, byte[] wire, MemoryImage src) throws MultifdException {
        ChannelReceiver r = new ChannelReceiver(m, PS, Channels.newChannel(new ByteArrayInputStream(wire)), "mem",
                new PacketNumbers());
        r.readInit();
        r.setImage(MemoryImage.allocate(PS, src.specs()));
        r.setup();
        try {
            while (r.next() != ChannelReceiver.Event.END) {
                // read on
            }
        } finally {
            r.close();
        }
    }

    @Test
    void senderCatchesAMethodThatForgetsFillPacket() throws Exception {
        MultifdMethod lazy = new MultifdMethod() {
            @Override
            public void sendSetup(SendChannel ch) {
                ch.setIovSlots(1);
            }

            @Override
            public void sendCleanup(SendChannel ch) {
            }

            @Override
            public void sendPrepare(SendChannel ch) {
                ch.setCompression(MethodFlag.NONE);
            }

            @Override
            public void recvSetup(RecvChannel ch) {
            }

            @Override
            public void recvCleanup(RecvChannel ch) {
            }

            @Override
            public void recv(RecvChannel ch) {
            }

            @Override
            public int maxPayloadSize(int n, int ps) {
                return n * ps;
            }
        };
        ResolvedMethod m = new ResolvedMethod("lazy", MethodFlag.NONE, lazy, MethodSettings.empty());
        ChannelSender s = new ChannelSender(m, 3, PS, Channels.newChannel(new ByteArrayOutputStream()),
                new AtomicLong(), true);
        s.setup();
        s.batch("pc.ram").add(0, ByteBuffer.allocate(PS));
        assertThatThrownBy(s::sendBatch).hasMessageContaining("channel 3")
                .hasMessageContaining("broke rule 2.6: it returned without calling fillPacket()");
        s.close();
        assertThat(MultifdApi.packetCapacity(PS)).isEqualTo(128);
    }

    /**
     * pageRun groups the packet's normal pages that follow each other in the block and stops at
     * a gap, at a page listed out of order, and at the end of a 1 GiB storage chunk; the pages
     * written through the runs are the source's.
     */
    @Test
    void pageRunsSpanAdjacentPagesAndStopAtGapsOrderAndChunkEnds(@TempDir Path dir) throws Exception {
        long gib = 1L << 30;
        BlockSpec spec = new BlockSpec("pc.ram", gib + 16 * PS);
        List<Long> list = new ArrayList<>(List.of(0L, (long) PS, 2L * PS, 4L * PS, 9L * PS, 8L * PS));
        for (int p = 16; p < 32; p++) {
            list.add((long) p * PS); // a run of 64 KiB: long enough to tempt a read straight from the socket
        }
        list.addAll(List.of(gib - 2 * PS, gib - PS, gib, gib + PS, gib + 3 * PS));
        long[] offsets = list.stream().mapToLong(Long::longValue).toArray();
        List<Integer> runs = new ArrayList<>();
        List<Integer> readTargets = new ArrayList<>();
        MultifdMethod copy = TestMethods.copy().create(MethodSettings.empty());
        MultifdMethod grouping = new MultifdMethod() {
            @Override
            public void sendSetup(SendChannel ch) throws MultifdException {
                copy.sendSetup(ch);
            }

            @Override
            public void sendCleanup(SendChannel ch) {
                copy.sendCleanup(ch);
            }

            @Override
            public void sendPrepare(SendChannel ch) throws MultifdException {
                copy.sendPrepare(ch);
            }

            @Override
            public void recvSetup(RecvChannel ch) {
            }

            @Override
            public void recvCleanup(RecvChannel ch) {
            }

            @Override
            public void recv(RecvChannel ch) throws MultifdException {
                for (int i = 0; i < ch.normalCount(); ) {
                    ByteBuffer run = ch.pageRun(i);
                    assertThat(run.remaining() % PS).isZero();
                    runs.add(run.remaining() / PS);
                    i += run.remaining() / PS;
                    ch.readPayload(run);
                }
            }

            @Override
            public int maxPayloadSize(int n, int ps) {
                return n * ps;
            }
        };
        ResolvedMethod m = new ResolvedMethod("copy", MethodFlag.NONE, grouping, MethodSettings.empty());
        try (MemoryImage src = MemoryImage.mapFiles(PS, Map.of(spec, dir.resolve("src")), true);
             MemoryImage dst = MemoryImage.mapFiles(PS, Map.of(spec, dir.resolve("dst")), true)) {
            var from = src.blocks().get(0);
            Random r = new Random(7);
            for (long off : offsets) {
                byte[] bytes = new byte[PS];
                r.nextBytes(bytes);
                from.page(off).put(bytes);
            }
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            ChannelSender s = new ChannelSender(m, 0, PS, Channels.newChannel(wire), new AtomicLong(), true);
            s.writeInit(InitPacket.NIL_UUID);
            s.setup();
            SendBatch batch = s.batch("pc.ram");
            for (long off : offsets) {
                batch.add(off, from.readPage(off));
            }
            s.sendBatch();
            s.close();
            ChannelReceiver rc = new ChannelReceiver(m, PS,
                    readsInto(Channels.newChannel(new ByteArrayInputStream(wire.toByteArray())), readTargets), "mem",
                    null);
            rc.readInit();
            rc.setImage(dst);
            rc.setup();
            assertThat(rc.next()).isEqualTo(ChannelReceiver.Event.DATA);
            assertThat(rc.next()).isEqualTo(ChannelReceiver.Event.END);
            rc.close();
            // 0,1,2 | 4 | 9 | 8 (out of order) | 16..31 | 1G-2, 1G-1 (chunk end) | 1G, 1G+1 | 1G+3
            assertThat(runs).containsExactly(3, 1, 1, 1, 16, 2, 2, 1);
            // raw pages never come from the socket straight into the image: every read fills the read-ahead buffer
            assertThat(readTargets).isNotEmpty().allSatisfy(c -> assertThat(c).isEqualTo(ChannelReceiver.STAGE_BYTES));
            for (long off : offsets) {
                assertThat(dst.blocks().get(0).readPage(off).mismatch(from.readPage(off))).as("page at %d", off)
                        .isEqualTo(-1);
            }
        }
    }

    /**
     * A channel that records the capacity of every buffer it reads into and, like a socket, hands
     * out at most 16 KiB per read (so the read-ahead buffer runs dry in the middle of a run).
     */
    private static ReadableByteChannel readsInto(ReadableByteChannel in, List<Integer> capacities) {
        return new ReadableByteChannel() {
            @Override
            public int read(ByteBuffer dst) throws IOException {
                capacities.add(dst.capacity());
                int limit = dst.limit();
                dst.limit(Math.min(limit, dst.position() + 16 * 1024));
                try {
                    return in.read(dst);
                } finally {
                    dst.limit(limit);
                }
            }

            @Override
            public boolean isOpen() {
                return in.isOpen();
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        };
    }
}
