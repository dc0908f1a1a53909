package io.multifd.tck;

import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.channel.ChannelReceiver;
import io.multifd.core.channel.ChannelSender;
import io.multifd.core.channel.PacketNumbers;
import io.multifd.core.channel.SendBatch;
import io.multifd.core.image.Block;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A transfer of a {@link TransferPlan} in memory, through the core's own channel layer
 * ({@link ChannelSender}, {@link ChannelReceiver}), which calls the hooks exactly as the engine
 * does and already enforces several rules. Each channel's stream is recorded whole, so a check can
 * read headers, damage packets and replay streams in any order.
 */
final class Transfer {

    /** The one RAMBlock of a generated transfer. */
    static final String BLOCK = "pc.ram";
    /** Spare pages at the end of the block, never sent: room for a mis-declared extra offset. */
    static final int SPARE_PAGES = 2;
    /** What the destination holds before anything arrives, so an unwritten page shows. */
    static final byte UNWRITTEN = (byte) 0xA5;

    private final TransferPlan plan;
    private final ResolvedMethod method;
    private final ObservedMethod observed;
    private final int pageSize;
    private final Block source;
    private final long[][][] offsets;
    private final AtomicLong packetCounter = new AtomicLong(1);

    private Transfer(Transfer pages, ResolvedMethod method, ObservedMethod observed) {
        this.plan = pages.plan;
        this.method = method;
        this.observed = observed;
        this.pageSize = pages.pageSize;
        this.source = pages.source;
        this.offsets = pages.offsets;
    }

    private Transfer(TransferPlan plan, ResolvedMethod method, ObservedMethod observed) {
        this.plan = plan;
        this.method = method;
        this.observed = observed;
        this.pageSize = plan.pageSize();
        long blockBytes = (long) (plan.totalPages() + SPARE_PAGES) * pageSize;
        this.source = MemoryImage.wrap(pageSize, new BlockSpec(BLOCK, blockBytes),
                List.of(ByteBuffer.allocateDirect((int) blockBytes)), true).blocks().get(0);
        this.offsets = new long[plan.channels().size()][][];
        long next = 0;
        for (int c = 0; c < offsets.length; c++) {
            List<List<PageSpec>> packets = plan.channels().get(c);
            offsets[c] = new long[packets.size()][];
            for (int p = 0; p < packets.size(); p++) {
                List<PageSpec> pages = packets.get(p);
                offsets[c][p] = new long[pages.size()];
                for (int i = 0; i < pages.size(); i++) {
                    long off = next++ * pageSize;
                    offsets[c][p][i] = off;
                    pages.get(i).kind().fill(source.page(off), pages.get(i).seed());
                }
            }
        }
    }

    /**
     * Creates the method with the plan's settings, as the engine does, and lays out the pages.
     *
     * @param provider the provider under test
     * @param plan     the transfer
     * @return the transfer
     * @throws MultifdException when the method cannot be created with these settings
     */
    static Transfer of(MethodProvider provider, TransferPlan plan) throws MultifdException {
        ResolvedMethod created = ResolvedMethod.create(provider, plan.settings());
        ObservedMethod observed = new ObservedMethod(created.method());
        return new Transfer(plan, new ResolvedMethod(created.name(), created.flag(), observed, created.settings()),
                observed);
    }

    /**
     * The same pages with a new instance of the method, as a fresh transfer would create it.
     *
     * @param provider the provider
     * @return the transfer
     * @throws MultifdException when the method cannot be created with these settings
     */
    Transfer withNewMethod(MethodProvider provider) throws MultifdException {
        ResolvedMethod created = ResolvedMethod.create(provider, plan.settings());
        ObservedMethod fresh = new ObservedMethod(created.method());
        return new Transfer(this, new ResolvedMethod(created.name(), created.flag(), fresh, created.settings()), fresh);
    }

    TransferPlan plan() {
        return plan;
    }

    ResolvedMethod method() {
        return method;
    }

    ObservedMethod observed() {
        return observed;
    }

    int pageSize() {
        return pageSize;
    }

    int channels() {
        return offsets.length;
    }

    int packets(int channel) {
        return offsets[channel].length;
    }

    /** @return the offset of a spare page, never sent */
    long spareOffset() {
        return (long) plan.totalPages() * pageSize;
    }

    /** @return the bound the method declares for a full packet */
    int maxPayloadOfFullPacket() {
        return method.method().maxPayloadSize(MultifdApi.packetCapacity(pageSize), pageSize);
    }

    /** A fresh destination: every page {@link #UNWRITTEN}. */
    MemoryImage newDestination() {
        int bytes = (int) source.size();
        ByteBuffer storage = ByteBuffer.allocateDirect(bytes);
        for (int i = 0; i < bytes; i += 8) {
            storage.putLong(i, 0xA5A5A5A5A5A5A5A5L);
        }
        return MemoryImage.wrap(pageSize, new BlockSpec(BLOCK, bytes), List.of(storage), false);
    }

