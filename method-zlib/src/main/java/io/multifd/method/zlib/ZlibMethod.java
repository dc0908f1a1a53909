package io.multifd.method.zlib;

import io.multifd.api.ChannelContext;
import io.multifd.api.MethodFlag;
import io.multifd.api.MultifdException;
import io.multifd.api.MultifdMethod;
import io.multifd.api.PageBatch;
import io.multifd.api.RecvChannel;
import io.multifd.api.SendChannel;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The hooks of {@code zlib} (spec §4.2). Per channel and direction one zlib stream lives in the
 * state slot for the whole transfer: a {@link Deflater} that is never finished on the send side, an
 * {@link Inflater} on the receive side.
 */
final class ZlibMethod implements MultifdMethod {

    /** The empty stored block a sync flush ends with. */
    static final byte[] SYNC_MARKER = {0x00, 0x00, (byte) 0xFF, (byte) 0xFF};

    private final int level;

    ZlibMethod(int level) {
        this.level = level;
    }

    /** Send state: the stream, a private page copy (P-ZLIB-1) and the owned output buffer. */
    static final class SendState {
        final Deflater deflater;
        final byte[] page;
        final byte[] out;
        /** The payload handed to the framework: a view of {@code out}, reused from packet to packet. */
        final ByteBuffer payload;

        SendState(Deflater deflater, byte[] page, byte[] out) {
            this.deflater = deflater;
            this.page = page;
            this.out = out;
            this.payload = ByteBuffer.wrap(out);
        }
    }

    /** Receive state: the stream, the owned input buffer and a scratch buffer for the tail check. */
    static final class RecvState {
        final Inflater inflater;
        final byte[] in;
        /** A view of {@code in} to read the payload into, reused from packet to packet. */
        final ByteBuffer inView;
        /** The packet's pages, inflated in one go before they are copied to their places. */
        final byte[] pages;
        final byte[] scratch = new byte[64];

        RecvState(Inflater inflater, byte[] in, byte[] pages) {
            this.inflater = inflater;
            this.in = in;
            this.inView = ByteBuffer.wrap(in);
            this.pages = pages;
        }
    }

    @Override
    public void sendSetup(SendChannel channel) {
        channel.setIovSlots(1);
        byte[] page = new byte[channel.pageSize()];
        byte[] out = new byte[maxPayloadSize(channel.packetCapacity(), channel.pageSize())];
        channel.setState(new SendState(new Deflater(level, false), page, out));
    }

    @Override
    public void sendCleanup(SendChannel channel) {
        release(channel);
    }

    @Override
    public void sendPrepare(SendChannel channel) throws MultifdException {
        PageBatch batch = channel.batch();
        int n = batch.normalCount();
        int size = 0;
        if (n > 0) {
            SendState state = channel.state(SendState.class);
            size = deflate(channel, state, batch, n);
            channel.addPayload(state.payload.limit(size).position(0));
        }
        channel.setNextPacketSize(size);
        channel.setCompression(MethodFlag.ZLIB);
        channel.fillPacket();
    }

    /** Deflates the normal pages into {@code state.out}; returns the payload size. */
    private int deflate(SendChannel channel, SendState state, PageBatch batch, int n) throws MultifdException {
        int pageSize = channel.pageSize();
        int limit = Math.min(state.out.length, maxPayloadSize(n, pageSize));
        Deflater deflater = state.deflater;
        int pos = 0;
        for (int i = 0; i < n; i++) {
            // snapshot the page: deflate must not see it change under its feet (P-ZLIB-1, rule 2.7)
            ByteBuffer page = batch.normalPage(i);
            page.get(page.position(), state.page, 0, pageSize);
            deflater.setInput(state.page, 0, pageSize);
            if (i < n - 1) {
                while (!deflater.needsInput()) {
                    long read = deflater.getBytesRead();
                    int wrote = deflater.deflate(state.out, pos, limit - pos, Deflater.NO_FLUSH);
                    pos += wrote;
                    if (wrote == 0 && deflater.getBytesRead() == read) {
                        throw channel.failure("payload", "deflate of page " + i + " of " + n
                                + " made no progress with " + (limit - pos) + " of " + limit
                                + " output bytes left (maxPayloadSize exceeded)");
                    }
                }
            } else {
                int wrote = deflater.deflate(state.out, pos, limit - pos, Deflater.SYNC_FLUSH);
                pos += wrote;
                if (pos == limit || !deflater.needsInput()) {
                    throw channel.failure("payload", "deflate of " + n + " pages with a sync flush"
                            + " filled the whole bound of " + limit + " bytes (maxPayloadSize exceeded)");
                }
            }
        }
        return pos;
    }

    @Override
    public void recvSetup(RecvChannel channel) {
        byte[] in = new byte[maxPayloadSize(channel.packetCapacity(), channel.pageSize())];
        byte[] pages = new byte[channel.packetCapacity() * channel.pageSize()];
        channel.setState(new RecvState(new Inflater(false), in, pages));
    }

    @Override
    public void recvCleanup(RecvChannel channel) {
        release(channel);
    }

