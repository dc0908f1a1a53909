package io.multifd.cli.bench;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * One channel's bytes recorded in memory (chunks of a {@link ChunkPool}), so that the in-process
 * benchmark can time encoding (writing the tape) and decoding (reading it back) separately.
 * Reading gives the chunks back to the pool.
 */
final class Tape implements GatheringByteChannel {

    private final ChunkPool pool;
    private final List<ByteBuffer> chunks = new ArrayList<>();
    private boolean open = true;

    Tape(ChunkPool pool) {
        this.pool = pool;
    }

    @Override
    public int write(ByteBuffer src) throws ClosedChannelException {
        if (!open) {
            throw new ClosedChannelException();
        }
        int n = src.remaining();
        while (src.hasRemaining()) {
            ByteBuffer last = chunks.isEmpty() ? null : chunks.get(chunks.size() - 1);
            if (last == null || !last.hasRemaining()) {
                last = pool.take();
                chunks.add(last);
            }
            int k = Math.min(last.remaining(), src.remaining());
            last.put(src.slice(src.position(), k));
            src.position(src.position() + k);
        }
        return n;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws ClosedChannelException {
        long n = 0;
        for (int i = offset; i < offset + length; i++) {
            n += write(srcs[i]);
        }
        return n;
    }

    @Override
    public long write(ByteBuffer[] srcs) throws ClosedChannelException {
        return write(srcs, 0, srcs.length);
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        open = false;
    }

    /** @return a reader from the start; chunks go back to the pool as they are read */
    ReadableByteChannel reader() {
        return new ReadableByteChannel() {
            private int index;
            private ByteBuffer current;
            private boolean readerOpen = true;

            @Override
            public int read(ByteBuffer dst) throws ClosedChannelException {
                if (!readerOpen) {
                    throw new ClosedChannelException();
                }
                if (!dst.hasRemaining()) {
                    return 0;
                }
                int n = 0;
                while (dst.hasRemaining()) {
                    if (current == null || !current.hasRemaining()) {
                        if (current != null) {
                            pool.give(current);
                            current = null;
                        }
                        if (index == chunks.size()) {
                            break;
                        }
                        current = chunks.get(index++).flip();
                    }
                    int k = Math.min(dst.remaining(), current.remaining());
                    dst.put(current.slice(current.position(), k));
                    current.position(current.position() + k);
                    n += k;
                }
                return n == 0 ? -1 : n;
            }

            @Override
            public boolean isOpen() {
                return readerOpen;
            }

            @Override
            public void close() {
                if (readerOpen) {
                    readerOpen = false;
                    if (current != null) {
                        pool.give(current);
                    }
                    for (int i = index; i < chunks.size(); i++) {
                        pool.give(chunks.get(i));
                    }
                    chunks.clear();
                }
            }
        };
    }
}
