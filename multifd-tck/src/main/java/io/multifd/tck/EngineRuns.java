package io.multifd.tck;

import io.multifd.api.MethodProvider;
import io.multifd.api.MultifdException;
import io.multifd.core.engine.DestinationResult;
import io.multifd.core.engine.DirtyPages;
import io.multifd.core.engine.EngineOptions;
import io.multifd.core.engine.MemorySink;
import io.multifd.core.engine.MethodChoice;
import io.multifd.core.engine.ReceivePolicy;
import io.multifd.core.engine.SendRequest;
import io.multifd.core.engine.SourceSession;
import io.multifd.core.engine.TcpDestination;
import io.multifd.core.engine.TcpSource;
import io.multifd.core.image.Block;
import io.multifd.core.image.BlockSpec;
import io.multifd.core.image.MemoryImage;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The method through the real transfer engine: a destination on a loopback port, a source with
 * several data channels, two passes of iterative pre-copy (all pages, then the pages written
 * since), every page compared at the end.
 */
final class EngineRuns {

    private EngineRuns() {
    }

    /**
     * Runs one transfer.
     *
     * @param provider the provider, used by both peers
     * @param settings the contract's settings
     * @param pageSize the page size
     * @param values   the method's parameter values
     * @param channels the data channels
     * @param seed     the seed of the pages
     * @throws Exception an {@link AssertionError} naming the rule
     */
    static void transfer(MethodProvider provider, MethodContractSettings settings, int pageSize,
                         Map<String, String> values, int channels, long seed) throws Exception {
        String name = provider.name();
        SplittableRandom random = new SplittableRandom(seed);
        int capacity = io.multifd.api.MultifdApi.packetCapacity(pageSize);
        List<BlockSpec> specs = List.of(new BlockSpec("pc.ram", (long) pageSize * (capacity * 3L + random.nextInt(capacity))),
                new BlockSpec("vga.vram", (long) pageSize * (1 + random.nextInt(capacity))));
        MemoryImage source = MemoryImage.allocate(pageSize, specs);
        PageKind[] kinds = PageKind.values();
        for (Block b : source.blocks()) {
            for (long p = 0; p < b.pages(); p++) {
                kinds[random.nextInt(kinds.length)].fill(b.page(p * pageSize), random.nextInt());
            }
        }
        Duration timeout = settings.timeoutPerCase().multipliedBy(3);
        EngineOptions options = EngineOptions.DEFAULTS.withIoTimeout(timeout).withFinishTimeout(timeout);
        String what = "a transfer through the engine over loopback (" + channels + " channels, page size " + pageSize
                + ", settings " + values + ", blocks " + specs + ", seed " + seed + ")";
        MemorySink sink = new MemorySink();
        try (TcpDestination dest = TcpDestination.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                ReceivePolicy.of(List.of(provider)), options)) {
            FutureTask<DestinationResult> receiving = new FutureTask<>(() -> dest.receive(sink));
            Thread t = new Thread(receiving, "multifd-tck destination");
            t.setDaemon(true);
            t.start();
            Bounded.call(timeout.multipliedBy(2), what, "1.1", name, () -> {
                SourceSession s = TcpSource.connect(dest.localAddress(), new SendRequest(channels,
                        List.of(new MethodChoice(provider, values)), UUID.randomUUID(), options), source);
                try {
                    s.sendPass(DirtyPages.all());
                    TreeSet<Long> dirty = new TreeSet<>();
                    Block ram = source.blocks().get(0);
                    for (int i = 0; i < capacity + 3; i++) {
                        long p = random.nextLong(ram.pages());
                        dirty.add(p);
                        kinds[random.nextInt(kinds.length)].fill(ram.page(p * pageSize), random.nextInt());
                    }
                    s.sendPass(new DirtyPages() {
                        @Override
                        public long nextDirty(Block block, long fromPage) {
                            if (!block.name().equals(ram.name())) {
                                return -1;
                            }
                            Long next = dirty.ceiling(fromPage);
                            return next == null ? -1 : next;
                        }
                    });
                    s.finish();
                } finally {
                    s.close();
                }
                return null;
            });
            receiving.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (MultifdException e) {
            throw Rules.fromCore("1.1", name, null, what, e, Rules.hint("1.1"));
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof MultifdException me) {
                throw Rules.fromCore("1.1", name, null, what + ", at the destination", me, Rules.hint("1.1"));
            }
            throw Rules.broken("1.1", name, what + ": the destination failed with " + cause, Rules.hint("1.1"), cause);
        } catch (TimeoutException e) {
            throw Rules.broken("1.1", name, what + ": the destination did not finish within " + timeout.toMillis()
                    + " ms", Rules.hint("1.1"));
        }
        MemoryImage received = sink.image().orElseThrow(() -> new AssertionError("the destination opened no image"));
        for (Block b : source.blocks()) {
            Block d = received.block(b.name()).orElseThrow(() -> new AssertionError("no block " + b.name()));
            for (long p = 0; p < b.pages(); p++) {
                ByteBuffer want = b.readPage(p * pageSize);
                ByteBuffer got = d.readPage(p * pageSize);
                int at = want.mismatch(got);
                if (at >= 0) {
                    throw Rules.broken("2.3", name, what + ": page " + p + " of block " + b.name() + " differs at"
                            + " the destination from byte " + at, Rules.hint("2.3"));
                }
            }
        }
    }
}
