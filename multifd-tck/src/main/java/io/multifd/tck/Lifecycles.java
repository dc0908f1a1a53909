package io.multifd.tck;

import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdException;
import io.multifd.api.MultifdMethod;
import io.multifd.core.ResolvedMethod;
import io.multifd.core.channel.ChannelReceiver;
import io.multifd.core.channel.ChannelSender;
import io.multifd.core.channel.PacketNumbers;
import io.multifd.core.image.MemoryImage;

import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/** Setup and cleanup: legal orders, failed setups, the state slot, and leaks over many cycles. */
final class Lifecycles {

    /** Cycles between garbage collections in the leak check. */
    private static final int GC_EVERY = 100;

    private Lifecycles() {
    }

    /**
     * Setup with a failure injected at the channel's {@code failAt}-th call (or none), then
     * {@code cleanups} cleanups: cleanup must not throw and must leave the slot empty.
     *
     * @param provider  the provider
     * @param settings  the method's parameter values
     * @param send      which direction
     * @param pageSize  the page size
     * @param failAt    the call to fail, from 1
     * @param cleanups  how many cleanups follow, at least 1
     */
    static void failedSetup(MethodProvider provider, Map<String, String> settings, boolean send, int pageSize,
                            int failAt, int cleanups) throws Exception {
        String name = provider.name();
        ResolvedMethod rm = create(provider, settings);
        MultifdMethod m = rm.method();
        FaultyChannel ch = new FaultyChannel(name, 0, pageSize, rm.settings(), failAt);
        String hook = send ? "sendSetup" : "recvSetup";
        String cleanup = send ? "sendCleanup" : "recvCleanup";
        String how;
        try {
            if (send) {
                m.sendSetup(ch);
            } else {
                m.recvSetup(ch);
            }
            how = hook + " (which made " + ch.calls() + " channel calls, so the injected failure at call #"
                    + failAt + " never happened)";
        } catch (MultifdException | RuntimeException e) {
            if (!causedByFault(e)) {
                String rule = e instanceof MultifdException ? (send ? "2.1" : "3.1") : "1.3";
                throw Rules.broken(rule, name, hook + " on a working channel threw " + e,
                        "setup must work on a channel with page size " + pageSize + " when availability() says the"
                        + " method works here", e);
            }
            how = hook + " that failed at its channel call #" + failAt + " (" + e.getMessage() + ")";
        }
        ch.disarm();
        for (int i = 1; i <= cleanups; i++) {
            try {
                if (send) {
                    m.sendCleanup(ch);
                } else {
                    m.recvCleanup(ch);
                }
            } catch (RuntimeException | Error e) {
                throw Rules.broken("1.4", name, cleanup + " call " + i + " of " + cleanups + " after a " + how
                        + " threw " + e + " (page size " + pageSize + ", settings " + settings + ")",
                        Rules.hint("1.4"), e);
            }
            if (ch.slot() != null) {
                throw Rules.broken("1.5", name, "after " + cleanup + " call " + i + " following a " + how
                        + ", the state slot still holds a " + ch.slot().getClass().getName(), Rules.hint("1.5"));
            }
        }
    }

