package io.multifd.core.engine;

import io.multifd.api.MultifdApi;
import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.channel.ChannelSender;
import io.multifd.core.channel.SendBatch;
import io.multifd.core.image.MemoryImage;

import java.io.IOException;
import java.nio.channels.Channel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The source side of a transfer: one thread per data channel, a shared work queue per pass, and
 * the sync points of spec §6.2.
 *
 * <p>Life cycle, driven from one caller thread:
 * <pre>
 *   start (init packets, sendSetup, setup sync)  sendPass*  finish  close
 * </pre>
 * {@link #start} writes each channel's init packet, runs the method's {@code sendSetup} on the
 * channel's thread and performs the setup sync (a SYNC packet on every channel, then flush marker
 * 1 on the main channel). Each {@link #sendPass(DirtyPages)} sends the given pages in batches of up
 * to {@code packetCapacity} pages of one block, an idle channel taking the next batch, then syncs
 * again. {@link #finish()} writes the end record, closes the data channels and waits for the
 * destination's verdict. {@link #close()} always releases everything: threads are joined, method
 * cleanup has run on each channel thread, connections are closed.
 *
 * <p>Any failure (a channel's connection, a method, the destination's report) fails the whole
 * session: the first failure is kept (its message names channel and packet), the destination is
 * told, every connection is closed so that no thread stays blocked, and the caller's current or
 * next call throws it.
 *
 * @since 0.1
 */
public final class SourceSession implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(SourceSession.class.getName());

    private final ResolvedMethod method;
    private final UUID uuid;
    private final MemoryImage image;
    private final SourceMain main;
    private final EngineOptions options;
    private final int channels;
    private final List<WritableByteChannel> outs;
    private final ChannelSender[] senders;
    private final Thread[] threads;
    private final PassCursor.Reservation[] reservations;
    private final List<Map<String, Long>> counters;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final AtomicLong packetCounter = new AtomicLong();
    private final long startNanos = System.nanoTime();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long passNumber;
    private PassCursor cursor;
    private int arrived;
    private boolean stopping;
    private MultifdException failure;
    /** Set with {@link #failure}, read without the lock once per packet by the channel threads. */
    private volatile boolean failed;
    private long flushes;
    private long passes;
    private long endNanos;
    private boolean finished;
    private boolean closed;
    private String verdict = "";

    private SourceSession(ResolvedMethod method, UUID uuid, MemoryImage image, List<? extends WritableByteChannel> outs,
                          SourceMain main, EngineOptions options) {
        this.method = Objects.requireNonNull(method, "method");
        this.uuid = Objects.requireNonNull(uuid, "uuid");
        this.image = Objects.requireNonNull(image, "image");
        this.main = Objects.requireNonNull(main, "main");
        this.options = Objects.requireNonNull(options, "options");
        this.outs = List.copyOf(outs);
        this.channels = this.outs.size();
        if (channels < 1 || channels > ControlProtocol.MAX_CHANNELS) {
            throw new IllegalArgumentException("channel count " + channels + " is outside 1.."
                    + ControlProtocol.MAX_CHANNELS);
        }
        int capacity = MultifdApi.packetCapacity(image.pageSize());
        this.senders = new ChannelSender[channels];
        this.threads = new Thread[channels];
        this.reservations = new PassCursor.Reservation[channels];
        this.counters = new ArrayList<>();
        for (int c = 0; c < channels; c++) {
            senders[c] = new ChannelSender(method, c, image.pageSize(), this.outs.get(c), packetCounter,
                    options.detectZero());
            reservations[c] = new PassCursor.Reservation(capacity);
            counters.add(Map.of());
        }
    }

    /**
     * Starts a session over connected data channels and performs the setup sync.
     *
     * @param method  the negotiated method
     * @param uuid    the transfer UUID written in every init packet (all zero for QEMU by default)
     * @param image   the pages to send; a caller may change pages between passes (and during
     *                them: each page is read when its batch is sent)
     * @param outs    the data channels, index = channel id; the session owns and closes them.
     *                Wrap sockets so that a stalled write ends (see {@link TcpSource})
     * @param main    the main channel
     * @param options timing settings
     * @return the running session
     * @throws MultifdException when a channel or the setup sync fails; everything is closed then
     * @throws IllegalStateException when the image is from {@link MemoryImage#mapForSending} and
     *                               another session is sending it (see
     *                               {@link MemoryImage#claimForSending()}); everything is closed then
     */
    public static SourceSession start(ResolvedMethod method, UUID uuid, MemoryImage image,
                                      List<? extends WritableByteChannel> outs, SourceMain main,
                                      EngineOptions options) throws MultifdException {
        return start(method, uuid, image, outs, main, options, List.of(), null);
    }

    /**
     * As the public {@code start}, with more to close at the end.
     *
     * @param resources closed last by {@link #close()}
     * @param claim     the image's {@link MemoryImage#claimForSending() claim} when the caller took
     *                  it already (before connecting), or null to take it here
     */
    static SourceSession start(ResolvedMethod method, UUID uuid, MemoryImage image,
                               List<? extends WritableByteChannel> outs, SourceMain main, EngineOptions options,
                               List<AutoCloseable> resources, AutoCloseable claim) throws MultifdException {
        SourceSession s = new SourceSession(method, uuid, image, outs, main, options);
        s.resources.addAll(resources);
        if (claim != null) {
            s.resources.add(claim);
        }
        try {
            if (claim == null) {
                s.resources.add(image.claimForSending());
            }
            s.main.watch(s::failFromPeer);
            for (int c = 0; c < s.channels; c++) {
                int id = c;
                s.threads[c] = new Thread(() -> s.runChannel(id), "multifd-send-" + c);
                s.threads[c].setDaemon(true);
                s.threads[c].start();
            }
            s.runPass(DirtyPages.none());
        } catch (MultifdException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /**
     * Sends one pass: every dirty page once, then a sync point.
     *
     * @param dirty the pages to send; {@link DirtyPages#all()} for the first pass
     * @throws MultifdException the session's failure, naming channel and packet
     */
    public void sendPass(DirtyPages dirty) throws MultifdException {
        Objects.requireNonNull(dirty, "dirty");
        lock.lock();
        try {
            if (finished || closed || stopping) {
                throw new IllegalStateException("the session is " + (closed ? "closed" : "finished"));
            }
        } finally {
            lock.unlock();
        }
        runPass(dirty);
        passes++;
    }

    private void runPass(DirtyPages dirty) throws MultifdException {
        PassCursor pc = new PassCursor(image, dirty, reservations);
        long k;
        lock.lock();
        try {
            checkFailed();
            k = ++passNumber;
            cursor = pc;
            arrived = 0;
            changed.signalAll();
            while (arrived < channels) {
                checkFailed();
                changed.awaitUninterruptibly();
            }
            checkFailed();
        } finally {
            lock.unlock();
        }
        try {
            main.flush(k);
            flushes = k;
        } catch (MultifdException e) {
            fail(e);
            throw failure();
        }
    }

    private void checkFailed() throws MultifdException {
        if (failure != null) {
            throw failure;
        }
    }

    private MultifdException failure() {
        lock.lock();
        try {
            return failure;
        } finally {
            lock.unlock();
        }
    }

    private void runChannel(int c) {
        ChannelSender s = senders[c];
        PassCursor.Reservation r = reservations[c];
        int pageSize = image.pageSize();
        try {
            s.writeInit(uuid);
            s.setup();
            long done = 0;
            while (true) {
                PassCursor pc = awaitPass(done);
                if (pc == null) {
                    break;
                }
                while (pc.next(r)) {
                    SendBatch b = s.batch(r.block.name());
                    for (int i = 0; i < r.count; i++) {
                        b.add(r.block, r.pages[i] * pageSize);
                    }
                    s.sendBatch();
                    pc.done(r.count);
                    if (failed) {
                        return;
                    }
                }
                s.sendSync();
                done++;
                arrive();
            }
        } catch (MultifdException e) {
            fail(e);
        } catch (RuntimeException | Error e) {
            fail(new MultifdException(method.name(), c, s.packetNumber(), null,
                    "internal error in the channel thread: " + e, e));
        } finally {
            try {
                counters.set(c, safeCounters(s));
                s.close();
            } catch (MultifdException e) {
                fail(e);
            }
        }
    }

    private Map<String, Long> safeCounters(ChannelSender s) {
        try {
            Map<String, Long> m = method.method().counters(s);
            return m == null ? Map.of() : Map.copyOf(m);
        } catch (RuntimeException e) {
            return Map.of();
        }
    }

    /** @return the cursor of the next pass after {@code done} passes, or null to stop */
    private PassCursor awaitPass(long done) {
        lock.lock();
        try {
            while (passNumber <= done && !stopping && failure == null) {
                changed.awaitUninterruptibly();
            }
            return failure != null || passNumber <= done ? null : cursor;
        } finally {
            lock.unlock();
        }
    }

    private void arrive() {
        lock.lock();
        try {
            arrived++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the transfer: stops the channel threads (running the method's cleanup), writes the end
     * record, closes the data channels and waits for the destination's verdict.
     *
     * @return the statistics, with the destination's summary
     * @throws MultifdException the session's failure, or the destination's
     */
    public TransferStats finish() throws MultifdException {
        lock.lock();
        try {
            checkFailed();
            if (finished || closed) {
                throw new IllegalStateException("the session is already " + (closed ? "closed" : "finished"));
            }
            stopping = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        joinThreads();
        MultifdException f = failure();
        if (f != null) {
            throw f;
        }
        ChannelSummary total = ChannelSummary.zero();
        for (int c = 0; c < channels; c++) {
            total = total.plus(ChannelSummary.of(c, senders[c].stats(), Map.of()));
        }
        try {
            main.end(new EndSummary(flushes, total.dataPackets(), total.normalPages(), total.zeroPages()));
            closeOutputs();
            endNanos = System.nanoTime();
            verdict = main.awaitVerdict();
        } catch (MultifdException e) {
            fail(e);
            throw failure();
        }
        lock.lock();
        try {
            checkFailed();
            finished = true;
        } finally {
            lock.unlock();
        }
        return stats();
    }

    /**
     * The statistics so far (final after {@link #finish()}).
     *
     * @return per-channel and total counters
     */
    public TransferStats stats() {
        List<ChannelSummary> list = new ArrayList<>();
        for (int c = 0; c < channels; c++) {
            list.add(ChannelSummary.of(c, senders[c].stats(), counters.get(c)));
        }
        long end = endNanos != 0 ? endNanos : System.nanoTime();
        return new TransferStats("source", method.toString(), image.pageSize(), end - startNanos, list, passes,
                verdict);
    }

    /** @return a snapshot for progress display */
    public Progress progress() {
        PassCursor pc;
        long k;
        lock.lock();
        try {
            pc = cursor;
            k = passNumber;
        } finally {
            lock.unlock();
        }
        long wire = 0;
        for (ChannelSender s : senders) {
            wire += s.stats().wireBytes();
        }
        return new Progress(Math.max(0, k - 1), pc == null ? 0 : pc.done(), pc == null ? 0 : pc.total(), wire,
                System.nanoTime() - startNanos);
    }

    /** @return the method in use */
    public ResolvedMethod method() {
        return method;
    }

    /** @return the number of data channels */
    public int channels() {
        return channels;
    }

    /** @return the transfer UUID */
    public UUID uuid() {
        return uuid;
    }

    /**
     * Fails the session (first failure wins), tells the destination, closes the data channels.
     *
     * @param e the failure
     */
    void fail(MultifdException e) {
        if (!recordFailure(e)) {
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "source failed: {0}", e.getMessage());
        main.abort(e.getMessage());
        closeOutputs();
    }

    private void failFromPeer(MultifdException e) {
        MultifdException f = e;
        if (!e.getMessage().startsWith("the destination failed:")) {
            long k = passNumber;
            StringBuilder sb = new StringBuilder(e.getMessage())
                    .append(k <= 1 ? " during the setup sync" : " during pass " + (k - 1))
                    .append("; packets written so far:");
            for (int c = 0; c < channels; c++) {
                long last = senders[c].packetNumber();
                sb.append(c == 0 ? " " : ", ").append("channel ").append(c).append(' ')
                        .append(senders[c].stats().packets())
                        .append(last >= 0 ? " (last packet " + last + ")" : "");
            }
            f = new MultifdException(sb.toString(), e);
        }
        if (recordFailure(f)) {
            closeOutputs();
        }
    }

    private boolean recordFailure(MultifdException e) {
        lock.lock();
        try {
            if (failure != null || finished) {
                return false;
            }
            failure = e;
            failed = true;
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void closeOutputs() {
        for (Channel ch : outs) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // teardown: the peer sees EOF or a reset either way
            }
        }
    }

    private void joinThreads() {
        for (Thread t : threads) {
            if (t == null || t == Thread.currentThread()) {
                continue;
            }
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
                if (t.isAlive()) {
                    LOG.log(System.Logger.Level.WARNING, "thread {0} did not stop within 30 s", t.getName());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Releases everything. Before {@link #finish()} succeeded, this aborts the transfer and tells
     * the destination.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            stopping = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (!finished) {
            fail(new MultifdException("the source closed the transfer before its end"));
        }
        closeOutputs();
        joinThreads();
        main.close();
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.DEBUG, "closing " + r + " failed", e);
            }
        }
    }
}
