package io.multifd.core.engine;

import io.multifd.api.MultifdException;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.channel.ChannelReceiver;
import io.multifd.core.channel.PacketNumbers;
import io.multifd.core.channel.SyncBarrier;
import io.multifd.core.image.Block;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;

import java.io.IOException;
import java.nio.channels.Channel;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The destination side of a transfer: one thread per data channel decoding straight into the
 * destination image, the main channel read on the caller's thread, and the sync barrier of spec
 * §6.3 between them (a channel that read its k-th SYNC waits until the main channel passed flush
 * marker k and every other channel reached its k-th SYNC), so a page re-sent in a later pass is
 * never overwritten by its older copy from another channel.
 *
 * <p>Memory is bounded by the channels: each holds one RAM header and what its method allocates
 * for one packet; pages go straight into the image (a mapped file or a buffer).
 *
 * <p>{@link #run()} returns only when the transfer is complete: the end record arrived, every
 * channel ended cleanly with one SYNC per flush marker, the counts match the source's, and every
 * page of every block arrived at least once. Otherwise it throws the first failure (naming channel
 * and packet), after telling the source, closing every connection and joining every thread.
 *
 * @since 0.1
 */
public final class DestinationSession implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(DestinationSession.class.getName());

    /** Opens the image once the blocks are known (QEMU mode learns them on the main channel). */
    @FunctionalInterface
    public interface ImageOpener {
        /**
         * @param blocks the announced blocks
         * @return the image to write into
         * @throws MultifdException when it cannot be opened
         */
        MemoryImage open(List<BlockSpec> blocks) throws MultifdException;
    }

    private final ResolvedMethod method;
    private final int pageSize;
    private final List<ReadableByteChannel> ins;
    private final DestinationMain main;
    private final EngineOptions options;
    private final ImageOpener opener;
    private final int channels;
    private final ChannelReceiver[] receivers;
    private final Thread[] threads;
    private final boolean[] ended;
    private final List<Map<String, Long>> counters = new ArrayList<>();
    private final SyncBarrier barrier;
    private final Watchdog timers;
    private final boolean useBarrier;
    private final long startNanos = System.nanoTime();

    private MemoryImage image;
    private MultifdException failure;
    private boolean endSeen;
    private long flushes;
    private long endNanos;
    private boolean closed;

    /**
     * A session over identified data channels.
     *
     * @param method   the negotiated (or configured) method
     * @param pageSize the page size
     * @param ins      the data channels, index = channel id (init packets already read and
     *                 checked); the session owns and closes them
     * @param main     the main channel
     * @param image    the destination, when the blocks are known already (our protocol); empty when
     *                 the main channel announces them ({@link MainEvent.Blocks})
     * @param opener   opens the image on {@link MainEvent.Blocks}; unused when {@code image} is given
     * @param options  timing settings
     */
    public DestinationSession(ResolvedMethod method, int pageSize, List<? extends ReadableByteChannel> ins,
                              DestinationMain main, Optional<MemoryImage> image, ImageOpener opener,
                              EngineOptions options) {
        this(method, pageSize, ins, main, image, opener, options, true);
    }

    DestinationSession(ResolvedMethod method, int pageSize, List<? extends ReadableByteChannel> ins,
                       DestinationMain main, Optional<MemoryImage> image, ImageOpener opener,
                       EngineOptions options, boolean useBarrier) {
        this.method = Objects.requireNonNull(method, "method");
        this.pageSize = pageSize;
        this.ins = List.copyOf(ins);
        this.main = Objects.requireNonNull(main, "main");
        this.options = Objects.requireNonNull(options, "options");
        this.opener = Objects.requireNonNull(opener, "opener");
        this.image = image.orElse(null);
        this.channels = this.ins.size();
        if (channels < 1 || channels > ControlProtocol.MAX_CHANNELS) {
            throw new IllegalArgumentException("channel count " + channels + " is outside 1.."
                    + ControlProtocol.MAX_CHANNELS);
        }
        this.useBarrier = useBarrier;
        this.receivers = new ChannelReceiver[channels];
        this.threads = new Thread[channels];
        this.ended = new boolean[channels];
        PacketNumbers numbers = new PacketNumbers();
        for (int c = 0; c < channels; c++) {
            receivers[c] = new ChannelReceiver(method, pageSize, this.ins.get(c), "channel " + c, numbers);
            receivers[c].setChannelId(c);
            if (this.image != null) {
                receivers[c].setImage(this.image);
            }
            counters.add(Map.of());
        }
        this.barrier = new SyncBarrier(channels, options.ioTimeoutNanos(), TimeUnit.NANOSECONDS);
        this.timers = new Watchdog("destination-timers", Long.MAX_VALUE);
    }

    /**
     * Receives the whole transfer.
     *
     * @return the statistics
     * @throws MultifdException the first failure, naming channel and packet
     */
    public TransferStats run() throws MultifdException {
        try {
            for (int c = 0; c < channels; c++) {
                int id = c;
                threads[c] = new Thread(() -> runChannel(id), "multifd-recv-" + c);
                threads[c].setDaemon(true);
                threads[c].start();
            }
            while (true) {
                MainEvent ev;
                try {
                    ev = main.next();
                } catch (MultifdException e) {
                    throw firstFailureOr(e, true);
                }
                if (ev instanceof MainEvent.Blocks b) {
                    openImage(b.blocks());
                } else if (ev instanceof MainEvent.Flush f) {
                    if (f.number() != flushes + 1) {
                        throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET,
                                "flush marker", "flush marker " + f.number() + " arrived, expected " + (flushes + 1), null);
                    }
                    if (image == null) {
                        throw new MultifdException("flush marker " + f.number() + " before the RAMBlocks were announced");
                    }
                    if (useBarrier) {
                        barrier.flush();
                    }
                    flushes = f.number();
                } else if (ev instanceof MainEvent.End end) {
                    return complete(end.summary());
                }
            }
        } catch (MultifdException e) {
            fail(e, false);
            joinThreads();
            throw firstFailureOr(e, false);
        }
    }

    private void openImage(List<BlockSpec> blocks) throws MultifdException {
        if (image != null) {
            throw new MultifdException("the RAMBlocks were announced twice");
        }
        image = opener.open(blocks);
        if (image.pageSize() != pageSize) {
            throw new MultifdException("the image has page size " + image.pageSize() + ", the transfer " + pageSize);
        }
        for (ChannelReceiver r : receivers) {
            r.setImage(image);
        }
    }

    private TransferStats complete(Optional<EndSummary> summary) throws MultifdException {
        synchronized (this) {
            endSeen = true;
        }
        barrier.mainEnded();
        joinThreads();
        endNanos = System.nanoTime();
        synchronized (this) {
            if (failure != null) {
                throw failure;
            }
        }
        for (int c = 0; c < channels; c++) {
            if (!ended[c]) {
                throw new MultifdException(method.name(), c, MultifdException.NO_PACKET, null,
                        "channel " + c + " did not end after the end of the transfer", null);
            }
        }
        if (useBarrier) {
            barrier.checkComplete();
        }
        TransferStats stats = stats();
        ChannelSummary t = stats.total();
        if (summary.isPresent()) {
            EndSummary s = summary.get();
            if (s.flushes() != flushes || s.dataPackets() != t.dataPackets() || s.normalPages() != t.normalPages()
                    || s.zeroPages() != t.zeroPages()) {
                throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, "end record",
                        "the source sent " + s.flushes() + " flush markers, " + s.dataPackets() + " data packets, "
                                + s.normalPages() + " normal and " + s.zeroPages() + " zero pages; the destination got "
                                + flushes + ", " + t.dataPackets() + ", " + t.normalPages() + " and " + t.zeroPages(), null);
            }
        }
        if (image == null) {
            throw new MultifdException("the transfer ended before the RAMBlocks were announced");
        }
        for (Block b : image.blocks()) {
            long missing = b.firstMissing();
            if (missing >= 0) {
                throw new MultifdException(null, MultifdException.NO_CHANNEL, MultifdException.NO_PACKET, "ramblock",
                        String.format("RAMBlock %s: the page at offset 0x%X never arrived (%d of %d pages received)",
                                b.name(), missing, b.receivedPages(), b.pages()), null);
            }
        }
        image.force();
        return stats;
    }

    private void runChannel(int c) {
        ChannelReceiver r = receivers[c];
        try {
            r.setup();
            while (true) {
                ChannelReceiver.Event ev = r.next();
                if (ev == ChannelReceiver.Event.SYNC) {
                    if (useBarrier) {
                        barrier.channelSynced(c);
                    }
                } else if (ev == ChannelReceiver.Event.END) {
                    ended[c] = true;
                    barrier.channelEnded(c);
                    long last = r.packetsRead() == 0 ? MultifdException.NO_PACKET : r.header().packetNum();
                    watchEnd(c, last);
                    return;
                }
            }
        } catch (MultifdException e) {
            fail(e, false);
        } catch (RuntimeException | Error e) {
            fail(new MultifdException(method.name(), c, r.packetNumber(), null,
                    "internal error in the channel thread: " + e, e), false);
        } finally {
            try {
                counters.set(c, safeCounters(r));
                r.close();
            } catch (MultifdException e) {
                fail(e, false);
            }
        }
    }

    private Map<String, Long> safeCounters(ChannelReceiver r) {
        try {
            Map<String, Long> m = method.method().counters(r);
            return m == null ? Map.of() : Map.copyOf(m);
        } catch (RuntimeException e) {
            return Map.of();
        }
    }

    /** A channel ended cleanly; unless the end record follows soon, the close was premature. */
    private void watchEnd(int c, long lastPacket) {
        synchronized (this) {
            if (endSeen) {
                return;
            }
        }
        timers.schedule(options.endGrace().toNanos(), () -> {
            synchronized (this) {
                if (endSeen || failure != null) {
                    return;
                }
            }
            fail(new MultifdException(method.name(), c, lastPacket, null, "channel " + c
                    + " was closed by the source " + (lastPacket == MultifdException.NO_PACKET ? "before its first packet"
                    : "after packet " + lastPacket) + ", before the end of the transfer", null), false);
        });
    }

    private MultifdException firstFailureOr(MultifdException e, boolean fromPeer) {
        boolean lost = fromPeer && !e.getMessage().startsWith("the source failed:");
        synchronized (this) {
            // the main channel was lost without a reason (the source died, the network broke): a
            // data channel usually fails at the same moment, naming the channel and packet
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            long left;
            while (lost && failure == null && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (failure != null) {
                return failure;
            }
        }
        if (lost) {
            StringBuilder sb = new StringBuilder(e.getMessage())
                    .append(flushes == 0 ? " before the setup sync" : " during pass " + flushes)
                    .append("; packets read so far:");
            for (int c = 0; c < channels; c++) {
                ChannelReceiver r = receivers[c];
                sb.append(c == 0 ? " " : ", ").append("channel ").append(c).append(' ').append(r.packetsRead())
                        .append(r.packetsRead() > 0 ? " (last packet " + r.header().packetNum() + ")" : "");
            }
            e = new MultifdException(sb.toString(), e);
        }
        fail(e, fromPeer);
        synchronized (this) {
            return failure;
        }
    }

    /**
     * Fails the session: first failure wins; the source is told (unless it told us), the data
     * channels are closed so that every channel thread stops, and the main channel is closed
     * after the end grace (so the source can still read why).
     */
    private void fail(MultifdException e, boolean fromPeer) {
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = e;
            notifyAll();
        }
        LOG.log(System.Logger.Level.DEBUG, "destination failed: {0}", e.getMessage());
        barrier.fail(e);
        if (!fromPeer) {
            main.abort(e.getMessage());
        }
        closeInputs();
        timers.schedule(fromPeer ? 0 : options.endGrace().toNanos(), main::close);
    }

    private void closeInputs() {
        for (Channel ch : ins) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // teardown
            }
        }
    }

    private void joinThreads() {
        long waitMs = options.ioTimeout().isZero() ? 60_000 : options.ioTimeout().toMillis() + 5_000;
        for (Thread t : threads) {
            if (t == null || t == Thread.currentThread()) {
                continue;
            }
            try {
                t.join(waitMs);
                if (t.isAlive()) {
                    fail(new MultifdException("thread " + t.getName() + " did not stop within " + waitMs + " ms"), false);
                    closeInputs();
                    t.join(5_000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** @return the statistics so far */
    public TransferStats stats() {
        List<ChannelSummary> list = new ArrayList<>();
        for (int c = 0; c < channels; c++) {
            list.add(ChannelSummary.of(c, receivers[c].stats(), counters.get(c)));
        }
        long end = endNanos != 0 ? endNanos : System.nanoTime();
        return new TransferStats("destination", method.toString(), pageSize, end - startNanos, list,
                Math.max(0, flushes - 1), "");
    }

    /** @return a snapshot for progress display: pages received of the image's pages */
    public Progress progress() {
        long done = 0;
        long wire = 0;
        for (ChannelReceiver r : receivers) {
            done += r.stats().normalPages() + r.stats().zeroPages();
            wire += r.stats().wireBytes();
        }
        MemoryImage img = image;
        long total = img == null ? 0 : img.totalBytes() / pageSize;
        return new Progress(Math.max(0, barrier.released() - 1), done, total, wire, System.nanoTime() - startNanos);
    }

    /** @return the image, once known */
    public Optional<MemoryImage> image() {
        return Optional.ofNullable(image);
    }

    /**
     * Releases everything: connections, threads, timers. Fails the transfer if it is still running.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        boolean complete;
        synchronized (this) {
            complete = endSeen && failure == null;
        }
        if (!complete) {
            fail(new MultifdException("the destination closed the transfer before its end"), false);
        }
        closeInputs();
        joinThreads();
        main.close();
        timers.close();
    }
}