    /** @return a sender for one channel of the plan */
    Sender sender(int channel) {
        return new Sender(channel);
    }

    /**
     * @param channel the channel
     * @param stream  its recorded (possibly damaged) stream
     * @param end     bytes of the stream to offer
     * @param dest    where pages go
     * @param numbers the transfer's packet numbers, shared by its receivers
     * @return a receiver of one channel
     */
    Receiver receiver(int channel, byte[] stream, int end, MemoryImage dest, PacketNumbers numbers) {
        return new Receiver(channel, stream, end, dest, numbers);
    }

    /**
     * Sends every packet of one channel: setup, the packets, cleanup.
     *
     * @param channel the channel
     * @return its recorded stream
     * @throws MultifdException what the core reported
     */
    Sender sendAll(int channel) throws MultifdException {
        Sender s = sender(channel);
        s.setup();
        for (int p = 0; p < packets(channel); p++) {
            s.send(p);
        }
        s.close();
        return s;
    }

    /**
     * Compares the pages of one packet at the destination with the source.
     *
     * @param dest    the destination
     * @param channel the channel
     * @param packet  the packet
     * @return null when all pages match, else a sentence naming the first page that differs
     */
    String compare(MemoryImage dest, int channel, int packet) {
        Block d = dest.blocks().get(0);
        List<PageSpec> specs = plan.channels().get(channel).get(packet);
        for (int i = 0; i < specs.size(); i++) {
            long off = offsets[channel][packet][i];
            ByteBuffer want = source.readPage(off);
            ByteBuffer got = d.readPage(off);
            int at = want.mismatch(got);
            if (at >= 0) {
                boolean untouched = true;
                for (int k = 0; k < pageSize && untouched; k++) {
                    untouched = got.get(k) == UNWRITTEN;
                }
                return String.format("channel %d, packet %d of the channel, page %d of %d (%s, offset 0x%X) "
                                + "%s: first difference at byte %d (sent 0x%02X, received 0x%02X)",
                        channel, packet + 1, i + 1, specs.size(), specs.get(i), off,
                        untouched ? "was never written at the destination" : "arrived different", at,
                        want.get(at) & 0xFF, got.get(at) & 0xFF);
            }
        }
        return null;
    }

    /** The send side of one channel, recording its stream. */
    final class Sender {
        private final int channel;
        private final WireRecorder out = new WireRecorder();
        private final ChannelSender sender;
        private final List<WirePacket> packets = new ArrayList<>();

        private Sender(int channel) {
            this.channel = channel;
            this.sender = new ChannelSender(method, channel, pageSize, out, packetCounter, true);
        }

        void setup() throws MultifdException {
            sender.setup();
        }

        void send(int packet) throws MultifdException {
            SendBatch batch = sender.batch(BLOCK);
            for (long off : offsets[channel][packet]) {
                batch.add(source, off); // as the engine does: page views at their place in the block (rule 2.9)
            }
            int start = out.size();
            sender.sendBatch();
            packets.add(WirePacket.parse(out.buffer(), start, out.size(), pageSize));
        }

        void close() throws MultifdException {
            sender.close();
        }

        /** @return what was written */
        byte[] stream() {
            return out.toByteArray();
        }

        /** @return the packets written, in order */
        List<WirePacket> packets() {
            return packets;
        }

        int channel() {
            return channel;
        }

        /** @return the core's channel, which is also the method's {@code SendChannel} */
        ChannelSender channelSender() {
            return sender;
        }
    }

    /** The receive side of one channel, over a recorded stream. */
    final class Receiver {
        private final CountingSource in;
        private final ChannelReceiver receiver;

        private Receiver(int channel, byte[] stream, int end, MemoryImage dest, PacketNumbers numbers) {
            this.in = new CountingSource(stream, end, 16 * 1024 + channel * 1000 + 7);
            this.receiver = new ChannelReceiver(method, pageSize, in, "in-memory channel " + channel, numbers);
            receiver.setChannelId(channel);
            receiver.setImage(dest);
        }

        void setup() throws MultifdException {
            receiver.setup();
        }

        ChannelReceiver.Event next() throws MultifdException {
            return receiver.next();
        }

        void close() throws MultifdException {
            receiver.close();
        }

        /**
         * @return stream bytes the receiver consumed so far (what it read ahead for the next
         *         packets excluded); never more than {@link CountingSource} handed out
         */
        int consumed() {
            long c = receiver.consumedBytes();
            if (c > in.consumed()) {
                throw new AssertionError("kit error: the receiver consumed " + c + " bytes of a source that gave "
                        + in.consumed());
            }
            return (int) c;
        }

        /** @return the core's channel, which is also the method's {@code RecvChannel} */
        ChannelReceiver channelReceiver() {
            return receiver;
        }
    }
}
