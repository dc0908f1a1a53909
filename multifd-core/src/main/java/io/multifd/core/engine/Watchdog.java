package io.multifd.core.engine;

import java.nio.channels.ByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Closes connections whose current read or write has made no progress for too long, and runs
 * delayed tasks (grace periods). Blocking NIO channels have no write timeout, so this is how a
 * stalled peer (one that accepts but never reads) turns into an error instead of a hang: closing
 * a channel wakes the thread blocked in it with an {@code AsynchronousCloseException}, which
 * {@link WatchedChannel} turns into an {@code IOException} saying why.
 *
 * <p>One daemon thread, named {@code multifd-watchdog-...}, started with the first watched
 * channel or task and stopped by {@link #close()}.
 */
final class Watchdog implements AutoCloseable {

    private static final long MAX_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final String name;
    private final long timeoutNanos;
    private final List<WatchedChannel> channels = new ArrayList<>();
    private final List<Task> tasks = new ArrayList<>();
    private Thread thread;
    private boolean closed;

    private record Task(long deadline, Runnable action) {
    }

    /**
     * @param name         suffix of the thread name
     * @param timeoutNanos default timeout of watched channels; {@link Long#MAX_VALUE} disables it
     */
    Watchdog(String name, long timeoutNanos) {
        this.name = name;
        this.timeoutNanos = timeoutNanos;
    }

    /**
     * Wraps a connection so that its reads and writes are timed.
     *
     * @param channel    the connection
     * @param label      what it is, for messages (e.g. {@code "channel 2"})
     * @param timeReads  whether reads are timed (a destination's main channel is idle for a whole
     *                   pass, so its reads are not)
     * @param timeWrites whether writes are timed
     * @return the watched connection
     */
    synchronized WatchedChannel watch(ByteChannel channel, String label, boolean timeReads, boolean timeWrites) {
        WatchedChannel w = new WatchedChannel(channel, label, timeReads ? timeoutNanos : Long.MAX_VALUE,
                timeWrites ? timeoutNanos : Long.MAX_VALUE);
        channels.add(w);
        ensureStarted();
        return w;
    }

    /**
     * Runs an action after a delay on the watchdog thread (it must not block).
     *
     * @param delayNanos the delay
     * @param action     what to run
     */
    synchronized void schedule(long delayNanos, Runnable action) {
        if (closed) {
            return;
        }
        tasks.add(new Task(System.nanoTime() + delayNanos, action));
        ensureStarted();
        notifyAll();
    }

    private void ensureStarted() {
        if (thread == null && !closed) {
            thread = new Thread(this::run, "multifd-watchdog-" + name);
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void run() {
        List<Runnable> due = new ArrayList<>();
        List<WatchedChannel> expired = new ArrayList<>();
        while (true) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                long now = System.nanoTime();
                for (WatchedChannel w : channels) {
                    if (w.isExpired(now)) {
                        expired.add(w);
                    }
                }
                channels.removeIf(w -> !w.isOpen());
                long next = now + MAX_TICK_NANOS;
                for (int i = tasks.size() - 1; i >= 0; i--) {
                    Task t = tasks.get(i);
                    if (t.deadline - now <= 0) {
                        due.add(t.action);
                        tasks.remove(i);
                    } else if (t.deadline - next < 0) {
                        next = t.deadline;
                    }
                }
                if (due.isEmpty() && expired.isEmpty()) {
                    try {
                        TimeUnit.NANOSECONDS.timedWait(this, Math.max(1, next - now));
                    } catch (InterruptedException e) {
                        return;
                    }
                    continue;
                }
            }
            for (WatchedChannel w : expired) {
                w.expire();
            }
            for (Runnable r : due) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    System.getLogger(Watchdog.class.getName()).log(System.Logger.Level.WARNING,
                            "watchdog task failed", e);
                }
            }
            expired.clear();
            due.clear();
        }
    }

    /** Stops the thread (watched channels stay open) and waits for it. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            tasks.clear();
            channels.clear();
            notifyAll();
            t = thread;
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
