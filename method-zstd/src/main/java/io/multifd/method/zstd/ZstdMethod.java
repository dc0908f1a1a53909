package io.multifd.method.zstd;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import io.multifd.api.ChannelContext;
import io.multifd.api.MethodFlag;
import io.multifd.api.MultifdException;
import io.multifd.api.MultifdMethod;
import io.multifd.api.PageBatch;
import io.multifd.api.RecvChannel;
import io.multifd.api.SendChannel;
import java.nio.ByteBuffer;

/**
 * The hooks of {@code zstd} (spec §4.3). Per channel and direction one zstd-jni streaming context
 * lives in the state slot for the whole transfer; the frame it writes or reads is never ended.
 * zstd-jni's stream calls take direct buffers only, so heap pages are staged through an owned
 * direct page buffer.
 */
final class ZstdMethod implements MultifdMethod {

    /** Largest zstd frame header: magic 4, descriptor 1, window 1, dictionary id 4, content size 8. */
    static final int FRAME_HEADER_MAX = 18;
    /** A zstd block header. */
    static final int BLOCK_HEADER = 3;
    /** Largest zstd block content. */
    static final int BLOCK_MAX = 128 * 1024;

    private final int level;
    private final String zstdJniVersion;

    ZstdMethod(int level, String zstdJniVersion) {
        this.level = level;
        this.zstdJniVersion = zstdJniVersion;
    }

    /** Send state: the context, a direct staging page for heap pages and the owned output buffer. */
    static final class SendState {
        final ZstdCompressCtx ctx;
        final ByteBuffer page;
        final ByteBuffer out;
        /** The view of {@code out} handed to the framework, reused from packet to packet. */
        final ByteBuffer payload;

        SendState(ZstdCompressCtx ctx, ByteBuffer page, ByteBuffer out) {
            this.ctx = ctx;
            this.page = page;
            this.out = out;
            this.payload = out.duplicate();
        }
    }

    /** Receive state: the context, the owned input buffer, a direct staging page and a scratch buffer. */
    static final class RecvState {
        final ZstdDecompressCtx ctx;
        final ByteBuffer in;
        final ByteBuffer page;
        final ByteBuffer scratch = ByteBuffer.allocateDirect(64);
        final ZstdFraming framing = new ZstdFraming();

        RecvState(ZstdDecompressCtx ctx, ByteBuffer in, ByteBuffer page) {
            this.ctx = ctx;
            this.in = in;
            this.page = page;
        }
    }

