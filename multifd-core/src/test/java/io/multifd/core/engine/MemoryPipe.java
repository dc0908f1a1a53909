package io.multifd.core.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * An unbounded in-memory byte pipe: writes never block (so a source can run far ahead of a slow
 * destination, as with large socket buffers), reads block until data or EOF.
 */
final class MemoryPipe {

    private static final ByteBuffer EOF = ByteBuffer.allocate(0);

    private final LinkedBlockingQueue<ByteBuffer> queue = new LinkedBlockingQueue<>();
    private volatile boolean readerClosed;
    private volatile boolean writerClosed;
    private final Sink sink = new Sink();
    private final Source source = new Source();

    Sink sink() {
        return sink;
    }

    Source source() {
        return source;
    }

    final class Sink implements GatheringByteChannel {
        @Override
        public int write(ByteBuffer src) throws IOException {
            if (writerClosed) {
                throw new ClosedChannelException();
            }
            if (readerClosed) {
                throw new IOException("Broken pipe");
            }
            ByteBuffer copy = ByteBuffer.allocate(src.remaining());
            copy.put(src).flip();
            int n = copy.remaining();
            queue.add(copy);
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += write(srcs[i]);
            }
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs) throws IOException {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public boolean isOpen() {
            return !writerClosed;
        }

        @Override
        public void close() {
            if (!writerClosed) {
                writerClosed = true;
                queue.add(EOF);
            }
        }
    }

    final class Source implements ReadableByteChannel {
        private ByteBuffer current;

        @Override
        public int read(ByteBuffer dst) throws IOException {
            if (readerClosed) {
                throw new ClosedChannelException();
            }
            try {
                while (current == null || !current.hasRemaining()) {
                    if (current == EOF) {
                        return -1;
                    }
                    current = queue.take();
                    if (readerClosed) {
                        throw new ClosedChannelException();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            int n = Math.min(dst.remaining(), current.remaining());
            ByteBuffer slice = current.slice(current.position(), n);
            dst.put(slice);
            current.position(current.position() + n);
            return n;
        }

        @Override
        public boolean isOpen() {
            return !readerClosed;
        }

        @Override
        public void close() {
            readerClosed = true;
            queue.add(EOF);
        }
    }
}
