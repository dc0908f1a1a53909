package io.multifd.core.engine;

import io.multifd.api.MultifdException;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A main channel inside one process: the two ends of an in-memory queue, for tests and the
 * in-process benchmark (the data channels can be pipes or in-memory tapes).
 *
 * @since 0.1
 */
public final class LocalLink {

    private final BlockingQueue<Object> toDestination = new LinkedBlockingQueue<>();
    private final boolean withVerdict;
    private final Duration finishTimeout;
    private final Object verdictLock = new Object();
    private String verdict;
    private MultifdException destinationFailure;
    private Consumer<MultifdException> sourceCallback = e -> { };
    private final SourceEnd source = new SourceEnd();
    private final DestinationEnd destination = new DestinationEnd();

    private record Abort(String reason) {
    }

    private record Closed() {
    }

    private LocalLink(boolean withVerdict, Duration finishTimeout) {
        this.withVerdict = withVerdict;
        this.finishTimeout = finishTimeout;
    }

    /**
     * A link whose source waits for the destination's verdict (both sessions run at once).
     *
     * @param finishTimeout how long the source waits for it
     * @return the link
     */
    public static LocalLink withVerdict(Duration finishTimeout) {
        return new LocalLink(true, finishTimeout);
    }

    /**
     * A link whose source does not wait for a verdict: its events are queued, so the destination
     * may run after the source finished (a recorded transfer).
     *
     * @return the link
     */
    public static LocalLink recorded() {
        return new LocalLink(false, Duration.ZERO);
    }

    /** @return the source's end */
    public SourceMain source() {
        return source;
    }

    /** @return the destination's end */
    public DestinationMain destination() {
        return destination;
    }

    private final class SourceEnd implements SourceMain {
        @Override
        public void watch(Consumer<MultifdException> peerFailure) {
            synchronized (verdictLock) {
                sourceCallback = peerFailure;
            }
        }

        @Override
        public void flush(long number) {
            toDestination.add(new MainEvent.Flush(number));
        }

        @Override
        public void end(EndSummary summary) {
            toDestination.add(new MainEvent.End(Optional.of(summary)));
        }

        @Override
        public String awaitVerdict() throws MultifdException {
            if (!withVerdict) {
                return "";
            }
            synchronized (verdictLock) {
                long deadline = System.nanoTime() + finishTimeout.toNanos();
                while (verdict == null && destinationFailure == null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new MultifdException("the destination sent no verdict within " + finishTimeout);
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(verdictLock, left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new MultifdException("interrupted while waiting for the verdict", e);
                    }
                }
                if (verdict != null) {
                    return verdict;
                }
                throw destinationFailure;
            }
        }

        @Override
        public void abort(String reason) {
            toDestination.add(new Abort(reason));
        }

        @Override
        public void close() {
            toDestination.add(new Closed());
        }
    }

    private final class DestinationEnd implements DestinationMain {
        private boolean ended;

        @Override
        public MainEvent next() throws MultifdException {
            Object o;
            try {
                o = toDestination.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MultifdException("interrupted while reading the main channel", e);
            }
            if (o instanceof Abort a) {
                throw new MultifdException("the source failed: " + a.reason());
            }
            if (o instanceof Closed) {
                toDestination.add(o);
                throw new MultifdException("the " + (ended ? "main channel was closed"
                        : "source closed the main channel before the end of the transfer"));
            }
            if (o instanceof MainEvent.End) {
                ended = true;
            }
            return (MainEvent) o;
        }

        @Override
        public void done(String summary) {
            synchronized (verdictLock) {
                verdict = summary;
                verdictLock.notifyAll();
            }
        }

        @Override
        public void abort(String reason) {
            Consumer<MultifdException> cb;
            MultifdException e = new MultifdException("the destination failed: " + reason);
            synchronized (verdictLock) {
                if (verdict != null || destinationFailure != null) {
                    return;
                }
                destinationFailure = e;
                verdictLock.notifyAll();
                cb = sourceCallback;
            }
            cb.accept(e);
        }

        @Override
        public void close() {
            toDestination.add(new Closed());
        }
    }
}