    private static boolean causedByFault(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof FaultyChannel.InjectedFault) {
                return true;
            }
        }
        return false;
    }

    /**
     * Setup, {@code packets} packets, cleanup through the core (which checks the slot), then
     * {@code extraCleanups} more cleanups called directly.
     *
     * @param provider      the provider
     * @param contract      the contract's settings
     * @param plan          one channel of packets (may be none)
     * @param send          which direction
     * @param extraCleanups cleanups after the core's
     */
    static void legalOrder(MethodProvider provider, MethodContractSettings contract, TransferPlan plan, boolean send,
                           int extraCleanups) throws Exception {
        Transfer t = RoundTrips.create(provider, plan);
        String name = provider.name();
        String during = (send ? "send" : "receive") + " side: setup, " + t.packets(0) + " packets, cleanup, then "
                + extraCleanups + " more cleanup calls (transfer: " + plan + ")";
        Bounded.call(contract.timeoutPerCase(), during, "1.4", name, () -> {
            Transfer.Sender s = t.sender(0);
            try {
                s.setup();
                for (int p = 0; p < t.packets(0); p++) {
                    s.send(p);
                }
                s.close();
                if (send) {
                    again(t, name, during, extraCleanups, s.channelSender(), null);
                    return null;
                }
                MemoryImage dest = t.newDestination();
                byte[] stream = s.stream();
                Transfer.Receiver r = t.receiver(0, stream, stream.length, dest, new PacketNumbers());
                r.setup();
                for (int p = 0; p < t.packets(0); p++) {
                    r.next();
                }
                r.close();
                again(t, name, during, extraCleanups, null, r.channelReceiver());
            } catch (MultifdException e) {
                throw Rules.fromCore("1.5", name, t.observed(), during, e, Rules.hint("1.5"));
            }
            return null;
        });
    }

    private static void again(Transfer t, String name, String during, int times, ChannelSender s, ChannelReceiver r) {
        MultifdMethod m = t.method().method();
        for (int i = 0; i < times; i++) {
            try {
                if (s != null) {
                    m.sendCleanup(s);
                } else {
                    m.recvCleanup(r);
                }
            } catch (RuntimeException | Error e) {
                throw Rules.broken("1.4", name, during + ": cleanup call " + (i + 2) + " threw " + e,
                        Rules.hint("1.4"), e);
            }
            Object left = s != null ? s.state() : r.state();
            if (left != null) {
                throw Rules.broken("1.5", name, during + ": after cleanup call " + (i + 2) + " the state slot holds a "
                        + left.getClass().getName(), Rules.hint("1.5"));
            }
        }
    }

    /**
     * Many setup/cleanup cycles in both directions through the core's channels, measuring what
     * stays behind (rule 1.5).
     *
     * @param provider the provider
     * @param contract the contract's settings
     */
    static void leakCycles(MethodProvider provider, MethodContractSettings contract) throws Exception {
        String name = provider.name();
        Map<String, String> values = Scenarios.methodSettings(provider, contract).get(0);
        ResolvedMethod rm = create(provider, values);
        int pageSize = contract.pageSizes().contains(4096) ? 4096 : contract.pageSizes().get(0);
        int cycles = contract.leakCycles();
        AtomicLong counter = new AtomicLong();
        ResourceSnapshot before;
        ResourceSnapshot after;
        long t0;
        long millis;
        try {
            // warm up: classes loaded, code compiled, the allocator's pools at their working size
            runCycles(rm, pageSize, counter, Math.min(2 * GC_EVERY, cycles));
            before = ResourceSnapshot.take();
            t0 = System.nanoTime();
            runCycles(rm, pageSize, counter, cycles);
            millis = (System.nanoTime() - t0) / 1_000_000;
            after = ResourceSnapshot.take();
        } catch (MultifdException e) {
            throw Rules.fromCore("1.5", name, null, "setup/cleanup cycle", e, Rules.hint("1.5"));
        }
        String what = "after " + cycles + " setup/cleanup cycles on each side (" + millis + " ms, page size "
                + pageSize + ", settings " + rm.settings() + "), ";
        long buffers = after.directCount() - before.directCount();
        long bufferBytes = after.directBytes() - before.directBytes();
        if (buffers > Math.max(8, cycles / 20) || bufferBytes > (4L << 20)) {
            throw Rules.broken("1.5", name, what + buffers + " more direct buffers (" + ResourceSnapshot.mib(bufferBytes)
                    + ") are alive", "cleanup must drop every direct buffer its setup allocated (keep them only in"
                    + " the state slot, never in static fields or caches that grow)");
        }
        int threads = after.threads() - before.threads();
        if (threads > 2) {
            throw Rules.broken("1.5", name, what + threads + " more threads are alive",
                    "threads or executors started in setup must be stopped in cleanup");
        }
        long heap = after.heapUsed() - before.heapUsed();
        if (heap > (16L << 20)) {
            throw Rules.broken("1.5", name, what + "the heap in use after collection grew by "
                    + ResourceSnapshot.mib(heap), "something setup creates stays reachable after cleanup: a static"
                    + " list, a cache, a registry, a thread-local");
        }
        OptionalLong nativeGrowth = after.nativeGrowthSince(before);
        if (nativeGrowth.isPresent() && nativeGrowth.getAsLong() > contract.nativeLeakBoundBytes()) {
            throw Rules.broken("1.5", name, what + "resident memory outside the Java heap grew by "
                    + ResourceSnapshot.mib(nativeGrowth.getAsLong()) + " (bound "
                    + ResourceSnapshot.mib(contract.nativeLeakBoundBytes()) + ")", "native memory: end() every"
                    + " Deflater/Inflater, free native contexts in cleanup (do not leave it to the garbage collector)");
        }
    }

    /**
     * Runs cycles, collecting garbage every {@link #GC_EVERY} of them: buffers a cleanup merely
     * drops are freed by the collector, and without it they pile up to the heap's or the direct
     * memory's limit, which the process's allocator then keeps as resident memory. Collecting
     * often keeps that pile small, so what stays is what was never released.
     */
    private static void runCycles(ResolvedMethod rm, int pageSize, AtomicLong counter, int n)
            throws MultifdException {
        for (int i = 1; i <= n; i++) {
            cycle(rm, pageSize, counter);
            if (i % GC_EVERY == 0) {
                System.gc();
            }
        }
    }

    private static void cycle(ResolvedMethod rm, int pageSize, AtomicLong counter) throws MultifdException {
        ChannelSender s = new ChannelSender(rm, 0, pageSize, NullChannel.INSTANCE, counter, true);
        s.setup();
        s.close();
        ChannelReceiver r = new ChannelReceiver(rm, pageSize, NullChannel.INSTANCE, "leak check", null);
        r.setChannelId(0);
        r.setup();
        r.close();
    }

    static ResolvedMethod create(MethodProvider provider, Map<String, String> settings) {
        try {
            return ResolvedMethod.create(provider, settings);
        } catch (MultifdException e) {
            throw Rules.broken("4.3", provider.name(), "create() failed for the settings " + settings + ": "
                    + e.getMessage(), "MethodProvider.create() and parameters(): every declared value must work", e);
        }
    }

    /** A connection that takes everything and has nothing to read. */
    private enum NullChannel implements WritableByteChannel, ReadableByteChannel {
        INSTANCE;

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            return n;
        }

        @Override
        public int read(ByteBuffer dst) {
            return -1;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
