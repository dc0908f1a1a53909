package io.multifd.core.engine;

import io.multifd.api.MultifdException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Our control protocol on the main channel after the handshake (see the package documentation):
 * flush markers, the end record, and the destination's verdict or either side's abort.
 */
final class ControlLink {

    private ControlLink() {
    }

    private static void write(WatchedChannel ch, ByteBuffer frame, String what) throws MultifdException {
        try {
            ControlProtocol.writeAll(ch, frame);
        } catch (IOException e) {
            throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, "main channel",
                    "main channel failed while writing the " + what + ": " + e.getMessage(), e);
        }
    }

    private static void writeQuietly(WatchedChannel ch, ByteBuffer frame) {
        if (!ch.isOpen()) {
            return;
        }
        try {
            ControlProtocol.writeAll(ch, frame);
        } catch (IOException ignored) {
            // best-effort: the peer is gone or stalled, it will notice the closed connection
        }
        ch.shutdownOutput();
    }

    /** The source's end: writes flushes and the end record, a reader thread waits for the verdict. */
    static final class Source implements SourceMain {

        private final WatchedChannel ch;
        private final long finishTimeoutNanos;
        private Thread reader;
        private String verdict;
        private MultifdException peerFailure;
        private boolean closing;
        private Consumer<MultifdException> callback = e -> { };

        Source(WatchedChannel ch, EngineOptions options) {
            this.ch = ch;
            this.finishTimeoutNanos = options.finishTimeout().isZero() ? Long.MAX_VALUE
                    : options.finishTimeout().toNanos();
        }

        @Override
        public synchronized void watch(Consumer<MultifdException> peerFailure) {
            this.callback = peerFailure;
            reader = new Thread(this::read, "multifd-main-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            while (true) {
                ControlProtocol.Frame f;
                try {
                    f = ControlProtocol.readFrame(ch);
                } catch (MultifdException e) {
                    reportLoss(e);
                    return;
                }
                if (f == null) {
                    reportLoss(new MultifdException("the destination closed the main channel"));
                    return;
                }
                switch (f.type()) {
                    case ControlProtocol.FRAME_DONE -> {
                        synchronized (this) {
                            verdict = ControlProtocol.text(f.body());
                            notifyAll();
                        }
                    }
                    case ControlProtocol.FRAME_ABORT -> {
                        report(new MultifdException("the destination failed: " + ControlProtocol.text(f.body())));
                        return;
                    }
                    default -> {
                        report(ControlProtocol.field("frame type", String.format(
                                "the destination sent frame type 0x%02X, which only the source sends", f.type())));
                        return;
                    }
                }
            }
        }

        /**
         * The main channel was lost without a reason from the destination (its process died, the
         * network broke). A data channel usually fails at the same moment with a message naming
         * the channel and packet; give it a moment to be the reported failure.
         */
        private void reportLoss(MultifdException e) {
            synchronized (this) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                long left;
                while (!closing && verdict == null && (left = deadline - System.nanoTime()) > 0) {
                    try {
                        TimeUnit.NANOSECONDS.timedWait(this, left);
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            report(e);
        }

        private void report(MultifdException e) {
            Consumer<MultifdException> cb;
            synchronized (this) {
                if (closing || verdict != null || peerFailure != null) {
                    return;
                }
                peerFailure = e;
                notifyAll();
                cb = callback;
            }
            cb.accept(e);
        }

        @Override
        public synchronized void flush(long number) throws MultifdException {
            write(ch, ControlProtocol.flushFrame(number), "flush marker " + number);
        }

        @Override
        public synchronized void end(EndSummary summary) throws MultifdException {
            write(ch, ControlProtocol.endFrame(summary), "end record");
        }

        @Override
        public synchronized String awaitVerdict() throws MultifdException {
            long deadline = System.nanoTime() + finishTimeoutNanos;
            while (verdict == null && peerFailure == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new MultifdException("the destination sent no verdict within "
                            + TimeUnit.NANOSECONDS.toSeconds(finishTimeoutNanos) + " s after the end of the transfer");
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new MultifdException("interrupted while waiting for the destination's verdict", e);
                }
            }
            if (verdict != null) {
                return verdict;
            }
            throw peerFailure;
        }

        @Override
        public synchronized void abort(String reason) {
            // under the same lock as flush and end, so frames never interleave; those frames are
            // tiny and a stalled write is ended by the watchdog
            if (!closing) {
                writeQuietly(ch, ControlProtocol.textFrame(ControlProtocol.FRAME_ABORT, reason));
            }
        }

        @Override
        public void close() {
            Thread r;
            synchronized (this) {
                closing = true;
                r = reader;
                notifyAll();
            }
            ch.closeQuietly();
            if (r != null && r != Thread.currentThread()) {
                try {
                    r.join(TimeUnit.SECONDS.toMillis(10));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** The destination's end: reads flushes and the end record, writes the verdict or an abort. */
    static final class Destination implements DestinationMain {

        private final WatchedChannel ch;

        Destination(WatchedChannel ch) {
            this.ch = ch;
        }

        @Override
        public MainEvent next() throws MultifdException {
            ControlProtocol.Frame f = ControlProtocol.readFrame(ch);
            if (f == null) {
                throw new MultifdException("the source closed the main channel before the end of the transfer");
            }
            ByteBuffer b = f.body();
            return switch (f.type()) {
                case ControlProtocol.FRAME_FLUSH -> new MainEvent.Flush(b.getLong());
                case ControlProtocol.FRAME_END -> {
                    long flushes = b.getLong();
                    long packets = b.getLong();
                    long normal = b.getLong();
                    long zero = b.getLong();
                    if (flushes < 0 || packets < 0 || normal < 0 || zero < 0) {
                        throw ControlProtocol.field("end record", "end record has a count beyond 2^63");
                    }
                    yield new MainEvent.End(Optional.of(new EndSummary(flushes, packets, normal, zero)));
                }
                case ControlProtocol.FRAME_ABORT -> throw new MultifdException("the source failed: "
                        + ControlProtocol.text(b));
                default -> throw ControlProtocol.field("frame type", String.format(
                        "the source sent frame type 0x%02X, which only the destination sends", f.type()));
            };
        }

        @Override
        public void done(String summary) throws MultifdException {
            write(ch, ControlProtocol.textFrame(ControlProtocol.FRAME_DONE, summary), "verdict");
            ch.shutdownOutput();
        }

        @Override
        public synchronized void abort(String reason) {
            writeQuietly(ch, ControlProtocol.textFrame(ControlProtocol.FRAME_ABORT, reason));
        }

        @Override
        public void close() {
            ch.closeQuietly();
        }
    }
}
