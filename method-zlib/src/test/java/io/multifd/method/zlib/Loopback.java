package io.multifd.method.zlib;

import io.multifd.api.MethodFlag;
import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdException;
import io.multifd.api.PacketFlags;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.channel.ChannelReceiver;
import io.multifd.core.channel.ChannelSender;
import io.multifd.core.channel.SendBatch;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;
import io.multifd.core.wire.RamHeader;
import io.multifd.core.wire.Wire;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test plumbing: runs a method through the core's real channel layer in memory, recording every
 * packet's header and payload, and replays (possibly altered) packets into a receiver.
 */
final class Loopback {

    static final String BLOCK = "pc.ram";
    static final int PAGE = 4096;
    static final int CAPACITY = 128;

    private Loopback() {
    }

    /** One packet as it went over the wire. */
    record Packet(byte[] header, byte[] payload) {

        int normalPages() {
            return ByteBuffer.wrap(header).getInt(16);
        }

        int nextPacketSize() {
            return ByteBuffer.wrap(header).getInt(20);
        }

        int flags() {
            return ByteBuffer.wrap(header).getInt(8);
        }

        /** The same packet with another payload; {@code next_packet_size} follows. */
        Packet withPayload(byte[] p) {
            byte[] h = header.clone();
            ByteBuffer.wrap(h).putInt(20, p.length);
            return new Packet(h, p);
        }
    }

    static ResolvedMethod resolve(MethodProvider provider, Map<String, String> settings) throws MultifdException {
        return ResolvedMethod.create(provider, settings);
    }

    /** The send side of one channel; records each packet. */
    static final class Sender implements AutoCloseable {
        private final ByteArrayOutputStream sink = new ByteArrayOutputStream();
        private final ChannelSender channel;
        private final int headerBytes;
        final List<Packet> packets = new ArrayList<>();

        Sender(ResolvedMethod method, int id, int pageSize, AtomicLong counter) throws MultifdException {
            WritableByteChannel out = Channels.newChannel(sink);
            channel = new ChannelSender(method, id, pageSize, out, counter, true);
            headerBytes = Wire.ramHeaderBytes(pageSize);
            channel.setup();
        }

        ChannelSender channel() {
            return channel;
        }

        /** Sends one packet of consecutive pages starting at {@code firstOffset}. */
        Packet send(long firstOffset, List<ByteBuffer> pages) throws MultifdException {
            SendBatch batch = channel.batch(BLOCK);
            for (int i = 0; i < pages.size(); i++) {
                batch.add(firstOffset + (long) i * channel.pageSize(), pages.get(i));
            }
            sink.reset();
            channel.sendBatch();
            byte[] all = sink.toByteArray();
            Packet p = new Packet(Arrays.copyOf(all, headerBytes), Arrays.copyOfRange(all, headerBytes, all.length));
            packets.add(p);
            return p;
        }

        /** @return the payloads of the packets sent so far, in order */
        List<byte[]> payloads() {
            return packets.stream().map(Packet::payload).toList();
        }

        @Override
        public void close() throws MultifdException {
            channel.close();
        }
    }

    /** The receive side of one channel, reading the given packets from memory. */
    static final class Receiver implements AutoCloseable {
        private final ChannelReceiver channel;

        Receiver(ResolvedMethod method, int id, int pageSize, MemoryImage image, List<Packet> packets)
                throws MultifdException {
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            for (Packet p : packets) {
                wire.writeBytes(p.header());
                wire.writeBytes(p.payload());
            }
            channel = new ChannelReceiver(method, pageSize,
                    Channels.newChannel(new ByteArrayInputStream(wire.toByteArray())), "test channel " + id, null);
            channel.setChannelId(id);
            channel.setImage(image);
            channel.setup();
        }

        ChannelReceiver channel() {
            return channel;
        }

        /** @return false at the end of the packets */
        boolean step() throws MultifdException {
            return channel.next() != ChannelReceiver.Event.END;
        }