    @Override
    public void sendSetup(SendChannel channel) throws MultifdException {
        channel.setIovSlots(1);
        ByteBuffer page = ByteBuffer.allocateDirect(channel.pageSize());
        ByteBuffer out = ByteBuffer.allocateDirect(maxPayloadSize(channel.packetCapacity(), channel.pageSize()));
        ZstdCompressCtx ctx = null;
        try {
            ctx = new ZstdCompressCtx();
            ctx.setLevel(level);
            ctx.setChecksum(false);
            ctx.setContentSize(false);
            channel.setState(new SendState(ctx, page, out));
        } catch (ZstdException | IllegalStateException | LinkageError e) {
            if (ctx != null) {
                ctx.close();
            }
            throw channel.failure("level", "cannot create a zstd compression context at level " + level
                    + ": " + e.getMessage(), e);
        }
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
            size = compress(channel, state, batch, n);
            ByteBuffer payload = state.payload;
            payload.limit(size).position(0);
            channel.addPayload(payload);
        }
        channel.setNextPacketSize(size);
        channel.setCompression(MethodFlag.ZSTD);
        channel.fillPacket();
    }

    private int compress(SendChannel channel, SendState state, PageBatch batch, int n) throws MultifdException {
        ByteBuffer out = state.out;
        out.clear();
        out.limit(Math.min(out.capacity(), maxPayloadSize(n, channel.pageSize())));
        try {
            for (int i = 0; i < n; i++) {
                ByteBuffer src = batch.normalPage(i);
                if (!src.isDirect()) {
                    state.page.clear();
                    state.page.put(src).flip();
                    src = state.page;
                }
                boolean last = i == n - 1;
                EndDirective directive = last ? EndDirective.FLUSH : EndDirective.CONTINUE;
                while (true) {
                    int in = src.position();
                    int at = out.position();
                    boolean flushed = state.ctx.compressDirectByteBufferStream(out, src, directive);
                    if (last ? flushed && !src.hasRemaining() : !src.hasRemaining()) {
                        break;
                    }
                    if (src.position() == in && out.position() == at) {
                        throw channel.failure("payload", "zstd made no progress on page " + i + " of " + n
                                + " with " + out.remaining() + " of " + out.limit()
                                + " output bytes left (maxPayloadSize exceeded)");
                    }
                }
            }
        } catch (ZstdException e) {
            throw channel.failure("payload", "zstd compression failed: " + e.getMessage(), e);
        }
        return out.position();
    }

    @Override
    public void recvSetup(RecvChannel channel) throws MultifdException {
        ByteBuffer in = ByteBuffer.allocateDirect(maxPayloadSize(channel.packetCapacity(), channel.pageSize()));
        ByteBuffer page = ByteBuffer.allocateDirect(channel.pageSize());
        try {
            channel.setState(new RecvState(new ZstdDecompressCtx(), in, page));
        } catch (ZstdException | IllegalStateException | LinkageError e) {
            throw channel.failure("state", "cannot create a zstd decompression context: " + e.getMessage(), e);
        }
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
        int bound = Math.min(state.in.capacity(), maxPayloadSize(n, channel.pageSize()));
        if (size < 0 || size > bound) {
            throw channel.failure("next_packet_size", size + " is outside 0.." + bound + " for " + n + " pages");
        }
        ByteBuffer in = state.in;
        in.clear().limit(size);
        channel.readPayload(in);
        in.flip();
        String framing = state.framing.check(in);
        if (framing != null) {
            throw channel.failure("payload", framing);
        }
        try {
            int pageSize = channel.pageSize();
            for (int i = 0; i < n; ) {
                ByteBuffer run = channel.pageRun(i); // adjacent pages: one call decodes many
                int pages = run.remaining() / pageSize;
                if (run.isDirect() && !run.isReadOnly()) {
                    decompressRun(channel, state, run, i, n, size);
                } else {
                    for (int p = 0; p < pages; p++) { // a heap destination: through the direct page buffer
                        state.page.clear();
                        decompressRun(channel, state, state.page, i + p, n, size);
                        run.put(state.page.flip());
                    }
                }
                i += pages;
            }
            checkTail(channel, state, n, size);
        } catch (ZstdException e) {
            throw channel.failure("payload", "zstd decompression failed after " + in.position() + " of " + size
                    + " payload bytes: " + e.getMessage(), e);
        }
    }

    /**
     * Decompresses into {@code dst} until it is full: a run of whole pages from page
     * {@code first} on. A stall names the page it happened in.
     */
    private static void decompressRun(RecvChannel channel, RecvState state, ByteBuffer dst, int first, int n,
                                      int size) throws MultifdException {
        ByteBuffer in = state.in;
        int start = dst.position();
        while (dst.hasRemaining()) {
            int read = in.position();
            int wrote = dst.position();
            state.ctx.decompressDirectByteBufferStream(dst, in);
            if (in.position() == read && dst.position() == wrote) {
                int done = dst.position() - start;
                int pageSize = channel.pageSize();
                throw channel.failure("payload", "page " + (first + done / pageSize) + " of " + n
                        + " decompresses to only " + done % pageSize + " of " + pageSize + " bytes: "
                        + (in.hasRemaining() ? "zstd stalls with " + in.remaining() + " of " + size
                        + " payload bytes left" : "the " + size + "-byte payload ends early"));
            }
        }
    }

    /**
     * After the last page nothing may decode and no input may be left (QEMU does not check); the
     * framing check already made sure the payload ends at a block boundary.
     */
    private static void checkTail(RecvChannel channel, RecvState state, int n, int size) throws MultifdException {
        ByteBuffer in = state.in;
        while (true) {
            int read = in.position();
            state.scratch.clear();
            state.ctx.decompressDirectByteBufferStream(state.scratch, in);
            if (state.scratch.position() > 0) {
                throw channel.failure("payload", "the payload decompresses to more than its " + n + " pages of "
                        + channel.pageSize() + " bytes");
            }
            if (!in.hasRemaining()) {
                return;
            }
            if (in.position() == read) {
                throw channel.failure("payload", in.remaining() + " of " + size
                        + " payload bytes are left over after the " + n + " pages");
            }
        }
    }

    private static void release(ChannelContext channel) {
        Object state = channel.state();
        if (state instanceof SendState s) {
            s.ctx.close();
        } else if (state instanceof RecvState r) {
            r.ctx.close();
        }
        channel.setState(null);
    }

    /**
     * A true upper bound of one packet's payload: zstd's {@code ZSTD_COMPRESSBOUND} of the page
     * bytes (which already allows for a frame header and the block headers of one-shot
     * compression), plus a full frame header, plus a block header for every 128 KiB block and for
     * the short block the packet's flush closes early. zstd never emits a block larger than its
     * content plus header: an incompressible block is stored raw.
     */
    @Override
    public int maxPayloadSize(int normalPages, int pageSize) {
        if (normalPages <= 0) {
            return 0;
        }
        long n = (long) normalPages * pageSize;
        long bound = compressBound(n) + FRAME_HEADER_MAX + BLOCK_HEADER * (n / BLOCK_MAX + 2);
        return (int) Math.min(Integer.MAX_VALUE, bound);
    }

    /**
     * zstd's {@code ZSTD_COMPRESSBOUND(srcSize)} macro, computed here so that the bound needs no
     * native code.
     *
     * @param srcSize input bytes
     * @return the worst-case size of a one-shot frame
     */
    static long compressBound(long srcSize) {
        long small = srcSize < BLOCK_MAX ? (BLOCK_MAX - srcSize) >> 11 : 0;
        return srcSize + (srcSize >> 8) + small;
    }

    @Override
    public String engine() {
        return "zstd-jni " + zstdJniVersion;
    }

    /** @return the level this instance compresses with */
    int level() {
        return level;
    }
}