    @Override
    public void recv(RecvChannel channel) throws MultifdException {
        RecvState state = channel.state(RecvState.class);
        int n = channel.normalCount();
        int size = channel.nextPacketSize();
        int bound = maxPayloadSize(n, channel.pageSize());
        if (size < 0 || size > bound || size > state.in.length) {
            throw channel.failure("next_packet_size", size + " is outside 0.." + Math.min(bound, state.in.length)
                    + " for " + n + " pages");
        }
        channel.readPayload(state.inView.limit(size).position(0));
        Inflater inflater = state.inflater;
        if (inflater.finished()) {
            throw channel.failure("payload", "the zlib stream already ended (Z_STREAM_END) in an earlier packet");
        }
        inflater.setInput(state.in, 0, size);
        try {
            inflatePages(channel, state, n, size);
            checkTail(channel, state, n, size);
        } catch (DataFormatException e) {
            throw channel.failure("payload", "inflate failed after " + (size - inflater.getRemaining()) + " of "
                    + size + " payload bytes: " + e.getMessage(), e);
        }
        int pageSize = channel.pageSize();
        for (int i = 0; i < n; ) {
            ByteBuffer run = channel.pageRun(i); // one copy per run of adjacent pages
            int bytes = run.remaining();
            run.put(state.pages, i * pageSize, bytes);
            i += bytes / pageSize;
        }
    }

    /**
     * Inflates the packet's {@code n} pages into {@code state.pages} with as few calls as zlib
     * needs; the caller then copies each page to its place. Inflating each page straight into its
     * destination page (QEMU's way: one call per 4 KiB output window, each ending in zlib's slow
     * path) decoded at 0.81x of the library's own speed (JMH DecodeBoundBenchmarks).
     */
    private static void inflatePages(RecvChannel channel, RecvState state, int n, int size)
            throws DataFormatException, MultifdException {
        Inflater inflater = state.inflater;
        int pageSize = channel.pageSize();
        int total = n * pageSize;
        int produced = 0;
        while (produced < total) {
            int remaining = inflater.getRemaining();
            int wrote = inflater.inflate(state.pages, produced, total - produced);
            produced += wrote;
            if (inflater.finished()) {
                throw channel.failure("payload", "the zlib stream ends (Z_STREAM_END) in page "
                        + Math.min(n - 1, Math.max(0, produced - 1) / pageSize) + " of " + n
                        + ": the sender finished its stream, which QEMU never does (P-ZLIB-3)");
            }
            if (inflater.needsDictionary()) {
                throw channel.failure("payload", "the zlib stream asks for a preset dictionary");
            }
            if (wrote == 0 && inflater.getRemaining() == remaining) {
                throw channel.failure("payload", "page " + produced / pageSize + " of " + n + " inflates to only "
                        + produced % pageSize + " of " + pageSize + " bytes: " + (remaining == 0
                        ? "the " + size + "-byte payload ends early"
                        : "inflate stalls with " + remaining + " of " + size + " payload bytes left"));
            }
        }
    }

    /**
     * After the last page only the rest of the sync flush may remain: it must inflate to nothing,
     * be consumed completely and end with {@code 00 00 FF FF} (P-ZLIB-3: QEMU does not check).
     */
    private static void checkTail(RecvChannel channel, RecvState state, int n, int size)
            throws DataFormatException, MultifdException {
        Inflater inflater = state.inflater;
        while (true) {
            int remaining = inflater.getRemaining();
            int extra = inflater.inflate(state.scratch);
            if (extra > 0) {
                throw channel.failure("payload", "the payload inflates to more than its " + n + " pages of "
                        + channel.pageSize() + " bytes");
            }
            if (inflater.finished()) {
                throw channel.failure("payload", "the zlib stream ends (Z_STREAM_END) after the last page:"
                        + " the sender finished its stream, which QEMU never does (P-ZLIB-3)");
            }
            if (inflater.needsDictionary()) {
                throw channel.failure("payload", "the zlib stream asks for a preset dictionary");
            }
            int left = inflater.getRemaining();
            if (left == 0) {
                break;
            }
            if (left == remaining) {
                throw channel.failure("payload", left + " of " + size + " payload bytes are left over after the "
                        + n + " pages");
            }
        }
        if (!endsWithSyncMarker(state.in, size)) {
            throw channel.failure("payload", "the payload does not end with the sync-flush block 00 00 FF FF"
                    + " (trailing bytes or a missing flush)");
        }
    }

    static boolean endsWithSyncMarker(byte[] buf, int size) {
        if (size < SYNC_MARKER.length) {
            return false;
        }
        for (int i = 0; i < SYNC_MARKER.length; i++) {
            if (buf[size - SYNC_MARKER.length + i] != SYNC_MARKER[i]) {
                return false;
            }
        }
        return true;
    }

    private static void release(ChannelContext channel) {
        Object state = channel.state();
        if (state instanceof SendState s) {
            s.deflater.end();
        } else if (state instanceof RecvState r) {
            r.inflater.end();
        }
        channel.setState(null);
    }

    /**
     * A true upper bound of one packet's payload, whatever zlib the peer links against:
     * <ul>
     * <li>{@code n + (n>>12) + (n>>14) + (n>>25) + 13}: zlib's {@code deflateBound} for the default
     * window and memory level with the zlib wrapper (the 2-byte header; the 4-byte trailer we never
     * send is spare room);</li>
     * <li>{@code + 5}: the block the packet boundary cuts short (a stored block header);</li>
     * <li>{@code + 5}: the empty stored block of the sync flush (3 bits, padding, 00 00 FF FF);</li>
     * <li>{@code + (n+7)>>3}: zlib-ng's level-1 strategy emits fixed-Huffman blocks only, up to 9
     * bits per incompressible byte; a QEMU (or a JDK) linked against zlib-ng may send that much.</li>
     * </ul>
     */
    @Override
    public int maxPayloadSize(int normalPages, int pageSize) {
        if (normalPages <= 0) {
            return 0;
        }
        long n = (long) normalPages * pageSize;
        long bound = n + (n >> 12) + (n >> 14) + (n >> 25) + 13 + 5 + 5 + ((n + 7) >> 3);
        return (int) Math.min(Integer.MAX_VALUE, bound);
    }

    @Override
    public String engine() {
        return "java.util.zip";
    }

    /** @return the level this instance deflates with */
    int level() {
        return level;
    }
}