        void drain() throws MultifdException {
            while (step()) {
                // next packet
            }
        }

        @Override
        public void close() throws MultifdException {
            channel.close();
        }
    }

    /** Receives all packets on one channel into {@code image}; cleanup runs whatever happens. */
    static void receive(ResolvedMethod method, int pageSize, MemoryImage image, List<Packet> packets)
            throws MultifdException {
        try (Receiver r = new Receiver(method, 0, pageSize, image, packets)) {
            r.drain();
        }
    }

    static MemoryImage image(int pageSize, long pages) {
        return MemoryImage.allocate(pageSize, List.of(new BlockSpec(BLOCK, pages * pageSize)));
    }

    static byte[] readPage(MemoryImage image, long offset) {
        ByteBuffer p = image.block(BLOCK).orElseThrow().readPage(offset);
        byte[] b = new byte[p.remaining()];
        p.get(b);
        return b;
    }

    /** A packet built by hand, as another encoder would send it. */
    static Packet packet(int pageSize, MethodFlag flag, long packetNum, long firstOffset, int normal, byte[] payload) {
        RamHeader h = new RamHeader(pageSize);
        h.setData(PacketFlags.data(flag), BLOCK, normal, 0, payload.length, packetNum);
        for (int i = 0; i < normal; i++) {
            h.setOffset(i, firstOffset + (long) i * pageSize);
        }
        ByteBuffer b = ByteBuffer.allocate(h.byteLength());
        h.encode(b);
        return new Packet(b.array(), payload);
    }

    // ---- page contents ----

    /** Kinds of page content, as in the QEMU capture vectors' generator. */
    enum Kind { ZERO, RANDOM, TEXT, PATTERN, SPARSE }

    private static final byte[] TEXT = ("Permission is hereby granted, free of charge, to any person obtaining a copy "
            + "of this software and associated documentation files, to deal in the Software without restriction, "
            + "including without limitation the rights to use, copy, modify, merge, publish, distribute. ")
            .getBytes(StandardCharsets.US_ASCII);

    static byte[] page(Kind kind, Random rnd, int pageSize) {
        byte[] b = new byte[pageSize];
        switch (kind) {
            case ZERO -> { }
            case RANDOM -> rnd.nextBytes(b);
            case TEXT -> {
                int start = rnd.nextInt(TEXT.length);
                for (int i = 0; i < pageSize; i++) {
                    b[i] = TEXT[(start + i) % TEXT.length];
                }
                b[rnd.nextInt(pageSize)] = (byte) rnd.nextInt(128);
            }
            case PATTERN -> {
                long word = rnd.nextLong();
                ByteBuffer w = ByteBuffer.wrap(b);
                int style = rnd.nextInt(3);
                for (int i = 0; i < pageSize; i += 8) {
                    w.putLong(i, style == 0 ? word | 1 : style == 1 ? i / 4 : ((word & 0x7F) + 1) * 0x0101010101010101L);
                }
            }
            case SPARSE -> b[rnd.nextInt(pageSize)] = (byte) (1 + rnd.nextInt(255));
        }
        return b;
    }

    static byte[] randomPage(Random rnd, int pageSize) {
        return page(Kind.RANDOM, rnd, pageSize);
    }

    static List<ByteBuffer> wrap(List<byte[]> pages) {
        return pages.stream().map(ByteBuffer::wrap).toList();
    }

    static List<ByteBuffer> direct(List<byte[]> pages) {
        return pages.stream().map(p -> ByteBuffer.allocateDirect(p.length).put(p).flip()).toList();
    }

    static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        parts.forEach(o::writeBytes);
        return o.toByteArray();
    }

    static boolean isZero(byte[] page) {
        for (byte b : page) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** The normal (non-zero) pages of a packet, in batch order: what its payload carries. */
    static List<byte[]> normalPages(List<byte[]> pages) {
        return pages.stream().filter(p -> !isZero(p)).toList();
    }
}
